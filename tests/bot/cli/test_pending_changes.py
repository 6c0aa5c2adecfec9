"""Issue 15, items 2, 3 and 5: `account set` under a pending request, and a past `--renews`."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot import usecases
from bot.cli.wiring import slack_notices
from bot.core.audit import Actor, MessageKind
from bot.worker.loop import run_once
from store import models
from store.db import Database
from tests.bot.cli.test_main import run
from tests.bot.worker.scenario import RENEWAL_OVER
from tests.conftest import NOW
from tests.factories import add_account, add_members

AT = NOW.isoformat()


@pytest.fixture
def pending(db: Database) -> Database:
    """10 licenses, 10 users (User 0 admin), a request to remove 7 (10 → 3) for the renewal of 2027-01-01."""
    add_account(db, seats=10, renews=date(2027, 1, 1))
    add_members(db, "T0001", 10)
    usecases.submit_reduction(db, team="T0001", actor=Actor.slack("U0000"), seats=7, now=NOW)
    return db


def request_and_notices(db: Database) -> tuple[tuple[int, int, date], list[models.Delivery]]:
    with db.transaction() as s:
        row = s.scalars(select(models.ReductionRequest)).one()
        sent = list(s.scalars(select(models.Delivery).where(models.Delivery.kind == MessageKind.REQUEST_CHANGED.value)))
        return (row.seats_before, row.seats_removed, row.renewal_date), sent


def test_fewer_seats_keep_the_requested_count_and_tell_the_admins(
    capsys: pytest.CaptureFixture[str], db_url: str, pending: Database
) -> None:
    code, out, err = run(capsys, db_url, "account", "set", "--team", "T0001", "--seats", "5", "--now", AT)
    assert code == 0, err
    assert "now removes 2 licenses (5 → 3; it was 7)" in out
    (before, removed, renewal), sent = request_and_notices(pending)
    assert (before, removed, renewal) == (5, 2, date(2027, 1, 1))
    assert sorted(d.target for d in sent) == ["C0ADMINS", "U0000"]
    assert "removes *2 licenses* (5 → 3)" in str(sent[0].payload)
    code, out, _ = run(capsys, db_url, "status", "--team", "T0001", "--now", AT)
    assert "remove 2 licenses at the renewal of Fri 01 Jan 2027 (5 -> 3)" in out


def test_seats_at_or_below_the_requested_count_are_refused(
    capsys: pytest.CaptureFixture[str], db_url: str, pending: Database
) -> None:
    code, _, err = run(capsys, db_url, "account", "set", "--team", "T0001", "--seats", "3", "--now", AT)
    assert code == 2
    assert "nothing left to remove" in err and "/licenses cancel" in err and len(err.strip().splitlines()) == 1
    (before, removed, _), sent = request_and_notices(pending)
    assert (before, removed, sent) == (10, 7, [])
    with pending.transaction() as s:
        assert s.scalars(select(models.Account.licensed_seats)).one() == 10  # nothing stored


def test_a_later_renewal_date_takes_the_request_along(
    capsys: pytest.CaptureFixture[str], db_url: str, pending: Database
) -> None:
    code, out, err = run(capsys, db_url, "account", "set", "--team", "T0001", "--renews", "2027-02-01", "--now", AT)
    assert code == 0, err
    assert "now applies to the renewal of 2027-02-01 (was 2027-01-01)" in out
    (_, removed, renewal), sent = request_and_notices(pending)
    assert (removed, renewal, len(sent)) == (7, date(2027, 2, 1), 2)


def test_an_earlier_renewal_whose_deadline_had_passed_moves_the_request_to_the_one_after(
    capsys: pytest.CaptureFixture[str], db_url: str, pending: Database
) -> None:
    code, out, err = run(capsys, db_url, "account", "set", "--team", "T0001", "--renews", "2026-12-05", "--now", AT)
    assert code == 0, err
    assert "the deadline for the renewal of 2026-12-05 had passed when it was made" in out
    (_, _, renewal), sent = request_and_notices(pending)
    assert renewal == date(2027, 3, 5)
    assert "had passed when the request was made" in str(sent[0].payload)


def test_a_past_renews_is_an_error(capsys: pytest.CaptureFixture[str], db_url: str, pending: Database) -> None:
    code, _, err = run(capsys, db_url, "account", "set", "--team", "T0001", "--renews", "2026-11-01", "--now", AT)
    assert code == 2
    assert "--renews 2026-11-01 is in the past (today is 2026-11-26 in Europe/Brussels)" in err


def test_the_renewal_applies_the_adjusted_request(
    capsys: pytest.CaptureFixture[str], db_url: str, pending: Database
) -> None:
    assert run(capsys, db_url, "account", "set", "--team", "T0001", "--seats", "5", "--now", AT)[0] == 0
    run_once(pending, None, RENEWAL_OVER, notices=slack_notices())
    with pending.transaction() as s:
        assert s.scalars(select(models.Account.licensed_seats)).one() == 3  # what the admins asked for, not 1


def test_other_settings_never_move_a_request_whose_renewal_waits_to_be_processed(
    capsys: pytest.CaptureFixture[str], db_url: str, pending: Database
) -> None:
    after = "2027-01-02T12:00:00Z"  # the renewal day is over; the worker has not processed it yet
    code, out, err = run(capsys, db_url, "account", "set", "--team", "T0001", "--name", "Acme NV", "--now", after)
    assert code == 0, err
    assert "pending request" not in out
    (_, removed, renewal), sent = request_and_notices(pending)
    assert (removed, renewal, sent) == (7, date(2027, 1, 1), [])
