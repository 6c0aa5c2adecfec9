"""Migration 0011 (license lines) keeps every figure of an existing account: its package line is the account's
seat count and price as they were, its pending request applies to that line, it has no add-on line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from bot import usecases
from bot.core.lines import PACKAGE_LINE
from store.db import Database, make_engine, upgrade
from tests.scratch_db import empty_database

T = datetime(2026, 11, 1, 9, tzinfo=UTC)


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or (with TEST_DATABASE_URL) a new PostgreSQL database next to it."""
    with empty_database(tmp_path, "m0011") as url:
        yield url


def test_existing_accounts_keep_every_figure(empty_url: str) -> None:
    engine = make_engine(empty_url)
    upgrade(engine, "0010")
    stamp = {"t": T.replace(tzinfo=None) if engine.dialect.name == "sqlite" else T}
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (id, slack_team_id, name, plan, licensed_seats, renewal_anchor, timezone,"
                " price_per_seat, currency, reminder_days, escalate, created_at, updated_at)"
                " VALUES (1, 'T0OLD', 'Old', 'annual', 12, :anchor, 'Europe/Brussels', 41.50, 'EUR', '14,7,3,1,0',"
                " true, :t, :t)"
            ),
            {"anchor": date(2027, 3, 1), **stamp},
        )
        for i in range(3):
            conn.execute(
                text(
                    "INSERT INTO members (account_id, name, email, slack_user_id, is_admin, added_at, status,"
                    " created_at, updated_at) VALUES (1, :n, :e, :u, :a, :t, 'active', :t, :t)"
                ),
                {"n": f"User {i}", "e": f"u{i}@x.be", "u": f"U000{i}", "a": i == 0, **stamp},
            )
        conn.execute(
            text(
                "INSERT INTO reduction_requests (account_id, seats_removed, seats_before, renewal_date, requested_by,"
                " status, created_at, updated_at) VALUES (1, 2, 12, :r, 'U0000', 'pending', :t, :t)"
            ),
            {"r": date(2027, 3, 1), **stamp},
        )
    upgrade(engine)
    with engine.begin() as conn:
        row = conn.execute(text("SELECT licensed_seats, price_per_seat, plan, package_tier_id FROM accounts")).one()
        assert (row[0], Decimal(str(row[1])), row[2], row[3]) == (12, Decimal("41.50"), "annual", None)
        assert conn.execute(text("SELECT line_id FROM reduction_requests")).scalar_one() is None
        assert conn.execute(text("SELECT count(*) FROM license_lines")).scalar_one() == 0
    engine.dispose()

    db = Database.connect(empty_url, migrate=False)
    try:
        page = usecases.license_page(db, team="T0OLD", now=T)
        (only,) = page.lines  # one line: the package's user licenses, with today's numbers
        assert only.line.key == PACKAGE_LINE and only.line.licensed == 12
        assert only.line.price_per_seat == Decimal("41.50") and only.assigned == 3
        assert only.pending is not None and only.pending.seats_removed == 2 and only.new_seat_count == 10
        assert page.saving == Decimal("996.00")  # 2 x 41.50 x 12 months, as before
        assert page.package is None and not page.multi_line
    finally:
        db.engine.dispose()
