"""Delivery claims a page of due messages per transaction and commits outcomes in groups (bot/worker/sender.py),
not a transaction per message, on both databases; each message is still sent once."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from sqlalchemy import event

from bot.worker.pacing import Pacer
from bot.worker.ports import Posted
from bot.worker.sender import Sender
from bot.worker.tick import tick_accounts
from handlers.blocks.rendered import render_notice
from store.db import Database
from tests.bot.worker.scenario import D7, NOTICES, deliveries, standard_team


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
