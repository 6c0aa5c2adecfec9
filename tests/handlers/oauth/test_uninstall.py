"""Uninstall and revocation: tokens removed, the account marked, its messages wait and go after a re-install."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.cli.wiring import team_sender
from bot.worker.pacing import Pacer
from store.db import Database
from tests.bot.worker.scenario import D7, deliveries, run, standard_team
from tests.handlers.oauth.conftest import Deployment


def queued(db: Database) -> Counter[str]:
    return Counter(status for *_, status, _ in deliveries(db))


@pytest.mark.parametrize("event", ["app_uninstalled", "tokens_revoked"])
def test_uninstall_then_reinstall_loses_no_queued_message(
    event: str, deployment: Deployment, db: Database, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert deployment.install("TAAAA").status == 200
    standard_team(db, "TAAAA", channel="C0ADM0")
    sender = team_sender(deployment.installations, deployment.standin.api_url, threads=2, ttl=0)
    sender.pacer = Pacer(0)
    run(db, None, D7)  # the reminders are queued (no sender: nothing is sent yet)
    assert queued(db) == {"pending": 3}

    payload = {"type": event, "tokens": {"bot": ["UBOT"]}} if event == "tokens_revoked" else {"type": event}
    deployment.standin.revoke("TAAAA")
    assert deployment.sim("TAAAA").event(payload).status == 200
    assert deployment.installations.find_bot_of_team("TAAAA") is None  # the tokens are gone

    for hours in range(1, 48, 6):
        run(db, sender, D7 + timedelta(hours=hours))
    assert queued(db) == {"pending": 3}  # they wait, they do not fail
    assert deployment.standin.posts() == []

    assert main(["--database", db_url, "status", "--team", "TAAAA", "--now", "2026-12-26T12:00:00Z"]) == 0
    out = capsys.readouterr().out
    assert "Slack: not installed" in out and "3 message(s) wait" in out
    assert "10 licensed, 9 active users" in out  # the license data is kept

    assert deployment.install("TAAAA").status == 200  # installed again
    run(db, sender, D7 + timedelta(days=2))
    assert queued(db) == {"sent": 3}
    [token] = deployment.standin.tokens_of("TAAAA")
    assert {c.token for c in deployment.standin.posts()} == {token}
    assert Counter(c.params["channel"] for c in deployment.standin.posts()) == {"C0ADM0": 1, "DU0000": 1, "DU0001": 1}
    assert main(["--database", db_url, "status", "--team", "TAAAA", "--now", "2026-12-27T12:00:00Z"]) == 0
    assert "not installed" not in capsys.readouterr().out


def test_an_event_for_a_workspace_without_account_only_removes_tokens(deployment: Deployment, tmp_path: Path) -> None:
    deployment.install("TBBBB")
    assert deployment.sim("TBBBB").event({"type": "app_uninstalled"}).status == 200
    assert deployment.installations.find_bot_of_team("TBBBB") is None
