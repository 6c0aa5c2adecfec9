"""The pure consent rules: statement text, signature comparison, who may answer, the last admin."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core import consent as rules
from bot.core.consent import AdminState, SlackIdentity, StatementFacts

FACTS = StatementFacts(
    account_name="Acme BV",
    team_id="T0001",
    admin_name="Zoë Van den Berghe",
    effective_on=date(2027, 1, 1),
    requester_name="Jan Peeters",
    requested_on=date(2026, 11, 26),
)


def test_statement_names_the_account_the_admin_the_date_and_what_happens() -> None:
    text = rules.statement(FACTS)
    assert text.startswith(
        "I, Zoë Van den Berghe, consent that my admin rights in the account Acme BV (Slack workspace T0001)"
    )
    assert "from the renewal of Friday 1 January 2027" in text
    assert "my user is deactivated, I lose access to the account, I am no longer an admin" in text
    assert "I can revoke this consent until my user has been deactivated." in text
    assert text.endswith("Requested by Jan Peeters on Thursday 26 November 2026.")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"account_name": "Other NV"}, "in the account Other NV"),
        ({"team_id": "T0XYZ"}, "(Slack workspace T0XYZ)"),
        ({"admin_name": "Ann"}, "I, Ann, consent"),
        ({"effective_on": date(2027, 4, 1)}, "from the renewal of Thursday 1 April 2027"),
        ({"requester_name": "Piet"}, "Requested by Piet on"),
    ],
)
def test_each_fact_changes_the_statement_and_its_digest(change: dict[str, object], expected: str) -> None:
    changed = dataclasses.replace(FACTS, **change)  # type: ignore[arg-type]
    assert expected in rules.statement(changed)
    assert expected not in rules.statement(FACTS)
    assert rules.digest(rules.statement(changed)) != rules.digest(rules.statement(FACTS))


def test_statement_is_the_same_text_every_time() -> None:
    assert rules.statement(FACTS) == rules.statement(StatementFacts(**FACTS.__dict__))
    assert rules.digest(rules.statement(FACTS)) == rules.digest(rules.statement(FACTS))


@pytest.mark.parametrize(
    ("d", "text"),
    [(date(2027, 1, 1), "Friday 1 January 2027"), (date(2024, 2, 29), "Thursday 29 February 2024")],
)
def test_long_date(d: date, text: str) -> None:
    assert rules.long_date(d) == text


@pytest.mark.parametrize(
    ("pending", "upcoming", "expected"),
    [
        (date(2027, 4, 1), date(2027, 1, 1), date(2027, 4, 1)),  # the pending request's renewal wins
        (None, date(2027, 1, 1), date(2027, 1, 1)),  # no request: the next renewal
    ],
)
def test_effective_date(pending: date | None, upcoming: date, expected: date) -> None:
    assert rules.effective_date(pending, upcoming) == expected


@pytest.mark.parametrize(
    ("typed", "name", "ok"),
    [
        ("Zoë Van den Berghe", "Zoë Van den Berghe", True),
        ("zoe van den berghe", "Zoë Van den Berghe", True),  # case and accents do not matter
        ("  ZOE   Van\tden  Berghe ", "Zoë Van den Berghe", True),  # nor spacing
        ("Zoe\u0308 Van den Berghe", "Zoë Van den Berghe", True),  # combining diaeresis vs precomposed
        ("ＺＯＥ Van den Berghe", "Zoë Van den Berghe", True),  # NFKD folds full-width letters
        ("François Ñúñez", "francois nunez", True),
        ("STRASSE", "Straße", True),  # casefold
        ("Zoë Van den Bergh", "Zoë Van den Berghe", False),
        ("Zoë VandenBerghe", "Zoë Van den Berghe", False),  # missing spaces are a different name
        ("Van den Berghe Zoë", "Zoë Van den Berghe", False),
        ("Zoë", "Zoë Van den Berghe", False),
        ("", "Zoë Van den Berghe", False),
        ("   ", "", False),  # an empty name never matches
        ("Jan Peeters", "Zoë Van den Berghe", False),
    ],
)
def test_signature_matches(typed: str, name: str, ok: bool) -> None:
    assert rules.signature_matches(typed, name) is ok


LATIN = "abcdefghijklmnopqrstuvwxyzàáâäçèéêëìíîïñòóôöùúûüÿ -'"


@given(st.text(min_size=1, max_size=40))
def test_any_name_signs_for_itself(name: str) -> None:
    assert rules.signature_matches(name, name) is bool(rules.normalise_name(name))


@given(st.text(alphabet=LATIN + LATIN.upper(), min_size=1, max_size=40))
def test_case_and_spacing_never_matter_for_latin_names(name: str) -> None:
    typed = "  " + name.swapcase().replace(" ", "   ") + "\t"
    assert rules.signature_matches(typed, name) is bool(name.strip())


@pytest.mark.parametrize(
    ("who", "target", "team", "ok"),
    [
        (SlackIdentity("U1", "T1"), "U1", "T1", True),
        (SlackIdentity("U2", "T1"), "U1", "T1", False),  # another user of the workspace
        (SlackIdentity("U1", "T2"), "U1", "T1", False),  # same user id, another workspace
        (SlackIdentity("U1", "T1"), None, "T1", False),  # a target without a Slack user
        (SlackIdentity("", "T1"), "", "T1", False),
    ],
)
def test_is_target(who: SlackIdentity, target: str | None, team: str, ok: bool) -> None:
    assert rules.is_target(who, target_user_id=target, account_team_id=team) is ok


def _admin(member_id: int, *, active: bool = True, admin: bool = True, open_: bool = False) -> AdminState:
    return AdminState(member_id=member_id, active=active, is_admin=admin, consent_open=open_)


@pytest.mark.parametrize(
    ("admins", "target", "ok"),
    [
        ([_admin(1), _admin(2)], 2, True),
        ([_admin(1)], 1, False),  # the only admin
        ([_admin(1, open_=True), _admin(2)], 2, False),  # the other one consented or was asked
        ([_admin(1, active=False), _admin(2)], 2, False),  # the other one is deactivated
        ([_admin(1, admin=False), _admin(2)], 2, False),
        ([_admin(1, open_=True), _admin(2), _admin(3)], 2, True),
    ],
)
def test_keeps_an_admin(admins: list[AdminState], target: int, ok: bool) -> None:
    assert rules.keeps_an_admin(admins, target) is ok
