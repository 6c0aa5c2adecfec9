"""The consent statement in the admin's language: shown, signed and stored with its language and version id;
exported with both, and the export says the stored text is that version's legal text (verified).

A version's text never changes: its digest is pinned here (a new wording needs a new version id).
"""

from __future__ import annotations

import hashlib
import json

from bot.core.consent import digest
from bot.i18n import statements
from bot.usecases import consent_answers
from bot.usecases.consent_export import export_consents
from store.db import Database
from tests.conftest import NOW
from tests.consent_factories import ask, consent_rows, who
from tests.factories import add_account, add_members

TEAM = "T0001"
PINNED = {
    "en-1": "d17161822e3b3ff702b544e56bce9d038c0b8a2c38b2c20d9ea4bb6ad234e0a2",
    "nl-1": "f9cf4bf2567672100e245f9124fcf163c0909f8e036aaa41f7860a4917b425f8",
    "fr-1": "a9ab36040955ce6bd364db4b2b080ccbf40a3684cb60c1bc65cb900ddf13994e",
}


def test_each_language_has_a_current_version_whose_text_is_pinned() -> None:
    assert set(statements.CURRENT) == {"en", "nl", "fr"}
    for lang, version in statements.CURRENT.items():
        assert statements.language_of(version) == lang and version in statements.TEXTS
    found = {v: hashlib.sha256(t.encode()).hexdigest() for v, t in statements.TEXTS.items()}
    assert found == PINNED, "a statement's text changed: give the new wording a new version id"


def test_a_french_admin_signs_the_french_statement_and_the_export_holds_it(db: Database) -> None:
    add_account(db)
    add_members(db, TEAM, 6, admins=(0, 1, 2))
    asked = ask(db, 0, 1)
    shown = consent_answers.review(db, consent_id=asked.id, who=who(1), now=NOW, language="fr")
    assert shown.statement.startswith("Je soussigné(e), User 1, accepte que mes droits d’administrateur")
    assert "à partir du renouvellement du vendredi 1 janvier 2027" in shown.statement
    assert (shown.statement_language, shown.statement_version) == ("fr", "fr-1")
    done = consent_answers.grant(
        db,
        consent_id=asked.id,
        who=who(1),
        agreed=True,
        signature="user 1",  # the name check as before: case and accents do not matter
        now=NOW,
        shown_digest=shown.statement_digest,
        language="fr",
    )
    assert done.statement == shown.statement
    row = consent_rows(db)[0]
    assert (row["statement"], row["statement_language"], row["statement_version"]) == (shown.statement, "fr", "fr-1")
    text, count = export_consents(db, team=TEAM, fmt="json", now=NOW)
    [record] = json.loads(text)["consents"]
    assert count == 1 and record["statement"] == shown.statement
    assert (record["statement_language"], record["statement_version"], record["statement_verified"]) == (
        "fr",
        "fr-1",
        True,
    )
    assert digest(record["statement"]) == shown.statement_digest


def test_the_english_statement_is_the_one_shown_before_languages(db: Database) -> None:
    from datetime import date

    from bot.core import consent as rules
    from bot.core.consent import StatementFacts

    facts = StatementFacts("Acme", "T0001", "Jan Peeters", date(2027, 1, 1), "An Janssens", date(2026, 12, 1))
    assert statements.render("en-1", facts) == rules.statement(facts)  # stored evidence of en-1 still verifies


def test_a_statement_shown_in_one_language_cannot_be_signed_as_another(db: Database) -> None:
    add_account(db)
    add_members(db, TEAM, 6, admins=(0, 1, 2))
    asked = ask(db, 0, 1)
    shown = consent_answers.review(db, consent_id=asked.id, who=who(1), now=NOW, language="nl")
    try:
        consent_answers.grant(
            db, consent_id=asked.id, who=who(1), agreed=True, signature="User 1", now=NOW,
            shown_digest=shown.statement_digest, language="fr",
        )  # fmt: skip
    except Exception as exc:
        assert "statement changed" in str(exc)
    else:
        raise AssertionError("signed a French statement after reading the Dutch one")


def test_verify_refuses_an_edited_statement() -> None:
    from datetime import date

    from bot.core.consent import StatementFacts

    facts = StatementFacts("Acme", "T0001", "Jan Peeters", date(2027, 1, 1), "An Janssens", date(2026, 12, 1))
    text = statements.render("nl-1", facts)
    assert statements.verify("nl-1", text)
    assert not statements.verify("nl-1", text.replace("ingetrokken", "behouden"))
    assert not statements.verify("fr-1", text) and not statements.verify("xx-1", text)
