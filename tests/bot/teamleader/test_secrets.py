"""No token, code or client secret ever reaches a log line, the terminal or an error message."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from bot.core.errors import UserError
from bot.teamleader import oauth
from bot.teamleader.status import connection_status, describe
from bot.teamleader.sync import sync_account
from store import models
from store.db import Database
from tests.bot.teamleader.fake import CLIENT_SECRET, FakeTeamleader, tl_user
from tests.conftest import NOW
from tests.factories import add_account, add_members


def test_a_whole_flow_logs_and_prints_no_secret(
    db: Database, fake: FakeTeamleader, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    add_account(db)
    add_members(db, "T0001", 2)
    client = fake.client(sleep=lambda _s: None, clock=lambda: NOW)
    url = oauth.start_connect(db, team="T0001", client=client, now=NOW)
    state = parse_qs(urlsplit(url).query)["state"][0]
    assert oauth.handle_callback(db, {"state": state, "code": "good-code-1"}, NOW, client=client)[0] == 200
    fake.users = [tl_user(0), tl_user(1), tl_user(2)]
    messages: list[str] = []
    sync_account(db, team="T0001", client=client, now=NOW)  # fresh token
    sync_account(db, team="T0001", client=client, now=NOW + timedelta(hours=2))  # expired: rotation
    fake.valid_access.clear()
    sync_account(db, team="T0001", client=client, now=NOW + timedelta(hours=2))  # 401: rotation
    fake.valid_access.clear()
    fake.valid_refresh.clear()
    with pytest.raises(UserError) as caught:  # revoked
        sync_account(db, team="T0001", client=client, now=NOW + timedelta(hours=2))
    messages.append(caught.value.message)
    messages.append(describe(connection_status(db, "T0001")))
    with db.transaction() as s:
        details = [str(e.details) for e in s.scalars(select(models.AuditEntry))]
    out, err = capsys.readouterr()

    secrets = [CLIENT_SECRET, "good-code-1"] + [token for pair in fake.issued for token in pair]
    assert len(fake.issued) == 3  # connect + two rotations happened
    teamleader_lines = [r for r in caplog.records if r.name.startswith("bot.teamleader")]
    assert any(r.levelno == logging.DEBUG for r in teamleader_lines)  # we did log, at every level
    everything = "\n".join([caplog.text, out, err, *messages, *details])
    for secret in secrets:
        assert secret not in everything
