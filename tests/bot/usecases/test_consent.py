"""Consent use cases over a real database: requests, answers, authorization, audit, deactivation."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from bot import usecases
from bot.core import policy
from bot.core.audit import Actor
from bot.core.consent import AGREE, SIGNATURE, SlackIdentity
from bot.core.errors import Conflict, NotAllowed, NotFound, UserError
from bot.core.members_csv import MemberRow
from bot.core.statuses import ConsentStatus
from bot.usecases import consent, consent_answers, consents
from bot.usecases.consent_answers import REFUSAL, ConsentInvalid
from store import models, queries
from store.db import Database
from tests.conftest import NOW
from tests.consent_factories import (
    TEAM,
    ask,
    audit_actions,
    consent_rows,
    demote,
    granted,
    member_id,
    member_rows,
    who,
)
from tests.factories import add_account, add_members
from tests.factories import member_rows as csv_rows


@pytest.fixture
def acme(db: Database) -> Database:
    """T0001: 6 users; User 0, 1 and 2 are admins; renews 2027-01-01 (quarterly)."""
    add_account(db)
    add_members(db, TEAM, 6, admins=(0, 1, 2))
    return db


def test_an_admin_asks_another_admin(acme: Database) -> None:
    c = ask(acme, 0, 1)
    assert c.status is ConsentStatus.REQUESTED
    assert (c.member_name, c.member_user_id, c.requested_by, c.requester_name) == ("User 1", "U0001", "U0000", "User 0")
    assert c.effective_on == date(2027, 1, 1)  # no pending request: the next renewal
    assert c.statement.startswith("I, User 1, consent that my admin rights in the account Account T0001")
    assert "Requested by User 0 on Thursday 26 November 2026." in c.statement
    [row] = consent_rows(acme)
    assert (row["status"], row["signature"], row["statement"], row["requested_at"]) == ("requested", None, None, NOW)
    assert audit_actions(acme)[-1] == (
        "U0000",
        "consent.requested",
        {"consent": c.id, "member": member_id(acme, 1), "name": "User 1", "effective_on": "2027-01-01"},
    )


def test_the_date_is_the_renewal_of_the_pending_request(db: Database) -> None:
    add_account(db, renews=date(2026, 12, 10))  # deadline passed: a request now applies to 2027-03-10
    add_members(db, TEAM, 4, admins=(0, 1))
    usecases.submit_reduction(db, team=TEAM, actor=Actor.slack("U0000"), seats=1, now=NOW)
    assert ask(db, 0, 1).effective_on == date(2027, 3, 10)


@pytest.mark.parametrize(
    ("requester", "target", "error", "message"),
    [
        (3, 1, NotAllowed, "Only account admins"),  # a non-admin cannot ask
        (0, 0, NotAllowed, "cannot ask yourself"),
        (0, 3, Conflict, "User 3 is not an admin"),
        (0, 9, NotFound, "not a member of Account T0001"),
    ],
)
def test_refused_requests_store_nothing(
    acme: Database, requester: int, target: int, error: type[Exception], message: str
) -> None:
    before = audit_actions(acme)
    with pytest.raises(error, match=message):
        ask(acme, requester, target)
    assert consent_rows(acme) == []
    assert audit_actions(acme) == before


def test_a_deactivated_or_unlinked_admin_cannot_be_asked(acme: Database) -> None:
    usecases.deactivate_members(acme, team=TEAM, actor=Actor.slack("U0000"), member_ids=[member_id(acme, 4)], now=NOW)
    rows = csv_rows(6, admins=(0, 1, 2, 4, 5))
    rows[5] = MemberRow(**{**rows[5].__dict__, "slack_user_id": None})
    usecases.import_members(acme, team=TEAM, rows=rows, now=NOW)
    with pytest.raises(Conflict, match="User 4 is already deactivated"):
        consent.request_consent(acme, team=TEAM, actor=Actor.slack("U0000"), member_id=member_id(acme, 4), now=NOW)
    # User 5 keeps the Slack id stored earlier (an import never removes one): unlink it for this check.
    with acme.transaction() as s:
        m = s.get(models.Member, member_id(acme, 5))
        assert m is not None
        m.slack_user_id = None
    with pytest.raises(Conflict, match="not linked to a Slack user"):
        consent.request_consent(acme, team=TEAM, actor=Actor.slack("U0000"), member_id=member_id(acme, 5), now=NOW)
    assert consent_rows(acme) == []


def test_one_open_request_per_admin(acme: Database) -> None:
    ask(acme, 0, 1)
    with pytest.raises(Conflict, match="User 1 was already asked by User 0 on Thursday 26 November 2026"):
        ask(acme, 2, 1)
    consent_answers.grant(
        acme, consent_id=consent_rows(acme)[0]["id"], who=who(1), agreed=True, signature="user 1", now=NOW
    )
    with pytest.raises(Conflict, match="already consented"):
        ask(acme, 2, 1)
    assert len(consent_rows(acme)) == 1


def test_a_request_that_would_leave_no_admin_without_consent_is_refused(db: Database) -> None:
    add_account(db)
    add_members(db, TEAM, 4, admins=(0, 1))
    first = ask(db, 0, 1)
    with pytest.raises(Conflict, match="at least one admin must always keep their admin rights"):
        ask(db, 1, 0)
    # Once User 1 declines, User 1 may ask User 0 instead.
    consent_answers.decline(db, consent_id=first.id, who=who(1), now=NOW)
    assert ask(db, 1, 0).status is ConsentStatus.REQUESTED


def test_the_full_grant_stores_the_evidence(acme: Database) -> None:
    asked = ask(acme, 0, 1)
    shown = consent_answers.review(acme, consent_id=asked.id, who=who(1), now=NOW)
    later = NOW + timedelta(hours=2)
    done = consent_answers.grant(
        acme,
        consent_id=asked.id,
        who=who(1),
        agreed=True,
        signature="  USER 1 ",
        now=later,
        shown_digest=shown.statement_digest,
    )
    assert done.status is ConsentStatus.GRANTED
    [row] = consent_rows(acme)
    assert row["statement"] == shown.statement
    assert row["signature"] == "USER 1"
    assert (row["signed_by_user_id"], row["signed_by_team_id"], row["granted_at"]) == ("U0001", "T0001", later)
    actor, action, details = audit_actions(acme)[-1]
    assert (actor, action) == ("U0001", "consent.granted")
    assert details["statement"] == shown.statement and details["signature"] == "USER 1"
    assert (details["user"], details["team"]) == ("U0001", "T0001")
    target = member_id(acme, 1)
    with acme.transaction() as s:
        assert queries.consented_member_ids(s, queries.load_account(s, TEAM).id) == {target}


def test_the_statement_shown_must_be_the_one_signed(acme: Database) -> None:
    asked = ask(acme, 0, 1)
    shown = consent_answers.review(acme, consent_id=asked.id, who=who(1), now=NOW)
    usecases.update_account(acme, team=TEAM, changes=usecases.AccountChanges(name="Renamed NV"), now=NOW)
    with pytest.raises(Conflict, match="statement changed since you opened it"):
        consent_answers.grant(
            acme,
            consent_id=asked.id,
            who=who(1),
            agreed=True,
            signature="User 1",
            now=NOW,
            shown_digest=shown.statement_digest,
        )
    assert consent_rows(acme)[0]["status"] == "requested"
    again = consent_answers.review(acme, consent_id=asked.id, who=who(1), now=NOW)
    assert "in the account Renamed NV" in again.statement


@pytest.mark.parametrize(
    ("agreed", "signature", "fields", "message"),
    [
        (True, "User 2", {SIGNATURE}, "must be your full name as the account knows it: User 1"),
        (True, "   ", {SIGNATURE}, "Type your full name"),
        (True, "User 1" + " x" * 120, {SIGNATURE}, "at most 200 characters"),
        (False, "User 1", {AGREE}, "Tick “I consent”"),
        (False, "", {AGREE, SIGNATURE}, "Tick"),
    ],
)
def test_an_incomplete_form_changes_nothing(
    acme: Database, agreed: bool, signature: str, fields: set[str], message: str
) -> None:
    asked = ask(acme, 0, 1)
    before = consent_rows(acme)
    with pytest.raises(ConsentInvalid, match=message) as caught:
        consent_answers.grant(acme, consent_id=asked.id, who=who(1), agreed=agreed, signature=signature, now=NOW)
    assert set(caught.value.errors) == fields
    assert consent_rows(acme) == before


IMPOSTORS = [
    pytest.param(who(2), "not the target admin", id="another-admin"),
    pytest.param(who(0), "not the target admin", id="the-requester"),
    pytest.param(who(3), "not the target admin", id="a-non-admin"),
    pytest.param(who(1, team="T0002"), "another team", id="same-user-id-other-workspace"),
    pytest.param(SlackIdentity("U0001", ""), "another team", id="no-team"),
]


@pytest.mark.parametrize(("impostor", "reason"), IMPOSTORS)
def test_nobody_else_can_review_sign_or_decline(acme: Database, impostor: SlackIdentity, reason: str) -> None:
    add_account(acme, "T0002")
    add_members(acme, "T0002", 3, admins=(0, 1))  # U0001 is an admin there too
    asked = ask(acme, 0, 1)
    before_rows, before_members = consent_rows(acme), member_rows(acme)
    attempts: list[Callable[[], object]] = [
        lambda: consent_answers.review(acme, consent_id=asked.id, who=impostor, now=NOW),
        lambda: consent_answers.grant(
            acme, consent_id=asked.id, who=impostor, agreed=True, signature="User 1", now=NOW
        ),
        lambda: consent_answers.decline(acme, consent_id=asked.id, who=impostor, now=NOW),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowed) as caught:
            attempt()
        assert caught.value.message == REFUSAL
    assert consent_rows(acme) == before_rows
    assert member_rows(acme) == before_members
    refusals = [d for _, action, d in audit_actions(acme) if action == "consent.refused"]
    assert [d["attempted"] for d in refusals] == ["review", "grant", "decline"]
    assert {(d["reason"], d["user"], d["team"], d["consent"]) for d in refusals} == {
        (reason, impostor.user_id, impostor.team_id, asked.id)
    }


@pytest.mark.parametrize(("impostor", "reason"), IMPOSTORS)
def test_nobody_else_can_revoke(acme: Database, impostor: SlackIdentity, reason: str) -> None:
    done = granted(acme, 0, 1)
    before = consent_rows(acme)
    with pytest.raises(NotAllowed, match="addressed to another admin"):
        consent_answers.revoke(acme, consent_id=done.id, who=impostor, now=NOW)
    assert consent_rows(acme) == before


def test_decline_then_ask_again(acme: Database) -> None:
    first = ask(acme, 0, 1)
    declined = consent_answers.decline(acme, consent_id=first.id, who=who(1), now=NOW + timedelta(minutes=5))
    assert declined.status is ConsentStatus.DECLINED
    with pytest.raises(Conflict, match="You declined this request"):
        consent_answers.grant(acme, consent_id=first.id, who=who(1), agreed=True, signature="User 1", now=NOW)
    with pytest.raises(Conflict, match="You declined"):
        consent_answers.review(acme, consent_id=first.id, who=who(1), now=NOW)
    second = ask(acme, 2, 1, now=NOW + timedelta(days=1))
    assert second.id != first.id and second.requester_name == "User 2"
    rows = consent_rows(acme)
    assert [(r["status"], r["declined_at"]) for r in rows] == [
        ("declined", NOW + timedelta(minutes=5)),
        ("requested", None),
    ]
    assert [a for _, a, _ in audit_actions(acme)][-3:] == ["consent.requested", "consent.declined", "consent.requested"]


def test_revoke_is_a_new_state_with_its_own_time(acme: Database) -> None:
    done = granted(acme, 0, 1)
    signed = consent_rows(acme)[0]
    revoked = consent_answers.revoke(acme, consent_id=done.id, who=who(1), now=NOW + timedelta(days=2))
    assert revoked.status is ConsentStatus.REVOKED
    row = consent_rows(acme)[0]
    assert row == {**signed, "status": "revoked", "revoked_at": NOW + timedelta(days=2)}
    assert revoked.statement == signed["statement"]  # the signed text, not a new one
    with pytest.raises(Conflict, match="no granted consent to revoke"):
        consent_answers.revoke(acme, consent_id=done.id, who=who(1), now=NOW)
    with acme.transaction() as s:
        assert queries.consented_member_ids(s, queries.load_account(s, TEAM).id) == set()
    assert ask(acme, 0, 1).status is ConsentStatus.REQUESTED  # may be asked again
    assert audit_actions(acme)[-2][1] == "consent.revoked"


def test_no_revoke_once_deactivated(acme: Database) -> None:
    done = granted(acme, 0, 1)
    result = usecases.deactivate_members(
        acme, team=TEAM, actor=Actor.slack("U0000"), member_ids=[member_id(acme, 1)], now=NOW
    )
    assert result.deactivated == ("User 1",)
    with pytest.raises(Conflict, match="deactivated already"):
        consent_answers.revoke(acme, consent_id=done.id, who=who(1), now=NOW)
    assert consent_rows(acme)[0]["status"] == "granted"


def test_an_admin_without_consent_is_never_deactivated_by_hand(acme: Database) -> None:
    admin = Actor.slack("U0000")
    ids = [member_id(acme, 1), member_id(acme, 2)]
    result = usecases.deactivate_members(acme, team=TEAM, actor=admin, member_ids=ids, now=NOW)
    assert (result.deactivated, result.needs_consent) == ((), ("User 1", "User 2"))
    asked = ask(acme, 0, 1)  # asked is not consented
    result = usecases.deactivate_members(acme, team=TEAM, actor=admin, member_ids=ids, now=NOW)
    assert result.needs_consent == ("User 1", "User 2")
    consent_answers.decline(acme, consent_id=asked.id, who=who(1), now=NOW)
    granted(acme, 0, 2)
    result = usecases.deactivate_members(acme, team=TEAM, actor=admin, member_ids=ids, now=NOW)
    assert (result.deactivated, result.needs_consent) == (("User 2",), ("User 1",))


def _automatic(db: Database, new_seats: int) -> list[str]:
    with db.transaction() as s:
        roster = queries.roster_of(s, queries.load_account(s, TEAM).id, new_seats)
    return [m.name for m in policy.automatic_deactivations(roster, new_seats).chosen]


def test_only_consented_admins_are_chosen_at_renewal(db: Database) -> None:
    add_account(db)
    add_members(db, TEAM, 4, admins=(0, 2, 3))  # the newest users are admins
    assert _automatic(db, 2) == ["User 1"]
    done = granted(db, 0, 3)
    assert _automatic(db, 2) == ["User 3", "User 1"]
    consent_answers.revoke(db, consent_id=done.id, who=who(3), now=NOW)
    assert _automatic(db, 2) == ["User 1"]
    page = usecases.license_page(db, team=TEAM, now=NOW)
    assert {m.name: m.consented for m in page.admins} == {"User 0": False, "User 2": False, "User 3": False}


def test_the_last_admin_cannot_be_removed(db: Database) -> None:
    add_account(db)
    add_members(db, TEAM, 3, admins=(0, 1))
    granted(db, 0, 1)
    # User 0 stops being an admin (an import): User 1, who consented, is the only admin left.
    demote(db, 0)
    result = usecases.deactivate_members(
        db, team=TEAM, actor=Actor.slack("U0001"), member_ids=[member_id(db, 1)], now=NOW
    )
    assert (result.deactivated, result.last_admin) == ((), ("User 1",))
    assert _automatic(db, 1) == ["User 2", "User 0"]  # never User 1, although the seats fall short


def test_granting_is_refused_when_it_would_leave_no_admin_without_consent(acme: Database) -> None:
    first, second = ask(acme, 0, 1), ask(acme, 0, 2)
    # User 0, the one admin not asked, stops being an admin before User 1 and User 2 answer.
    demote(acme, 0)
    with pytest.raises(Conflict, match="last admin of Account T0001 who has not consented"):
        consent_answers.grant(acme, consent_id=first.id, who=who(1), agreed=True, signature="User 1", now=NOW)
    assert [r["status"] for r in consent_rows(acme)] == ["requested", "requested"]
    assert second.status is ConsentStatus.REQUESTED


def test_unknown_consent(acme: Database) -> None:
    with pytest.raises(NotFound, match="no longer exists"):
        consent_answers.review(acme, consent_id=999, who=who(1), now=NOW)


def test_listing(acme: Database) -> None:
    first = granted(acme, 0, 1)
    ask(acme, 1, 2)
    assert [(c.member_name, c.status) for c in consents.list_consents(acme, team=TEAM)] == [
        ("User 1", ConsentStatus.GRANTED),
        ("User 2", ConsentStatus.REQUESTED),
    ]
    assert consents.latest_for_user(acme, team=TEAM, user_id="U0001") == consents.get_consent(acme, consent_id=first.id)
    assert consents.latest_for_user(acme, team=TEAM, user_id="U0003") is None
    assert set(consents.latest_of(consents.list_consents(acme, team=TEAM))) == {member_id(acme, 1), member_id(acme, 2)}


def _race(calls: list[Callable[[], object]]) -> list[str]:
    """Run the calls at the same moment; each outcome is "ok" or the error class name."""
    outcomes: list[str] = []
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            call()
            outcomes.append("ok")
        except UserError as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


def test_two_admins_asking_at_once_store_one_request(acme: Database) -> None:
    assert _race([lambda: ask(acme, 0, 1), lambda: ask(acme, 2, 1)]) == ["Conflict", "ok"]
    assert [r["status"] for r in consent_rows(acme)] == ["requested"]


def test_a_double_submission_grants_once(acme: Database) -> None:
    asked = ask(acme, 0, 1)

    def sign() -> object:
        return consent_answers.grant(acme, consent_id=asked.id, who=who(1), agreed=True, signature="User 1", now=NOW)

    assert _race([sign, sign, sign]) == ["Conflict", "Conflict", "ok"]
    assert [a for _, a, _ in audit_actions(acme)].count("consent.granted") == 1
