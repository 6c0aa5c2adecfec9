"""Refresh-token rotation: stored before use, never sent twice (also when two syncs overlap), revocation."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.core.statuses import TeamleaderStatus
from bot.teamleader import jobs, sync
from bot.teamleader.client import ApiError, Unauthorized
from bot.teamleader.status import connection_status, mark_reconnect_notified, reconnect_notices_due
from bot.teamleader.sync import sync_account
from bot.teamleader.tokens import AccessTokens, ReconnectNeeded
from store import models
from store.db import Database
from tests.bot.teamleader.fake import TOKEN_URL, FakeTeamleader, error, tl_user
from tests.bot.teamleader.test_sync import audit, connection, members
from tests.conftest import NOW, ON_POSTGRES


def run(db: Database, fake: FakeTeamleader, **kw: Any) -> sync.SyncReport:
    return sync_account(db, team="T0001", client=fake.client(), now=kw.pop("now", NOW), **kw)


def expire_access_token(db: Database) -> None:
    with db.transaction() as s:
        conn = s.scalar(select(models.TeamleaderConnection))
        assert conn is not None
        conn.access_expires_at = NOW - timedelta(minutes=1)


def token_calls(fake: FakeTeamleader) -> int:
    return sum(1 for c in fake.rsps.calls if c.request.url == TOKEN_URL)


@pytest.fixture
def in_step(fake: FakeTeamleader, connected: str) -> str:
    fake.users = [tl_user(0), tl_user(1), tl_user(2)]
    return connected


def test_a_fresh_access_token_is_used_without_refreshing(db: Database, fake: FakeTeamleader, in_step: str) -> None:
    run(db, fake)
    assert fake.refresh_sent == [] and fake.bearer == [fake.issued[0][0]]


def test_an_expired_token_is_rotated_and_stored_before_it_is_used(
    db: Database, db_url: str, fake: FakeTeamleader, in_step: str
) -> None:
    expire_access_token(db)
    stored_when_used: list[str] = []

    def look(_n: int) -> None:
        other = Database.connect(db_url, migrate=False)
        with other.transaction() as s:
            stored_when_used.append(s.scalars(select(models.TeamleaderConnection.access_token)).one())
        other.dispose()

    fake.users_override.append(look)
    run(db, fake)
    old_refresh = fake.issued[0][1]
    new_access, new_refresh = fake.issued[1]
    assert fake.refresh_sent == [old_refresh]
    assert fake.bearer == [new_access]
    assert stored_when_used == [new_access]  # committed before Teamleader saw it
    conn = connection(db)
    assert (conn.access_token, conn.refresh_token) == (new_access, new_refresh)
    assert conn.access_expires_at == NOW + timedelta(hours=1)


def test_successive_rotations_never_repeat_a_refresh_token(db: Database, fake: FakeTeamleader, in_step: str) -> None:
    for hour in range(4):
        run(db, fake, now=NOW + timedelta(hours=hour, minutes=30))
    assert len(fake.refresh_sent) == 3
    assert len(set(fake.refresh_sent)) == 3
    assert fake.refresh_sent == [pair[1] for pair in fake.issued[:3]]


def test_401_refreshes_once_and_retries(db: Database, fake: FakeTeamleader, in_step: str) -> None:
    fake.valid_access.clear()  # Teamleader dropped the access token before its expiry
    report = run(db, fake)
    assert report.users == 3
    assert fake.refresh_sent == [fake.issued[0][1]]
    assert fake.bearer == [fake.issued[0][0], fake.issued[1][0]]
    assert fake.pages == [1, 1]


def test_a_second_401_fails_without_looping(db: Database, fake: FakeTeamleader, in_step: str) -> None:
    fake.users_override.append(lambda _n: error(401, "Unauthorized"))
    before = members(db)
    with pytest.raises(Unauthorized):
        run(db, fake)
    assert len(fake.refresh_sent) == 1 and fake.pages == [1, 1]
    assert members(db) == before


def test_a_failed_refresh_request_keeps_the_old_pair(db: Database, fake: FakeTeamleader, in_step: str) -> None:
    expire_access_token(db)
    replies = [error(500, "Down")]
    fake.token_override.append(lambda _f: replies.pop() if replies else None)
    with pytest.raises(ApiError, match="500"):
        run(db, fake)
    assert connection(db).refresh_token == fake.issued[0][1]
    assert fake.refresh_sent == []  # the 500 came before the fake consumed it
    run(db, fake)  # the next try can still refresh
    assert fake.refresh_sent == [fake.issued[0][1]]


def test_a_revoked_refresh_token_asks_for_a_reconnect_and_changes_nothing(
    db: Database, fake: FakeTeamleader, in_step: str
) -> None:
    expire_access_token(db)
    fake.valid_refresh.clear()  # revoked in Teamleader
    fake.users = [tl_user(0)]  # would deactivate two members, if anything were synced
    before = members(db)
    with pytest.raises(ReconnectNeeded) as caught:
        run(db, fake)
    assert "connect again" in caught.value.message and "\n" not in caught.value.message
    assert members(db) == before
    assert audit(db)[-1] == ("teamleader.reconnect_needed", {"reason": "refresh token refused (invalid_grant)"})
    info = connection_status(db, "T0001")
    assert info is not None and info.reconnect_needed and info.since == NOW
    # The next sync stops before calling Teamleader at all; the worker no longer schedules it.
    calls = len(fake.rsps.calls)
    with pytest.raises(ReconnectNeeded):
        run(db, fake)
    assert len(fake.rsps.calls) == calls
    assert jobs.sync_due(db, NOW + timedelta(days=1)) == []


def test_401_then_revoked_refresh(db: Database, fake: FakeTeamleader, in_step: str) -> None:
    fake.valid_access.clear()
    fake.valid_refresh.clear()
    with pytest.raises(ReconnectNeeded):
        run(db, fake)
    assert connection(db).status == TeamleaderStatus.RECONNECT_NEEDED.value


def test_admins_are_told_once_per_revocation(db: Database, fake: FakeTeamleader, in_step: str) -> None:
    assert reconnect_notices_due(db) == []
    expire_access_token(db)
    fake.valid_refresh.clear()
    with pytest.raises(ReconnectNeeded):
        run(db, fake)
    assert reconnect_notices_due(db) == ["T0001"]
    mark_reconnect_notified(db, "T0001", NOW)
    assert reconnect_notices_due(db) == []


def test_a_dry_run_still_stores_a_rotated_pair(db: Database, fake: FakeTeamleader, in_step: str) -> None:
    expire_access_token(db)
    run(db, fake, dry_run=True)
    assert connection(db).refresh_token == fake.issued[1][1]  # else the used refresh token would be lost


# --- two syncs at the same time -----------------------------------------------------------------


def _overlap(db: Database, fake: FakeTeamleader) -> dict[str, Any]:
    """Sync A refreshes; while A holds the lock inside the refresh call, sync B starts and reaches
    the lock (the transaction start on SQLite, SELECT ... FOR UPDATE on PostgreSQL). Deterministic:
    A's refresh answer waits until B is about to lock."""
    expire_access_token(db)
    b_locking = threading.Event()
    seen: dict[str, Any] = {"b_statements": []}

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread().name != "sync-b":
            return
        seen["b_statements"].append(statement)
        if "BEGIN IMMEDIATE" in statement or ("FOR UPDATE" in statement and "teamleader_connections" in statement):
            b_locking.set()

    def run_b() -> None:
        try:
            seen["b"] = run(db, fake)
        except Exception as exc:  # reported by the assertions below
            seen["b_error"] = exc

    b = threading.Thread(target=run_b, name="sync-b")

    def during_a_refresh(form: dict[str, str]) -> None:
        if form.get("grant_type") == "refresh_token" and not b.is_alive() and "b" not in seen:
            b.start()
            seen["b_reached_lock"] = b_locking.wait(timeout=10)

    event.listen(db.engine, "before_cursor_execute", on_execute)
    fake.token_override.append(during_a_refresh)
    try:
        seen["a"] = run(db, fake)
        b.join(timeout=30)
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)
    return seen


