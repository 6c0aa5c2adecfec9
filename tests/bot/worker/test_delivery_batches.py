"""Delivery claims a page of due messages per transaction and commits outcomes in groups (bot/worker/sender.py),
not a transaction per message, on both databases; each message is still sent once."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from sqlalchemy import event

from bot.core.audit import MessageKind
from bot.worker import sender as sender_module
from bot.worker.outbox import queue
from bot.worker.pacing import Pacer
from bot.worker.ports import Posted
from bot.worker.sender import Sender
from bot.worker.tick import tick_accounts
from handlers.blocks.rendered import render_notice
from store.db import Database
from store.queries import load_account
from tests.bot.worker.scenario import D7, NOTICES, TEAM, ClockPoster, deliveries, standard_team


class CountingPoster:
    def __init__(self) -> None:
        self.sent: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def post(self, target: str, message: dict[str, Any]) -> Posted:
        with self._lock:
            self.sent[(target, str(message["text"]))] += 1
        return Posted(channel=target, ts="1.0")


def test_outcomes_are_committed_in_groups_not_one_transaction_per_message(db: Database) -> None:
    for n in range(12):
        standard_team(db, f"T{n:04d}", channel=f"C{n:04d}")
    tick_accounts(db, D7, notices=NOTICES)
    commits = 0

    def count(*_args: Any) -> None:
        nonlocal commits
        commits += 1

    event.listen(db.engine, "commit", count)
    poster = CountingPoster()
    try:
        report = Sender(poster, threads=1, pacer=Pacer(0), render=render_notice).deliver_due(db, D7)
    finally:
        event.remove(db.engine, "commit", count)
    assert len(report.sent) == 36 and not report.errors
    # The claim, and one commit per wave at most: the two admins (the same Slack ids in every account) get a DM
    # from each account, one per wave (12). One per message before: 36, and the claim.
    assert commits <= 14
    assert all(n == 1 for n in poster.sent.values()) and sum(poster.sent.values()) == 36
    assert {status for _k, _t, status, _a in deliveries(db)} == {"sent"}


def test_a_lease_boundary_does_not_hold_up_paced_posts(db: Database, monkeypatch: Any) -> None:
    """Held messages are topped up once half are posted, and a wave posts only into channels with a free slot:
    with 4 messages held at a time, 4 channels of 3 messages each (queued channel after channel) are done when
    their third posts' slot comes (1 s: Slack's burst of 2, then one a second), not a second later per page of 4."""
    monkeypatch.setattr(sender_module, "LEASE_PAGE", 4)
    standard_team(db, remove=None)
    channels = ["C0A", "C0B", "C0C", "C0D"]
    with db.transaction() as s:
        account = load_account(s, TEAM)
        for channel in channels:
            for n in range(3):
                queue(
                    s,
                    account_id=account.id,
                    key=f"test:{channel}:{n}",
                    kind=MessageKind.REMINDER,
                    targets=[channel],
                    message={"text": f"{channel} {n}"},
                    now=D7,
                )
    poster = ClockPoster()
    report = Sender(poster, threads=1, pacer=poster.pacer(burst=2), render=render_notice).deliver_due(db, D7)
    posted = poster.posted
    assert len(report.sent) == 12 and not report.errors
    for channel in channels:  # each in its order, once each
        assert [text for _at, target, text in posted if target == channel] == [f"{channel} {n}" for n in range(3)]
    assert max(at for at, _target, _text in posted) == 1.0  # one page after another: 3.0
    assert {status for _k, _t, status, _a in deliveries(db)} == {"sent"}
