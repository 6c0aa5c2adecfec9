"""`licensebot teamleader …` end to end: real parser, real database, the fake Teamleader."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from bot.cli.main import main
from store import models, models_connect
from store.db import Database
from tests.bot.teamleader.fake import ENV, FakeTeamleader, error, tl_user


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


def run(capsys: pytest.CaptureFixture[str], db_url: str, *argv: str) -> tuple[int, str, str]:
    code = main(["--database", db_url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def setup_account(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    code, _, err = run(
        capsys,
        db_url,
        *("account", "add", "--team", "T0001", "--name", "Acme", "--plan", "annual"),
        *("--seats", "5", "--renews", "2027-06-30"),
    )
    assert code == 0, err


def member_names(db_url: str) -> list[tuple[str, str]]:
    db = Database.connect(db_url, migrate=False)
    with db.transaction() as s:
        rows = [(m.name, m.status) for m in s.scalars(select(models.Member).order_by(models.Member.email))]
    db.dispose()
    return rows


def test_connect_prints_the_link_and_stores_its_state(
    capsys: pytest.CaptureFixture[str], db_url: str, fake: FakeTeamleader
) -> None:
    setup_account(capsys, db_url)
    code, out, err = run(capsys, db_url, "teamleader", "connect", "--team", "T0001")
    assert code == 0 and err == ""
    url = next(line for line in out.splitlines() if line.startswith("https://"))
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("https://auth.tl.test/oauth2/authorize?")
    assert query["client_id"] == [ENV["TEAMLEADER_CLIENT_ID"]] and query["response_type"] == ["code"]
    db = Database.connect(db_url, migrate=False)
    with db.transaction() as s:
        assert s.scalars(select(models_connect.TeamleaderOAuthState.state)).all() == query["state"]
    db.dispose()
    assert "--code CODE" in out


def test_connect_code_then_sync_then_dry_run(
    capsys: pytest.CaptureFixture[str], db_url: str, fake: FakeTeamleader
) -> None:
    setup_account(capsys, db_url)
    code, out, err = run(capsys, db_url, "teamleader", "connect", "--team", "T0001", "--code", "good-code-1")
    assert (code, err) == (0, "") and "connected to Teamleader" in out

    fake.users = [tl_user(1), tl_user(2), tl_user(3)]
    code, out, err = run(capsys, db_url, "teamleader", "sync", "--team", "T0001")
    assert (code, err) == (0, "")
    assert out == "T0001: 3 added, 0 updated, 0 deactivated, 0 reactivated (3 users in Teamleader)\n"

    fake.users = [tl_user(1, first="Ada"), tl_user(2, status="deactivated")]
    code, out, _ = run(capsys, db_url, "teamleader", "sync", "--team", "T0001", "--dry-run")
    assert code == 0
    assert out.startswith("T0001: 0 added, 1 updated, 2 deactivated, 0 reactivated")
    assert "[dry run: nothing written]" in out
    assert member_names(db_url) == [("User 1", "active"), ("User 2", "active"), ("User 3", "active")]

    code, out, _ = run(capsys, db_url, "teamleader", "sync", "--team", "T0001")
    assert out.startswith("T0001: 0 added, 1 updated, 2 deactivated")
    assert member_names(db_url) == [("Ada 1", "active"), ("User 2", "deactivated"), ("User 3", "deactivated")]

    code, out, _ = run(capsys, db_url, "teamleader", "status", "--team", "T0001")
    assert code == 0 and "T0001: connected to Teamleader; last sync" in out and "every 60 minutes" in out
    code, out, _ = run(capsys, db_url, "teamleader", "interval", "--team", "T0001", "30")
    assert (code, out) == (0, "T0001: Teamleader sync every 30 minutes\n")


def test_missing_settings_are_one_line(
    capsys: pytest.CaptureFixture[str], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_account(capsys, db_url)
    monkeypatch.delenv("TEAMLEADER_REDIRECT_URI")
    code, out, err = run(capsys, db_url, "teamleader", "connect", "--team", "T0001")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "set TEAMLEADER_REDIRECT_URI" in err and "CLIENT_ID" not in err


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        ("revoked", "was revoked or has expired: nothing was synced"),
        ("server", "Teamleader answered 502 (Bad Gateway) to users.list: Upstream"),
        ("unconnected", "is not connected to Teamleader"),
    ],
)
def test_failures_are_one_line_without_tokens(
    capsys: pytest.CaptureFixture[str], db_url: str, fake: FakeTeamleader, breakage: str, expected: str
) -> None:
    setup_account(capsys, db_url)
    if breakage != "unconnected":
        run(capsys, db_url, "teamleader", "connect", "--team", "T0001", "--code", "good-code-1")
    fake.users = [tl_user(1)]
    if breakage == "revoked":
        fake.valid_access.clear()
        fake.valid_refresh.clear()
    elif breakage == "server":
        fake.users_override.append(lambda _n: error(502, "Upstream"))
    code, out, err = run(capsys, db_url, "teamleader", "sync", "--team", "T0001")
    assert code == 2 and out == ""
    assert err.startswith("licensebot: error: ") and err.count("\n") == 1 and expected in err
    assert "Traceback" not in err
    for access, refresh in fake.issued:
        assert access not in err and refresh not in err
