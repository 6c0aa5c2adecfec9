"""Tokens at rest: encrypted columns hold no plain token (raw rows read), keys rotate, plain rows migrate."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from bot.cli.main import main
from store import models, rekey, secrets
from store.db import Database, make_engine, upgrade
from tests.conftest import NOW
from tests.factories import add_account

ACCESS = "tl-access-0123456789abcdef"
REFRESH = "tl-refresh-fedcba9876543210"


def connect(db: Database, team: str = "T0001") -> None:
    add_account(db, team, seats=10, renews=date(2027, 1, 1))
    with db.transaction() as s:
        account = s.scalar(select(models.Account).where(models.Account.slack_team_id == team))
        assert account is not None
        s.add(
            models.TeamleaderConnection(
                account_id=account.id,
                access_token=ACCESS,
                refresh_token=REFRESH,
                access_expires_at=NOW,
                status_changed_at=NOW,
                connected_at=NOW,
                updated_at=NOW,
            )
        )


def raw(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT access_token, refresh_token FROM teamleader_connections")).all()
    return [value for row in rows for value in row]


def stored(db: Database) -> tuple[str, str]:
    with db.transaction(read_only=True) as s:
        conn = s.scalars(select(models.TeamleaderConnection)).one()
        return conn.access_token, conn.refresh_token


def test_teamleader_tokens_are_encrypted_and_read_back(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(secrets.ENV, secrets.new_key())
    connect(db)
    assert all(v.startswith("fernet:") for v in raw(db))
    assert not any(ACCESS in v or REFRESH in v for v in raw(db))
    assert stored(db) == (ACCESS, REFRESH)


def test_key_rotation_and_rotate_command(
    db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = secrets.new_key(), secrets.new_key()
    monkeypatch.setenv(secrets.ENV, old)
    connect(db)
    monkeypatch.setenv(secrets.ENV, f"{new},{old}")  # a new key first: both open
    assert stored(db) == (ACCESS, REFRESH)
    assert main(["--database", db_url, "secrets", "rotate"]) == 0
    assert "re-encrypted 2 stored secret(s)" in capsys.readouterr().out
    for value in raw(db):
        assert Fernet(new.encode()).decrypt(value.removeprefix("fernet:").encode()).decode() in (ACCESS, REFRESH)
    monkeypatch.setenv(secrets.ENV, new)  # the old key removed
    assert stored(db) == (ACCESS, REFRESH)
    assert rekey.rotate(db) == {"teamleader_connections": 0, "slack_bots": 0, "slack_installations": 0}


def test_a_plain_row_is_read_and_encrypted_by_rotate(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(secrets.ENV, raising=False)
    connect(db)  # without a key: written plain, as before this version
    assert raw(db) == [ACCESS, REFRESH]
    monkeypatch.setenv(secrets.ENV, secrets.new_key())
    assert stored(db) == (ACCESS, REFRESH)
    rekey.rotate(db)
    assert all(v.startswith("fernet:") for v in raw(db)) and stored(db) == (ACCESS, REFRESH)


def test_without_the_key_an_encrypted_token_is_a_clear_error(
    db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(secrets.ENV, secrets.new_key())
    connect(db)
    monkeypatch.setenv(secrets.ENV, secrets.new_key())  # the wrong key
    with pytest.raises(secrets.SecretKeyError, match="does not open with any key"):
        stored(db)
    monkeypatch.delenv(secrets.ENV)
    with pytest.raises(secrets.SecretKeyError, match="LICENSEBOT_SECRET_KEY is not set"):
        stored(db)
    assert main(["--database", db_url, "secrets", "rotate"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    monkeypatch.setenv(secrets.ENV, "not-a-key")
    with pytest.raises(secrets.SecretKeyError, match="key 1 is not a Fernet key"):
        secrets.keyring()


def test_the_migration_encrypts_existing_plain_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(secrets.ENV, raising=False)
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0005")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (id, slack_team_id, name, plan, licensed_seats, renewal_anchor, timezone,"
                " reminder_days, created_at, updated_at) VALUES (1, 'T0001', 'A', 'annual', 5, '2027-01-01', 'UTC',"
                " '14', '2026-01-01', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO teamleader_connections (account_id, access_token, refresh_token, access_expires_at,"
                " status, status_changed_at, sync_interval_minutes, connected_at, updated_at) VALUES (1, :a, :r,"
                " '2026-01-01', 'connected', '2026-01-01', 60, '2026-01-01', '2026-01-01')"
            ),
            {"a": ACCESS, "r": REFRESH},
        )
    monkeypatch.setenv(secrets.ENV, secrets.new_key())
    upgrade(engine)
    db = Database(engine)
    assert all(v.startswith("fernet:") for v in raw(db)) and stored(db) == (ACCESS, REFRESH)
