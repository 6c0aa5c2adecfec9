# Quick start: `make demo` runs licensebot on the embedded SQLite default; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install clean bench catalogs compile-catalogs

$(BIN)/licensebot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

# The gettext catalogs (bot/i18n, docs/i18n.md): .po in git, .mo compiled here (and in the wheel's build).
install: $(BIN)/licensebot compile-catalogs

compile-catalogs: $(BIN)/licensebot
	$(BIN)/python -m bot.i18n

# After marking texts: extract them and merge into every catalog (new ones empty, stale ones dropped), then
# translate the empty entries in bot/i18n/locales/*/LC_MESSAGES/licensebot.po; tests/test_i18n.py checks.
I18N_KEYWORDS := -k n_:1,2 -k p_:1c,2 -k T_:1c,2
catalogs: $(BIN)/licensebot
	@mkdir -p build
	$(BIN)/pybabel extract --no-location --sort-output --width 120 $(I18N_KEYWORDS) -o build/licensebot.pot bot handlers
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --width 120 -i build/licensebot.pot -d bot/i18n/locales -D licensebot
	$(BIN)/python -m bot.i18n

demo: install
	$(BIN)/licensebot demo

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Benchmarks (bench/README.md): each prints a table; about 6 minutes in all on 2 cores (PostgreSQL at
# 127.0.0.1:5432 for tick_cost; set BENCH_PG_URL otherwise). One at a time: $(BIN)/python -m bench.ack
bench: install
	$(BIN)/python -m bench.ack
	$(BIN)/python -m bench.fanout
	$(BIN)/python -m bench.tick_cost

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
