"""A worker pass is timed by outcome and its last success is kept (bot/metrics.py, exposed at /metrics)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from prometheus_client import REGISTRY

from bot.cli.wiring import slack_notices
from bot.testing.slack_standin import SlackStandIn
from bot.worker.loop import Hooks, passes
from bot.worker.sender import Sender
from store.db import Database
from tests.bot.worker.scenario import D7, standard_team

LAST_SUCCESS = "licensebot_worker_last_success_timestamp_seconds"


def count(outcome: str) -> float:
    return REGISTRY.get_sample_value("licensebot_worker_pass_seconds_count", {"outcome": outcome}) or 0.0


def test_a_pass_is_timed_and_its_success_kept(db: Database, sender: Sender) -> None:
    standard_team(db)
    ok, failed = count("ok"), count("failed")
    started = time.time()
    report = passes(db, sender, slack_notices(), Hooks())(D7)
    assert report.delivery is not None and report.delivery.sent and not report.failed
    assert (count("ok"), count("failed")) == (ok + 1, failed)
    last = REGISTRY.get_sample_value(LAST_SUCCESS)
    assert last is not None and last >= started


def test_a_pass_with_a_failure_counts_as_failed_and_is_no_success(
    db: Database, sender: Sender, standin: SlackStandIn
) -> None:
    standard_team(db)

    def broken_step(_db: Database, _now: object) -> None:
        raise RuntimeError("a feature's step failed")

    passes(db, sender, slack_notices(), Hooks())(D7)  # a success first
    last = REGISTRY.get_sample_value(LAST_SUCCESS)
    ok, failed = count("ok"), count("failed")
    report = passes(db, sender, slack_notices(), Hooks(each_pass=(broken_step,)))(D7)
    assert report.failed
    assert (count("ok"), count("failed")) == (ok, failed + 1)
    assert REGISTRY.get_sample_value(LAST_SUCCESS) == last


def test_a_pass_that_raises_counts_as_failed(db: Database, sender: Sender) -> None:
    failed = count("failed")
    db.dispose()

    class Gone(Database):
        def transaction(self, *, read_only: bool = False) -> Any:
            raise RuntimeError("the database is gone")

    with pytest.raises(RuntimeError):
        passes(Gone(db.engine), sender, slack_notices(), Hooks())(D7)
    assert count("failed") == failed + 1
