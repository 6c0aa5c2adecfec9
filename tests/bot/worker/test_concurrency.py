"""Several workers at once on PostgreSQL: each message is sent once, each renewal processed once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select, text

from bot import usecases
from bot.testing.slack_standin import SlackStandIn
from bot.worker.loop import PassReport, run_once
from store import models
from store.db import Database, make_engine
from store.models import Base
from tests.bot.worker.conftest import stand_in_sender
from tests.bot.worker.scenario import ADMIN, NOTICES, RENEWAL_OVER, posts
from tests.conftest import NOW
from tests.factories import add_account, add_members

pytestmark = pytest.mark.postgres_only

WORKERS = 3
ROUNDS = 20
RENEWING = [f"T0R{i}" for i in range(3)]  # renewal 1 Jan 2027: processed at RENEWAL_OVER
REMINDED = [f"T0M{i}" for i in range(3)]  # renewal 8 Jan 2027: its d7 reminder is due at RENEWAL_OVER


def _reset(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def _setup(db: Database) -> None:
    for teams, renews in ((RENEWING, date(2027, 1, 1)), (REMINDED, date(2027, 1, 8))):
        for team in teams:
            add_account(db, team, renews=renews, admin_channel=f"C0{team[2:]}")
            add_members(db, team, 9, admins=(0, 1))
            usecases.submit_reduction(db, team=team, actor=ADMIN, seats=3, now=NOW)


def _workers_at_once(databases: list[Database], standin: SlackStandIn) -> list[PassReport]:
    """One thread per database (each its own engine) starts a pass at the same moment."""
    start = threading.Barrier(WORKERS, timeout=30)
    reports: list[PassReport] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(db: Database) -> None:
        try:
            start.wait()
            report = run_once(db, stand_in_sender(standin, threads=4), RENEWAL_OVER, notices=NOTICES)
            with lock:
                reports.append(report)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(db,)) for db in databases]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(reports) == WORKERS
    return reports


def _count(db: Database, action: str) -> Counter[int | None]:
    with db.transaction() as s:
        rows = s.scalars(select(models.AuditEntry.account_id).where(models.AuditEntry.action == action))
        return Counter(rows)


def test_three_workers_send_each_message_once_and_process_each_renewal_once(db_url: str) -> None:
    workers = [Database.connect(db_url, migrate=False) for _ in range(WORKERS)]
    db = Database.connect(db_url, migrate=False)
    try:
        for _ in range(ROUNDS):
            _reset(db_url)
            _setup(db)
            with SlackStandIn() as standin:
                reports = _workers_at_once(workers, standin)
                assert all(not r.tick.failures for r in reports)
                assert all(r.delivery is not None and not r.delivery.errors for r in reports)
                # Every account was handled by exactly one worker.
                handled = Counter(a.team for r in reports for a in r.tick.accounts)
                assert handled == Counter(RENEWING + REMINDED)
                # Every message reached Slack once: a summary or a reminder per channel and per admin DM.
                delivered = posts(standin)
                assert all(n == 1 for n in delivered.values()), delivered
                assert len(delivered) == 3 * len(RENEWING + REMINDED)
                # Again, all at once at the same instant: nothing new.
                again = _workers_at_once(workers, standin)
                assert all(not r.tick.accounts for r in again)
                assert posts(standin) == delivered
            processed = _count(db, "renewal.processed")
            assert len(processed) == len(RENEWING) and set(processed.values()) == {1}
            deactivated = _count(db, "member.deactivated")
            assert len(deactivated) == len(RENEWING) and set(deactivated.values()) == {2}
            with db.transaction() as s:
                statuses = Counter(s.scalars(select(models.Delivery.status)))
                assert statuses == {"sent": 3 * len(RENEWING + REMINDED)}
                seats = s.scalars(
                    select(func.count()).select_from(models.Account).where(models.Account.licensed_seats == 7)
                ).one()
                assert seats == len(RENEWING)
    finally:
        for database in [db, *workers]:
            database.dispose()
