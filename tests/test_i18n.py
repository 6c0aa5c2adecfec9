"""The catalogs are complete (the CI check of issue 14) and the language machinery does what it says.

Every text marked in the code (`_`, `n_`, `p_`, `N_`, `T_`; extracted with Babel as `make catalogs` does) has
a translation in every language's catalog: none missing, empty, fuzzy or stale (in a catalog but no longer in
the code), and each keeps the `{placeholders}` of its English, so formatting never fails in one language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from bot import i18n
from bot.i18n import catalogs
from bot.i18n.formats import day, instant, money

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {**DEFAULT_KEYWORDS, "n_": (1, 2), "p_": ((1, "c"), 2), "T_": ((1, "c"), 2)}
"""The same keywords as the Makefile's `catalogs` target (I18N_KEYWORDS)."""
PLACEHOLDER = re.compile(r"\{(\w*)\}")

Key = tuple[str | None, str]


def extracted() -> dict[Key, str | tuple[str, ...]]:
    """(context, singular id) -> the id as marked in the code (a tuple for a plural)."""
    found: dict[Key, str | tuple[str, ...]] = {}
    for package in ("bot", "handlers"):
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            singular = message if isinstance(message, str) else message[0]
            found[(context, singular)] = message
    return found


def catalog(lang: str) -> Catalog:
    with catalogs.po_path(lang).open("rb") as f:
        return read_po(f)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def problems(lang: str, code: dict[Key, str | tuple[str, ...]]) -> Iterator[str]:
    cat = catalog(lang)
    for (context, singular), msgid in sorted(code.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
        entry = cat.get(msgid, context)
        where = f"{lang}: {singular!r}" + (f" ({context})" if context else "")
        if entry is None:
            yield f"{where}: missing"
            continue
        if entry.fuzzy:
            yield f"{where}: fuzzy"
        forms = [f or "" for f in (entry.string if isinstance(entry.string, tuple | list) else [entry.string])]
        if isinstance(msgid, tuple) != isinstance(entry.id, tuple | list):
            yield f"{where}: plural in one, not the other"
        if not all(forms):
            yield f"{where}: not translated"
            continue
        wanted = set().union(*(placeholders(m) for m in ([msgid] if isinstance(msgid, str) else msgid)))
        for form in forms:
            extra = placeholders(form) - wanted
            if extra:
                yield f"{where}: unknown placeholders {sorted(extra)} in {form!r}"
        if isinstance(msgid, str) and placeholders(forms[0]) != wanted:
            yield f"{where}: placeholders {sorted(placeholders(forms[0]))} instead of {sorted(wanted)}"
        if isinstance(msgid, tuple):
            if len(forms) != cat.num_plurals:
                yield f"{where}: {len(forms)} plural forms, the language has {cat.num_plurals}"
            for form in forms:
                lost = wanted - {"n"} - placeholders(form)
                if lost:
                    yield f"{where}: a plural form loses {sorted(lost)}"
    for entry in cat:
        if entry.id and (entry.context, entry.id if isinstance(entry.id, str) else entry.id[0]) not in code:
            yield f"{lang}: {entry.id!r} is stale (no longer in the code): run `make catalogs`"
    for entry in cat.obsolete.values():
        yield f"{lang}: {entry.id!r} is obsolete (#~): run `make catalogs`"


def test_every_language_but_the_source_has_a_catalog() -> None:
    assert catalogs.catalog_languages() == sorted(lang for lang in i18n.LANGUAGES if lang != catalogs.SOURCE_LANGUAGE)


@pytest.mark.parametrize("lang", [lang for lang in i18n.LANGUAGES if lang != catalogs.SOURCE_LANGUAGE])
def test_the_catalog_is_complete(lang: str) -> None:
    code = extracted()
    assert len(code) > 200  # the extraction found the app's texts (a wrong folder would find none)
    found = list(problems(lang, code))
    assert not found, f"{len(found)} problems; run `make catalogs` and translate:\n" + "\n".join(found[:40])


def test_the_check_fails_on_a_missing_a_stale_and_a_fuzzy_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check can fail: a catalog that lacks a text of the code, keeps a text no longer in it, or has a
    fuzzy or placeholder-losing translation is reported."""
    code = extracted()
    source = catalog("nl")
    broken = Catalog(locale="nl", domain=catalogs.DOMAIN)
    kept = 0
    for entry in source:
        if not entry.id:
            continue
        kept += 1
        if kept == 1:
            continue  # missing
        flags = {"fuzzy"} if kept == 2 else set()
        string = entry.string
        if kept == 3 and isinstance(string, str):
            string = "zonder plaatshouders"
        broken.add(entry.id, string, context=entry.context, flags=flags)
    broken.add("A text no longer in the code", "Een oude tekst")
    path = tmp_path / "nl" / "LC_MESSAGES" / f"{catalogs.DOMAIN}.po"
    path.parent.mkdir(parents=True)
    from babel.messages.pofile import write_po

    with path.open("wb") as f:
        write_po(f, broken)
    monkeypatch.setattr(catalogs, "po_path", lambda lang, root=tmp_path: root / lang / "LC_MESSAGES" / "licensebot.po")
    found = list(problems("nl", code))
    assert any("missing" in p for p in found)
    assert any("fuzzy" in p for p in found)
    assert any("stale" in p for p in found)


def test_catalogs_compile_to_mo_files_that_gettext_reads(tmp_path: Path) -> None:
    import gettext
    import shutil

    shutil.copytree(catalogs.LOCALE_DIR, tmp_path / "locales", ignore=shutil.ignore_patterns("*.mo"))
    written = catalogs.compile_into(tmp_path / "locales")
    assert sorted(p.parent.parent.name for p in written) == catalogs.catalog_languages()
    with next(p for p in written if p.parent.parent.name == "nl").open("rb") as f:
        nl = gettext.GNUTranslations(f)
    assert nl.ngettext("{n} license", "{n} licenses", 1) == "{n} licentie"
    assert nl.ngettext("{n} license", "{n} licenses", 2) == "{n} licenties"


def test_plural_forms_are_right() -> None:
    with i18n.use("nl"):
        assert [i18n.n_("{n} license", "{n} licenses", n) for n in (1, 2)] == ["1 licentie", "2 licenties"]
    with i18n.use("fr"):
        assert [i18n.n_("{n} license", "{n} licenses", n) for n in (0, 1, 2)] == [
            "0 licence",
            "1 licence",
            "2 licences",
        ]
    with i18n.use("en"):
        assert i18n.n_("{n} license", "{n} licenses", 2) == "2 licenses"


def test_dates_and_money_by_locale() -> None:
    d = date(2026, 12, 31)
    with i18n.use("nl"):
        assert (day(d), money(Decimal("39"), "EUR")) == ("donderdag 31 december 2026", "39,00\u00a0€")
    with i18n.use("fr"):
        assert day(d) == "jeudi 31 décembre 2026"
        assert money(Decimal("1234.5"), "EUR").replace("\u202f", " ").replace("\u00a0", " ") == "1 234,50 €"
    with i18n.use("en"):
        assert (day(d), money(Decimal("39"), "EUR")) == ("Thu 31 Dec 2026", "€39.00")


def test_an_instant_is_a_slack_date_token_with_the_account_time_as_fallback() -> None:
    at = datetime(2026, 11, 26, 8, 14, tzinfo=UTC)
    with i18n.use("nl"):
        token = instant(at, "Europe/Brussels")
    assert token == "<!date^1795680840^{date_long} {time}|donderdag 26 november 2026 09:14 (Europe/Brussels)>"


def test_whose_language_choice_then_slack_locale_then_account() -> None:
    assert i18n.choose("nl", "fr-FR", "en") == "nl"
    assert i18n.choose(None, "fr-FR", "nl") == "fr"
    assert i18n.choose(None, "de-DE", "nl") == "nl"  # a Slack locale we do not speak: the account's
    assert i18n.choose(None, None, None) == "en"
    assert i18n.choose("xx", None, "fr") == "fr"


def test_a_queued_message_is_picked_in_the_reader_language_and_old_rows_stay_english() -> None:
    def build() -> dict[str, object]:
        return {"text": i18n._("Close"), "blocks": []}

    payload = i18n.variants(build)
    assert payload["text"] == "Close"
    assert i18n.pick(payload, "nl")["text"] == "Sluiten"
    assert i18n.pick(payload, "fr")["text"] == "Fermer"
    assert i18n.VARIANTS not in i18n.pick(payload, "en")
    assert i18n.pick({"text": "Queued before", "blocks": []}, "fr")["text"] == "Queued before"


def test_a_lazily_bound_language_is_found_once_and_a_failure_is_english() -> None:
    import contextvars

    calls: list[int] = []

    def run(resolve: object) -> list[str]:
        i18n.bind(resolve)  # type: ignore[arg-type]
        return [i18n._("Close"), i18n._("Close")]

    def french() -> str:
        calls.append(1)
        return "fr"

    assert contextvars.copy_context().run(run, french) == ["Fermer", "Fermer"] and calls == [1]

    def broken() -> str:
        raise RuntimeError("database away")

    assert contextvars.copy_context().run(run, broken) == ["Close", "Close"]
