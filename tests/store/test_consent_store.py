"""The database itself keeps consents as evidence (SQLite and PostgreSQL): answered rows are never edited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from bot.usecases import consent_answers
from store import models
from store.db import Clash, Database, StoreError
from store.models import AdminConsent
from tests.conftest import NOW
from tests.consent_factories import TEAM, ask, consent_rows, granted, member_id, who
from tests.factories import add_account, add_members

EVIDENCE = "never edited"


@pytest.fixture
def acme(db: Database) -> Database:
    add_account(db)
    add_members(db, TEAM, 4, admins=(0, 1, 2))
    return db


def _update(db: Database, consent_id: int, **values: Any) -> None:
    with db.transaction() as s:
        s.execute(update(AdminConsent).where(AdminConsent.id == consent_id).values(**values))


@pytest.mark.parametrize(
    "change",
    [
        {"statement": "I consent to nothing."},
        {"signature": "Somebody Else"},
        {"granted_at": NOW - timedelta(days=30)},
        {"signed_by_user_id": "U0002"},
        {"signed_by_team_id": "T0002"},
        {"requested_by": "U0002"},
        {"effective_on": NOW.date()},
        {"status": "requested", "granted_at": None, "statement": None, "signature": None},
        # A revocation may only set the status and its own time, nothing else at once.
        {"status": "revoked", "revoked_at": NOW, "signature": "Somebody Else"},
    ],
)
def test_a_granted_consent_is_never_edited(acme: Database, change: dict[str, Any]) -> None:
    done = granted(acme, 0, 1)
    before = consent_rows(acme)
    with pytest.raises(StoreError, match=EVIDENCE):
        _update(acme, done.id, **change)
    assert consent_rows(acme) == before


def test_revocation_is_the_one_transition_allowed(acme: Database) -> None:
    done = granted(acme, 0, 1)
    _update(acme, done.id, status="revoked", revoked_at=NOW + timedelta(days=1))
    [row] = consent_rows(acme)
    assert (row["status"], row["revoked_at"], row["signature"]) == ("revoked", NOW + timedelta(days=1), "User 1")
    for change in ({"status": "granted", "revoked_at": None}, {"revoked_at": NOW + timedelta(days=9)}):
        with pytest.raises(StoreError, match=EVIDENCE):
            _update(acme, done.id, **change)


def test_declined_consents_are_never_edited(acme: Database) -> None:
    asked = ask(acme, 0, 1)
    consent_answers.decline(acme, consent_id=asked.id, who=who(1), now=NOW)
    with pytest.raises(StoreError, match=EVIDENCE):
        _update(acme, asked.id, declined_at=NOW + timedelta(days=1))


def test_answered_consents_are_never_deleted_open_requests_may_be(acme: Database) -> None:
    done = granted(acme, 0, 1)
    asked = ask(acme, 0, 2)
    with pytest.raises(StoreError, match=EVIDENCE), acme.transaction() as s:
        s.execute(delete(AdminConsent).where(AdminConsent.id == done.id))
    target = member_id(acme, 1)
    with pytest.raises(StoreError, match=EVIDENCE), acme.transaction() as s:
        s.execute(delete(models.Member).where(models.Member.id == target))  # no cascade either
    with acme.transaction() as s:
        s.execute(delete(AdminConsent).where(AdminConsent.id == asked.id))
    assert [r["id"] for r in consent_rows(acme)] == [done.id]


def _row(db: Database, **values: Any) -> AdminConsent:
    with db.transaction() as s:
        account_id = s.scalar(select(models.Account.id).where(models.Account.slack_team_id == TEAM))
    base: dict[str, Any] = {
        "account_id": account_id,
        "member_id": member_id(db, 1),
        "requested_by": "U0000",
        "requested_at": NOW,
        "effective_on": NOW.date(),
        "status": "requested",
    }
    return AdminConsent(**{**base, **values})


@pytest.mark.parametrize(
    "values",
    [
        {"status": "granted", "granted_at": NOW},  # granted without statement, signature, signer
        {"status": "granted", "granted_at": NOW, "statement": "x", "signature": "x", "signed_by_user_id": "U1"},
        {"status": "declined"},  # declined without its time
        {"status": "revoked", "revoked_at": NOW},  # revoked without the granted evidence
        {"status": "requested", "signature": "x"},
    ],
)
def test_each_state_carries_its_fields(acme: Database, values: dict[str, Any]) -> None:
    with pytest.raises(Clash), acme.transaction() as s:
        s.add(_row(acme, **values))
    assert consent_rows(acme) == []


def test_one_open_consent_per_member_is_enforced_by_the_database(acme: Database) -> None:
    with acme.transaction() as s:
        s.add(_row(acme))
    with pytest.raises(Clash), acme.transaction() as s:
        s.add(_row(acme))
    with acme.transaction() as s:  # declined rows do not count
        s.add(_row(acme, status="declined", declined_at=NOW))
        s.add(_row(acme, status="declined", declined_at=NOW))
    assert [r["status"] for r in consent_rows(acme)] == ["requested", "declined", "declined"]
