"""A submission while another process holds the lock it needs: answered "busy, nothing was saved" under the
field in time (the request transaction waits `for_requests`' timeout at most), stored <=> told "saved"."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from handlers.app import Settings, build_app
from handlers.deps import Deps
from handlers.errors import BUSY
from handlers.http import build_wsgi
from handlers.ids import Block
from store.db import Database, make_engine
from tests.handlers.conftest import ADMIN, SECRET, Clock
from tests.handlers.helpers import requests, seats

TIMEOUT = 0.3


@pytest.fixture
def busy_slack(standin: SlackStandIn, db: Database, clock: Clock) -> SlackSim:
    deps = Deps(db=db.for_requests(TIMEOUT), clock=clock)
    app = build_app(Settings("xoxb-test-token", SECRET, api_url=standin.api_url), deps, process_before_response=True)
    return SlackSim(build_wsgi(app, deps, signing_secret=SECRET), SECRET, standin)


@contextmanager
def lock_held_elsewhere(db: Database, db_url: str) -> Iterator[None]:
    """Another process holds the write lock (SQLite) or a lock on the accounts table (PostgreSQL)."""
    if db.engine.dialect.name == "sqlite":
        other = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    engine = make_engine(db_url)
    with engine.connect() as conn:
        conn.execute(text("LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE"))
        try:
            yield
        finally:
            conn.rollback()
    engine.dispose()


def test_a_submission_under_a_held_lock_is_answered_busy_and_stores_nothing(
    busy_slack: SlackSim, standin: SlackStandIn, team: str, db: Database, db_url: str
) -> None:
    busy_slack.command(ADMIN, "reduce")
    view_id = busy_slack.last_modal_id()
    mark = standin.mark()
    with lock_held_elsewhere(db, db_url):
        answer = busy_slack.submit(ADMIN, view_id, seats("2"))
    assert answer.status == 200
    assert answer.json() == {"response_action": "errors", "errors": {Block.SEATS: BUSY}}
    assert requests(db) == []
    assert [c.method for c in standin.since(mark)] == []  # nobody was told anything was saved
    assert busy_slack.submit(ADMIN, view_id, seats("2")).body == b""  # the lock is gone: it is stored
    assert len(requests(db)) == 1


def test_request_transactions_carry_the_timeout(db: Database) -> None:
    requests_db = db.for_requests(TIMEOUT)
    with requests_db.transaction() as s:
        if db.engine.dialect.name == "sqlite":
            assert s.execute(text("PRAGMA busy_timeout")).scalar() == int(TIMEOUT * 1000)
        else:
            assert s.execute(text("SHOW lock_timeout")).scalar() == f"{int(TIMEOUT * 1000)}ms"
            assert s.execute(text("SHOW statement_timeout")).scalar() == f"{int(TIMEOUT * 1000)}ms"
    with db.transaction() as s:  # the worker's and the CLI's transactions keep the defaults
        if db.engine.dialect.name == "sqlite":
            assert s.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        else:
            assert s.execute(text("SHOW lock_timeout")).scalar() == "0"
