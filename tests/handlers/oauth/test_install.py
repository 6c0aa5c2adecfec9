"""The install flow through the real WSGI app: state issued and checked once, tokens stored encrypted."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bot.cli.main import main
from store import secrets
from store.db import Database
from tests.handlers.oauth.conftest import Deployment


def test_install_stores_the_workspace_bot_token_and_shows_a_page(deployment: Deployment, db: Database) -> None:
    done = deployment.install("TAAAA")
    assert done.status == 200
    assert b"licensebot is installed" in done.body and b"Acme" in done.body
    assert b"/licenses link" in done.body  # no account linked yet: the next step is said
    bot = deployment.installations.find_bot_of_team("TAAAA")
    assert bot is not None and bot.bot_token in deployment.standin.tokens_of("TAAAA")
    [call] = deployment.standin.calls_to("oauth.v2.access")
    assert call.token is None  # the client id and secret go in Basic auth, not as a bot token


def test_the_state_is_single_use_and_forged_states_are_refused(deployment: Deployment) -> None:
    state, cookie = deployment.start_install()
    first = deployment.redirect(f"code={deployment.standin.grant('TAAAA')}&state={state}", cookie)
    assert first.status == 200
    replay = deployment.redirect(f"code={deployment.standin.grant('TAAAA')}&state={state}", cookie)
    assert replay.status >= 400 and b"expired or was already used" in replay.body
    forged = deployment.redirect(
        f"code={deployment.standin.grant('TBBBB')}&state=forged", "slack-app-oauth-state=forged"
    )
    assert forged.status >= 400 and b"was not installed" in forged.body
    other_browser = deployment.start_install()[0]
    no_cookie = deployment.redirect(f"code={deployment.standin.grant('TBBBB')}&state={other_browser}", None)
    assert no_cookie.status >= 400 and b"another browser" in no_cookie.body
    assert deployment.installations.find_bot_of_team("TBBBB") is None
    assert len(deployment.standin.calls_to("oauth.v2.access")) == 1  # refused before any code was used


def test_cancelled_in_slack_says_so(deployment: Deployment) -> None:
    state, cookie = deployment.start_install()
    page = deployment.redirect(f"error=access_denied&state={state}", cookie)
    assert b"cancelled" in page.body and b"/slack/install" in page.body


def test_the_install_routes_are_get_only_and_events_stay_signed(deployment: Deployment) -> None:
    sim = deployment.sim("TAAAA")
    assert sim.browse("/slack/install", method="POST").status == 405
    assert sim.send(b"{}", "application/json", sign="v0=bad").status == 401


def test_tokens_are_stored_encrypted(deployment: Deployment, db: Database) -> None:
    deployment.install("TAAAA")
    with db.engine.connect() as conn:
        raw = list(conn.execute(text("SELECT bot_token FROM slack_bots")).scalars())
        raw += list(conn.execute(text("SELECT bot_token FROM slack_installations")).scalars())
    tokens = deployment.standin.tokens_of("TAAAA")
    assert raw and all(value.startswith("fernet:") for value in raw)
    assert not any(token in value for value in raw for token in tokens)


def test_an_enterprise_grid_org_install_is_stored_and_answers(deployment: Deployment) -> None:
    deployment.standin.add_workspace("TGRID", "Grid", enterprise_id="EGRID", org_install=True)
    done = deployment.install("TGRID")
    assert done.status == 200 and b"organization" in done.body
    bot = deployment.installations.find_bot(enterprise_id="EGRID", team_id=None, is_enterprise_install=True)
    assert bot is not None and bot.is_enterprise_install


def test_serve_in_oauth_mode_without_a_secret_key_stops_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", secrets.ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_CLIENT_ID", "1.2")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "s")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "x")
    assert main(["--database", f"sqlite:///{tmp_path}/x.db", "serve", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "LICENSEBOT_SECRET_KEY is not set" in err
