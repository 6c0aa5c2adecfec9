"""The announcements of a stored change travel with it: queued in the outbox in its transaction, sent at
once, and when Slack fails (or the process dies right after the commit) sent by the worker, exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import usecases
from bot.cli.main import main
from bot.cli.wiring import slack_notices
from bot.core.audit import Actor
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from bot.worker.loop import run_once
from handlers import cancel, reduce
from store import models
from store.db import Database
from tests.bot.worker.conftest import stand_in_sender
from tests.conftest import NOW
from tests.handlers.conftest import ADMIN, TEAM
from tests.handlers.helpers import last_reply, requests, seats


def outbox(db: Database) -> list[tuple[str, str, str]]:
    with db.transaction() as s:
        rows = s.execute(select(models.Delivery.key, models.Delivery.target, models.Delivery.status)).all()
    return [(key, target, status) for key, target, status in rows]


def worker_pass(db: Database, standin: SlackStandIn, after: timedelta) -> None:
    run_once(db, stand_in_sender(standin), NOW + after, notices=slack_notices())


def test_slack_failing_the_announcements_of_a_request_loses_none(
    slack: SlackSim, standin: SlackStandIn, db: Database, team: str
) -> None:
    standin.fail("chat.postMessage", "internal_error", status=500, times=2)  # the DM and the post
    slack.command(ADMIN, "reduce")
    assert slack.submit(ADMIN, slack.last_modal_id(), seats("3")).body == b""
    assert len(requests(db)) == 1
    assert sorted(status for *_, status in outbox(db)) == ["pending", "pending"]  # waiting, not gone
    worker_pass(db, standin, timedelta(seconds=30))  # the worker leaves them to the request a while
    assert [p for p in standin.posts() if p.params["text"].startswith("Request #")] == []
    worker_pass(db, standin, timedelta(minutes=5))
    told = Counter(p.params["channel"] for p in standin.posts() if "#1" in p.params["text"])
    assert told == {"DU0000": 1, "C0ADMINS": 1}
    assert {status for *_, status in outbox(db)} == {"sent"}
    worker_pass(db, standin, timedelta(hours=1))
    assert Counter(p.params["channel"] for p in standin.posts() if "#1" in p.params["text"]) == told  # once


def test_a_process_dying_right_after_the_commit_loses_no_announcement(
    standin: SlackStandIn, db: Database, team: str
) -> None:
    # The use case commits the request and its announcements; the process dies before sending them.
    done = usecases.submit_reduction(
        db,
        team=TEAM,
        actor=Actor.slack(ADMIN),
        seats=2,
        now=NOW,
        announce=lambda d, t: reduce.announcements(ADMIN, d, t),
    )
    cancelled = usecases.cancel_request(
        db, team=TEAM, actor=Actor.slack(ADMIN), now=NOW, announce=lambda p, t: cancel.announcements(ADMIN, p, t)
    )
    assert done.announced and cancelled.announced
    worker_pass(db, standin, timedelta(minutes=2))
    texts = [p.params["text"] for p in standin.posts()]
    assert sum("saved" in t for t in texts) == 1  # the requester's DM
    assert sum("cancelled request" in t for t in texts) == 1  # the admin channel


def test_a_consent_request_and_a_new_admin_channel_survive_slack_failing(
    slack: SlackSim, standin: SlackStandIn, db: Database, team: str, capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    standin.fail("chat.postMessage", "internal_error", status=500, times=3)
    slack.command(ADMIN, "consent <@U0001>")  # the DM to the admin asked and the admin-channel post fail
    slack.command(ADMIN, "channel", channel="C0NEWADMINS")  # the welcome fails too
    assert "invite me" in last_reply(standin)  # said honestly: it could not post there yet
    assert main(["--database", db_url, "status", "--team", TEAM]) == 0
    assert "3 messages waiting to be sent to Slack" in capsys.readouterr().out
    worker_pass(db, standin, timedelta(minutes=5))
    texts = Counter(p.params["channel"] for p in standin.posts())
    assert texts["DU0001"] == 1 and texts["C0ADMINS"] == 1 and texts["C0NEWADMINS"] == 1
    worker_pass(db, standin, timedelta(hours=1))
    assert Counter(p.params["channel"] for p in standin.posts()) == texts  # exactly once
