"""Connecting: a single-use, expiring state; the code exchange; the redirect callback."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from bot.core.audit import Actor
from bot.core.errors import NotAllowed
from bot.core.statuses import TeamleaderStatus
from bot.teamleader import oauth
from bot.teamleader.client import TeamleaderError
from bot.teamleader.oauth import StateRefused
from bot.teamleader.status import connection_status
from store import models
from store.db import Database
from tests.bot.teamleader.fake import TOKEN_URL, FakeTeamleader
from tests.conftest import NOW
from tests.factories import add_account, add_members


def _state(url: str) -> str:
    return parse_qs(urlsplit(url).query)["state"][0]


def _connection(db: Database) -> models.TeamleaderConnection | None:
    with db.transaction() as s:
        return s.scalar(select(models.TeamleaderConnection))


def _actions(db: Database) -> list[str]:
    with db.transaction() as s:
        return [e.action for e in s.scalars(select(models.AuditEntry).order_by(models.AuditEntry.id))]


def _token_calls(fake: FakeTeamleader) -> int:
    return sum(1 for c in fake.rsps.calls if c.request.url == TOKEN_URL)


def test_connect_stores_a_fresh_state_per_link(db: Database, fake: FakeTeamleader) -> None:
    add_account(db)
    first = _state(oauth.start_connect(db, team="T0001", client=fake.client(), now=NOW))
    second = _state(oauth.start_connect(db, team="T0001", client=fake.client(), now=NOW))
    assert first != second and len(first) >= 32
    assert oauth.consume_state(db, first, NOW) == "T0001"
    assert oauth.consume_state(db, second, NOW) == "T0001"
    assert _actions(db)[-1] == "teamleader.connect_started"


@pytest.mark.parametrize(
    ("case", "message"),
    [("unknown", "unknown"), ("expired", "expired"), ("reused", "used already")],
)
def test_bad_states_are_refused(db: Database, fake: FakeTeamleader, case: str, message: str) -> None:
    add_account(db)
    state = _state(oauth.start_connect(db, team="T0001", client=fake.client(), now=NOW))
    when = NOW
    if case == "unknown":
        state = state[:-1] + ("A" if state[-1] != "A" else "B")
    elif case == "expired":
        when = NOW + oauth.STATE_TTL + timedelta(seconds=1)
    else:
        oauth.consume_state(db, state, NOW)
    with pytest.raises(StateRefused, match=message):
        oauth.consume_state(db, state, when)


def test_a_state_is_good_until_its_last_minute(db: Database, fake: FakeTeamleader) -> None:
    add_account(db)
    state = _state(oauth.start_connect(db, team="T0001", client=fake.client(), now=NOW))
    assert oauth.consume_state(db, state, NOW + oauth.STATE_TTL) == "T0001"


def test_only_admins_may_start_connecting_from_slack(db: Database, fake: FakeTeamleader) -> None:
    add_account(db)
    add_members(db, "T0001", 3)  # User 0 (U0000) is the admin
    with pytest.raises(NotAllowed):
        oauth.start_connect(db, team="T0001", client=fake.client(), now=NOW, actor=Actor.slack("U0001"))
    assert "state=" in oauth.start_connect(db, team="T0001", client=fake.client(), now=NOW, actor=Actor.slack("U0000"))


def test_the_code_exchange_stores_the_pair(db: Database, fake: FakeTeamleader) -> None:
    add_account(db)
    oauth.connect_with_code(db, team="T0001", code="good-code-1", client=fake.client(), now=NOW)
    conn = _connection(db)
    assert conn is not None
    assert (conn.access_token, conn.refresh_token) == fake.issued[0]
    assert conn.access_expires_at == NOW + timedelta(hours=1)
    assert conn.status == "connected" and conn.next_sync_at == NOW and conn.sync_interval_minutes == 60
    assert _actions(db)[-1] == "teamleader.connected"


def test_a_refused_code_changes_nothing(db: Database, fake: FakeTeamleader) -> None:
    add_account(db)
    with pytest.raises(TeamleaderError, match="refused the authorization code"):
        oauth.connect_with_code(db, team="T0001", code="stale-code", client=fake.client(), now=NOW)
    assert _connection(db) is None


def test_callback_connects_once_per_state(db: Database, fake: FakeTeamleader) -> None:
    add_account(db)
    state = _state(oauth.start_connect(db, team="T0001", client=fake.client(), now=NOW))
    status, body = oauth.handle_callback(db, {"state": state, "code": "good-code-1"}, NOW, client=fake.client())
    assert status == 200 and "Teamleader connected" in body and "T0001" in body
    info = connection_status(db, "T0001")
    assert info is not None and info.status is TeamleaderStatus.CONNECTED
    fake.codes.add("good-code-2")
    status, body = oauth.handle_callback(db, {"state": state, "code": "good-code-2"}, NOW, client=fake.client())
    assert status == 400 and "used already" in body
    assert _token_calls(fake) == 1  # the reused state never reached the token endpoint


@pytest.mark.parametrize(
    "query",
    [{}, {"code": "good-code-1"}, {"state": "no-such-state", "code": "good-code-1"}],
)
def test_callback_without_a_known_state_is_refused(db: Database, fake: FakeTeamleader, query: dict[str, str]) -> None:
    add_account(db)
    oauth.start_connect(db, team="T0001", client=fake.client(), now=NOW)
    status, _ = oauth.handle_callback(db, query, NOW, client=fake.client())
    assert status == 400
    assert _token_calls(fake) == 0 and _connection(db) is None


def test_callback_with_an_expired_state_is_refused(db: Database, fake: FakeTeamleader) -> None:
    add_account(db)
    state = _state(oauth.start_connect(db, team="T0001", client=fake.client(), now=NOW))
    later = NOW + timedelta(minutes=16)
    status, body = oauth.handle_callback(db, {"state": state, "code": "good-code-1"}, later, client=fake.client())
    assert status == 400 and "expired" in body and _connection(db) is None


def test_callback_when_access_is_denied(db: Database, fake: FakeTeamleader) -> None:
    add_account(db)
    state = _state(oauth.start_connect(db, team="T0001", client=fake.client(), now=NOW))
    status, body = oauth.handle_callback(db, {"state": state, "error": "access_denied"}, NOW, client=fake.client())
    assert status == 400 and "not granted" in body
    assert _connection(db) is None and _actions(db)[-1] == "teamleader.connect_refused"
    with pytest.raises(StateRefused):
        oauth.consume_state(db, state, NOW)


def test_callback_when_teamleader_refuses_the_code(db: Database, fake: FakeTeamleader) -> None:
    add_account(db)
    state = _state(oauth.start_connect(db, team="T0001", client=fake.client(), now=NOW))
    status, body = oauth.handle_callback(db, {"state": state, "code": "forged"}, NOW, client=fake.client())
    assert status == 502 and "refused the authorization code" in body and _connection(db) is None


def test_callback_escapes_what_it_echoes(db: Database, fake: FakeTeamleader) -> None:
    add_account(db)
    state = _state(oauth.start_connect(db, team="T0001", client=fake.client(), now=NOW))
    fake.token_override.append(lambda _f: (500, {}, '{"errors": [{"title": "<script>x</script>"}]}'))
    status, body = oauth.handle_callback(db, {"state": state, "code": "good-code-1"}, NOW, client=fake.client())
    assert status == 502 and "<script>" not in body and "&lt;script&gt;" in body


def test_callback_without_settings_is_a_server_error(
    db: Database, fake: FakeTeamleader, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_account(db)
    state = _state(oauth.start_connect(db, team="T0001", client=fake.client(), now=NOW))
    for name in ("TEAMLEADER_CLIENT_ID", "TEAMLEADER_CLIENT_SECRET", "TEAMLEADER_REDIRECT_URI"):
        monkeypatch.delenv(name, raising=False)
    status, body = oauth.handle_callback(db, {"state": state, "code": "good-code-1"}, NOW)
    assert status == 500 and "not configured" in body
    assert oauth.consume_state(db, state, NOW) == "T0001"  # not burnt by a configuration problem


def test_connecting_again_clears_reconnect_needed(db: Database, fake: FakeTeamleader) -> None:
    add_account(db)
    oauth.connect_with_code(db, team="T0001", code="good-code-1", client=fake.client(), now=NOW)
    with db.transaction() as s:
        conn = s.scalar(select(models.TeamleaderConnection))
        assert conn is not None
        conn.status = TeamleaderStatus.RECONNECT_NEEDED.value
        conn.reconnect_notified_at = NOW
    fake.codes.add("good-code-2")
    later = NOW + timedelta(days=1)
    oauth.connect_with_code(db, team="T0001", code="good-code-2", client=fake.client(), now=later)
    conn = _connection(db)
    assert conn is not None
    assert (conn.status, conn.status_changed_at, conn.reconnect_notified_at) == ("connected", later, None)
    assert conn.refresh_token == fake.issued[1][1]