def test_overlapping_syncs_send_the_refresh_token_once(db: Database, fake: FakeTeamleader, in_step: str) -> None:
    seen = _overlap(db, fake)
    assert seen["b_reached_lock"] is True
    assert "b_error" not in seen, seen.get("b_error")
    assert seen["a"].users == seen["b"].users == 3
    assert fake.refresh_sent == [fake.issued[0][1]]  # one refresh, the old token sent exactly once
    assert set(fake.bearer) == {fake.issued[1][0]}  # both used the rotated access token
    assert connection(db).refresh_token == fake.issued[1][1]


def test_a_rotation_by_another_sync_is_used_not_repeated(
    db: Database, fake: FakeTeamleader, in_step: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B saw the expired token and decided to refresh; A rotated the pair before B got the lock."""
    expire_access_token(db)
    original = AccessTokens._rotate
    b_wants_to_rotate, a_done = threading.Event(), threading.Event()

    def rotate(self: AccessTokens, *, stale: str | None) -> str:
        if threading.current_thread().name == "sync-b":
            b_wants_to_rotate.set()
            a_done.wait(timeout=10)
        return original(self, stale=stale)

    monkeypatch.setattr(AccessTokens, "_rotate", rotate)
    seen: dict[str, Any] = {}

    def run_b() -> None:
        try:
            seen["b"] = run(db, fake)
        except Exception as exc:  # reported by the assertions below
            seen["b_error"] = exc

    b = threading.Thread(target=run_b, name="sync-b")
    b.start()
    assert b_wants_to_rotate.wait(timeout=10)
    run(db, fake)
    a_done.set()
    b.join(timeout=30)
    assert "b_error" not in seen, seen.get("b_error")
    assert fake.refresh_sent == [fake.issued[0][1]]
    assert fake.bearer == [fake.issued[1][0]] * 2


@pytest.mark.postgres_only
def test_overlapping_syncs_reread_the_row_under_lock(db: Database, fake: FakeTeamleader, in_step: str) -> None:
    assert ON_POSTGRES
    seen = _overlap(db, fake)
    assert "b_error" not in seen, seen.get("b_error")
    # B saw the expired token, went for the row lock, and found A's rotation there instead of refreshing.
    locked = [s for s in seen["b_statements"] if "FOR UPDATE" in s and "teamleader_connections" in s]
    assert len(locked) >= 1
    assert fake.refresh_sent == [fake.issued[0][1]]
    assert len(fake.issued) == 2
