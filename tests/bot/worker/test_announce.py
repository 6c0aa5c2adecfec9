"""A change's announcements: queued held in its transaction, sent once by the request (deliver_now), left to
the worker after the hold; a replayed key queues nothing twice and is held again."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.core.audit import MessageKind, announcement_account, announcement_key
from bot.testing.slack_standin import SlackStandIn
from bot.worker import outbox
from bot.worker.outbox import ANNOUNCEMENT_HOLD
from bot.worker.sender import Sender
from store import models
from store.db import Database
from store.queries import load_account
from tests.bot.worker.scenario import CHANNEL, posts, run, standard_team
from tests.conftest import NOW

ADMIN_DM = "U0000"


def _announce(db: Database, team: str, ref: object, now: datetime, text: str = "saved") -> str:
    with db.transaction() as s:
        account = load_account(s, team)
        return outbox.announce(
            s,
            account_id=account.id,
            kind=MessageKind.REQUEST,
            ref=ref,
            messages=[(ADMIN_DM, {"text": text}), (CHANNEL, {"text": text}), (ADMIN_DM, {"text": "twice"})],
            now=now,
        )


def _due_at(db: Database, key: str) -> list[tuple[str, datetime]]:
    with db.transaction(read_only=True) as s:
        rows = s.execute(
            select(models.Delivery.target, models.Delivery.next_attempt_at)
            .where(models.Delivery.key == key)
            .order_by(models.Delivery.id)
        )
        return [(t, at.replace(tzinfo=None)) for t, at in rows]


def test_announcements_are_queued_held_once_per_target(db: Database) -> None:
    team = standard_team(db, remove=None)
    key = _announce(db, team, 7, NOW)
    held = (NOW + ANNOUNCEMENT_HOLD).replace(tzinfo=None)
    assert _due_at(db, key) == [(ADMIN_DM, held), (CHANNEL, held)]  # the first message of a target only


def test_a_replayed_key_adds_nothing_and_holds_what_waits_again(db: Database) -> None:
    team = standard_team(db, remove=None)
    key = _announce(db, team, 7, NOW)
    later = NOW + timedelta(minutes=5)
    assert _announce(db, team, 7, later, text="again") == key
    held = (later + ANNOUNCEMENT_HOLD).replace(tzinfo=None)
    assert _due_at(db, key) == [(ADMIN_DM, held), (CHANNEL, held)]


def test_the_request_sends_them_once_and_the_worker_never_again(
    db: Database, standin: SlackStandIn, sender: Sender
) -> None:
    team = standard_team(db, remove=None)
    key = _announce(db, team, 7, NOW)
    run(db, sender, NOW)  # held: the worker leaves them to the request
    assert not [p for p in posts(standin) if p[1] == "saved"]
    report = sender.deliver_now(db, key, NOW)
    assert len(report.sent) == 2 and not (report.retrying or report.failed or report.errors)
    assert sender.deliver_now(db, key, NOW).sent == []  # nothing pending under the key any more
    run(db, sender, NOW + ANNOUNCEMENT_HOLD + timedelta(minutes=1))
    assert sorted(c for (c, text), n in posts(standin).items() if text == "saved" for _ in range(n)) == [
        CHANNEL,
        "DU0000",
    ]


def test_a_failed_post_is_left_to_the_worker_after_the_hold(
    db: Database, standin: SlackStandIn, sender: Sender
) -> None:
    team = standard_team(db, remove=None)
    key = _announce(db, team, 7, NOW)
    standin.fail("chat.postMessage", "internal_error", status=500, times=1, channel=CHANNEL)
    report = sender.deliver_now(db, key, NOW)
    assert len(report.sent) == 1 and len(report.retrying) == 1
    run(db, sender, NOW + ANNOUNCEMENT_HOLD + timedelta(minutes=5))
    assert sorted(c for (c, text), n in posts(standin).items() if text == "saved" for _ in range(n)) == [
        CHANNEL,
        "DU0000",
    ]


def test_the_account_is_read_from_an_announcement_key() -> None:
    assert announcement_account(announcement_key(MessageKind.REQUEST, 42, 7)) == 42
    assert announcement_account(announcement_key(MessageKind.CONSENT, 3, "9:granted")) == 3
    assert announcement_account("reminder:2027-01-01:d7") is None
    assert announcement_account("reminder:12:d7") is None  # the worker's own keys are not announcements
