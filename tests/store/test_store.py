"""Store behaviour that the database itself must guarantee, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, select, text, update

from bot.core.statuses import RequestStatus
from store import models
from store.db import Clash, Database, StoreError, make_engine, normalize_url
from tests.conftest import NOW, ON_POSTGRES
from tests.factories import add_account, add_members


def _account_id(db: Database, team: str = "T0001") -> int:
    with db.transaction() as s:
        account_id = s.scalar(select(models.Account.id).where(models.Account.slack_team_id == team))
    assert account_id is not None
    return account_id


def _request(account_id: int, renewal: date, status: str = RequestStatus.PENDING.value) -> models.ReductionRequest:
    return models.ReductionRequest(
        account_id=account_id,
        seats_removed=1,
        seats_before=10,
        renewal_date=renewal,
        requested_by="U0001",
        status=status,
        created_at=NOW,
        updated_at=NOW,
    )


def test_one_pending_request_per_account_and_renewal_is_enforced_by_the_database(db: Database) -> None:
    add_account(db)
    account_id = _account_id(db)
    with db.transaction() as s:
        s.add(_request(account_id, date(2027, 1, 1)))
    with pytest.raises(Clash), db.transaction() as s:
        s.add(_request(account_id, date(2027, 1, 1)))
    with db.transaction() as s:
        # Cancelled and applied requests do not count, and another renewal is another slot.
        s.add(_request(account_id, date(2027, 1, 1), RequestStatus.CANCELLED.value))
        s.add(_request(account_id, date(2027, 1, 1), RequestStatus.APPLIED.value))
        s.add(_request(account_id, date(2027, 4, 1)))
    with db.transaction() as s:
        assert s.scalar(select(text("count(*)")).select_from(models.ReductionRequest)) == 4


def test_audit_log_is_append_only(db: Database) -> None:
    add_account(db)
    with db.transaction() as s:
        count = len(s.scalars(select(models.AuditEntry)).all())
    assert count == 1
    with pytest.raises(StoreError, match="append-only"), db.transaction() as s:
        s.execute(update(models.AuditEntry).values(actor="someone else"))
    with pytest.raises(StoreError, match="append-only"), db.transaction() as s:
        s.execute(delete(models.AuditEntry))
    with db.transaction() as s:
        assert [e.actor for e in s.scalars(select(models.AuditEntry))] == ["cli"]


def test_times_are_stored_in_utc_and_come_back_aware(db: Database) -> None:
    add_account(db)
    brussels = timezone(timedelta(hours=1))
    with db.transaction() as s:
        account = s.scalar(select(models.Account))
        assert account is not None
        account.updated_at = datetime(2026, 12, 1, 10, 0, tzinfo=brussels)
    with db.transaction() as s:
        account = s.scalar(select(models.Account))
        assert account is not None
        assert account.updated_at == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
        assert account.updated_at.utcoffset() == timedelta(0)
        raw = s.execute(text("SELECT updated_at FROM accounts")).scalar_one()
    stored = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    assert stored.replace(tzinfo=None) == datetime(2026, 12, 1, 9, 0) or stored == datetime(
        2026, 12, 1, 9, 0, tzinfo=UTC
    )


def test_naive_datetimes_are_refused(db: Database) -> None:
    add_account(db)
    with pytest.raises(StoreError, match="naive datetime"), db.transaction() as s:
        account = s.scalar(select(models.Account))
        assert account is not None
        account.updated_at = datetime(2026, 12, 1, 10, 0)


def test_member_email_is_unique_per_account(db: Database) -> None:
    add_account(db)
    add_members(db, "T0001", 2)
    account_id = _account_id(db)
    with pytest.raises(Clash), db.transaction() as s:
        s.add(
            models.Member(
                account_id=account_id,
                name="Again",
                email="user1@example.com",
                is_admin=False,
                added_at=NOW,
                status="active",
                created_at=NOW,
                updated_at=NOW,
            )
        )


def test_check_constraints_refuse_bad_values(db: Database) -> None:
    add_account(db)
    with pytest.raises(Clash), db.transaction() as s:
        s.execute(update(models.Account).values(licensed_seats=0))
    with pytest.raises(Clash), db.transaction() as s:
        s.execute(update(models.Account).values(plan="monthly"))


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite pragmas only")
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(db: Database) -> None:
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@pytest.mark.postgres_only
def test_postgres_stores_timestamps_with_time_zone(db: Database) -> None:
    with db.engine.connect() as conn:
        kind = conn.execute(
            text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'accounts' AND column_name = 'created_at'"
            )
        ).scalar_one()
    assert kind == "timestamp with time zone"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///licensebot.db", "sqlite:///licensebot.db"),
    ],
)
def test_database_urls_are_normalized(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


def test_a_fresh_sqlite_file_is_migrated_on_connect(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db"
    database = Database.connect(url)
    assert "accounts" in database.table_names()
    database.dispose()
    engine = make_engine(url)
    engine.dispose()
