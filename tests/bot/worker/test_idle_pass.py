"""A worker pass with nothing due reads indexes only: its cost must not grow with the accounts.

bench/tick_cost.py measures it at 1k-100k accounts; here every query of an idle pass (the Teamleader
steps, the tick, the outbox) is captured and EXPLAINed on a small database: none may read a whole table.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event

from bot.cli.wiring import installed_hooks
from bot.core.statuses import TeamleaderStatus
from bot.teamleader import jobs
from bot.teamleader.status import reconnect_notices_due
from bot.worker.sender import Sender
from store import models
from store.db import Database
from store.queries import load_account
from tests.bot.worker.scenario import D7, run, standard_team
from tests.conftest import NOW

GROWING = ("accounts", "members", "deliveries", "teamleader_connections", "audit_log", "reduction_requests")
PARTIAL = {
    str(index.name)
    for table in models.Base.metadata.tables.values()
    for index in table.indexes
    if index.dialect_options["sqlite"]["where"] is not None
}
"""Partial indexes hold only the rows a query looks for (e.g. pending messages): reading one whole is fine."""


def connect(db: Database, team: str, *, next_sync_at: datetime | None, status: str = "connected") -> None:
    with db.transaction() as s:
        account = load_account(s, team)
        s.add(
            models.TeamleaderConnection(
                account_id=account.id,
                access_token="access",
                refresh_token="refresh",
                access_expires_at=NOW + timedelta(hours=1),
                status=status,
                status_changed_at=NOW,
                sync_interval_minutes=60,
                next_sync_at=next_sync_at,
                connected_at=NOW,
                updated_at=NOW,
            )
        )


def _selects_of_a_pass(db: Database, sender: Sender, now: datetime) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        report = run(db, sender, now, each_pass=installed_hooks().each_pass)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert not report.tick.accounts and report.delivery is not None and not report.delivery.sent
    assert not report.step_errors
    return seen


def _full_scans(db: Database, statement: str, parameters: Any) -> list[str]:
    """The tables that grow with the accounts which the plan reads whole."""
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            plan = [str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
            # SEARCH is a lookup; SCAN reads a whole table, or a whole index (fine only for a partial one).
            tables = [row.split()[1] for row in plan if row.startswith("SCAN ") and row.split()[-1] not in PARTIAL]
        else:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # tiny tables: is there an index path?
            plan = [str(r[0]) for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters)]
            tables = [row.split("Seq Scan on ")[1].split()[0] for row in plan if "Seq Scan on " in row]
    return [t for t in tables if t in GROWING]


def test_an_idle_pass_reads_no_whole_table(db: Database, sender: Sender) -> None:
    for n in range(12):
        standard_team(db, f"T{n:04d}", channel=f"C0ADM{n}")
    connect(db, "T0000", next_sync_at=NOW + timedelta(days=30))
    connect(db, "T0001", next_sync_at=None, status=TeamleaderStatus.RECONNECT_NEEDED.value)
    with db.transaction() as s:
        s.get_one(models.TeamleaderConnection, 2).reconnect_notified_at = NOW  # told already
    run(db, sender, D7)  # the reminders go out: the outbox now holds sent messages
    selects = _selects_of_a_pass(db, sender, D7 + timedelta(minutes=5))
    assert len(selects) >= 5  # two Teamleader steps, the due accounts, the outbox
    problems = {statement: scans for statement, params in selects if (scans := _full_scans(db, statement, params))}
    assert problems == {}


def test_teamleader_syncs_due_first_the_never_synced_then_the_longest_waiting(db: Database) -> None:
    for n in range(5):
        standard_team(db, f"T{n:04d}", remove=None)
    connect(db, "T0000", next_sync_at=NOW - timedelta(minutes=1))
    connect(db, "T0001", next_sync_at=NOW + timedelta(minutes=1))  # not yet
    connect(db, "T0002", next_sync_at=NOW - timedelta(minutes=30))
    connect(db, "T0003", next_sync_at=None)
    connect(db, "T0004", next_sync_at=None, status=TeamleaderStatus.RECONNECT_NEEDED.value)
    assert jobs.sync_due(db, NOW) == ["T0003", "T0002", "T0000"]
    assert reconnect_notices_due(db) == ["T0004"]
