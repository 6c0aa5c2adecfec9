"""DM channels kept across worker processes, and waves: what bench/fanout.py measured, as behaviour."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select, update

from bot.core.audit import MessageKind
from bot.testing.slack_standin import SlackStandIn
from bot.worker.outbox import queue
from bot.worker.sender import BACKOFF, Sender
from handlers.blocks.rendered import render_notice
from store import models
from store.db import Database
from store.queries import load_account
from tests.bot.worker.conftest import stand_in_sender
from tests.bot.worker.scenario import D3, D7, TEAM, ClockPoster, deliveries, posts, run, standard_team


def dm_channels(db: Database) -> dict[str, str | None]:
    with db.transaction() as s:
        rows = s.execute(select(models.Member.slack_user_id, models.Member.dm_channel).where(models.Member.is_admin))
        return {str(user): channel for user, channel in rows}


def test_a_new_worker_posts_dms_to_the_stored_channel_without_opening_it(db: Database, standin: SlackStandIn) -> None:
    standard_team(db)
    run(db, stand_in_sender(standin), D7)
    assert Counter(str(c.params["users"]) for c in standin.calls_to("conversations.open")) == {"U0000": 1, "U0001": 1}
    assert dm_channels(db) == {"U0000": "DU0000", "U0001": "DU0001"}
    standin.clear()
    run(db, stand_in_sender(standin), D3)  # another process: nothing cached in memory
    assert standin.calls_to("conversations.open") == []
    assert sorted(str(c.params["channel"]) for c in standin.posts()) == ["C0ADMINS", "DU0000", "DU0001"]
    assert all(status == "sent" for _, _, status, _ in deliveries(db))


def test_a_failing_post_to_a_stored_channel_forgets_it_and_the_retry_opens_it_again(
    db: Database, standin: SlackStandIn
) -> None:
    standard_team(db)
    run(db, stand_in_sender(standin), D7)
    with db.transaction() as s:  # the stored channel went stale (e.g. the DM was closed for good)
        s.execute(update(models.Member).where(models.Member.slack_user_id == "U0000").values(dm_channel="DSTALE"))
    standin.fail("chat.postMessage", "channel_not_found", channel="DSTALE")
    standin.clear()
    sender = stand_in_sender(standin)
    run(db, sender, D3)
    assert dm_channels(db)["U0000"] is None
    assert [str(c.params["users"]) for c in standin.calls_to("conversations.open")] == []
    run(db, sender, D3 + BACKOFF)
    assert [str(c.params["users"]) for c in standin.calls_to("conversations.open")] == ["U0000"]
    assert dm_channels(db)["U0000"] == "DU0000"
    assert Counter(channel for channel, _ in posts(standin)) == {"C0ADMINS": 1, "DU0001": 1, "DU0000": 1}


def test_a_target_with_several_messages_does_not_hold_a_thread_while_it_waits(db: Database) -> None:
    # One thread, a Pacer of 1 s on a fake clock: the second message of each channel waits its second
    # while the other channel is served (waves), instead of one channel after the other.
    standard_team(db, channel=None, admins=(0,), remove=None)
    with db.transaction() as s:
        account = load_account(s, TEAM)
        for n in range(2):
            message = {"text": f"message {n}"}
            queue(
                s,
                account_id=account.id,
                key=f"test:{n}",
                kind=MessageKind.REMINDER,
                targets=["C0A", "C0B"],
                message=message,
                now=D7,
            )
    poster = ClockPoster(call=0.25)  # each call takes a quarter of a second
    report = Sender(poster, threads=1, pacer=poster.pacer(), render=render_notice).deliver_due(db, D7)
    posted = poster.posted
    assert len(report.sent) == 4
    assert [(target, text) for _, target, text in posted] == [
        ("C0A", "message 0"),
        ("C0B", "message 0"),
        ("C0A", "message 1"),
        ("C0B", "message 1"),
    ]
    assert [at for at, _, _ in posted] == [0.0, 0.25, 1.0, 1.25]  # one thread, yet 1.5 s, not 2.5 s
