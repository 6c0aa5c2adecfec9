# Quick start: `make demo` runs licensebot on the embedded SQLite default; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install clean bench

$(BIN)/licensebot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/licensebot

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
