"""manifest.yml: a valid Slack app manifest for this app, with the bot scopes it needs and no more."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest
import yaml  # PyYAML: a dev dependency only (pyproject [dev]); the app never reads the manifest

from bot.cli import demo
from handlers.http import SLACK_PATH
from handlers.ids import Command

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"
# Web API method -> the bot scope it needs (None: no scope). A method the app starts calling must be added.
SCOPE_OF: dict[str, str | None] = {
    "auth.test": None,
    "oauth.v2.access": None,
    "views.open": None,
    "views.update": None,
    "views.publish": None,
    "chat.postMessage": "chat:write",
    "conversations.open": "im:write",
    "users.info": "users:read",
}
# Why each scope is there.
NEEDED = {
    "commands": "the /licenses slash command",
    "chat:write": "confirmations, DMs to admins and admin-channel posts (chat.postMessage)",
    "im:write": "the worker opens DMs to remind admins (conversations.open)",
    "users:read": "users.info: who a Slack user is",
    "users:read.email": "users.info returns the email, to match a member without a Slack id",
}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    data = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_slash_command_interactivity_and_events_reach_slack_events(manifest: dict[str, Any]) -> None:
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == Command.LICENSES
    assert command["should_escape"] is True  # mentions arrive as <@U…|name> for `deactivate @user`
    assert "reduce N" in command["usage_hint"] and len(command["usage_hint"]) <= 1000
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    # user_change: admins' timezones (their reminder DMs go at 09:00 their time)
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened", "user_change"]
    for url in (
        command["url"],
        settings["interactivity"]["request_url"],
        settings["interactivity"]["message_menu_options_url"],  # the Deactivate users type-ahead
        settings["event_subscriptions"]["request_url"],
    ):
        assert url.startswith("https://") and url.endswith(SLACK_PATH)
    assert settings["socket_mode_enabled"] is True


def test_app_home_and_display_information(manifest: dict[str, Any]) -> None:
    home = manifest["features"]["app_home"]
    assert home["home_tab_enabled"] is True and home["messages_tab_enabled"] is True
    info = manifest["display_information"]
    assert info["name"] == "licensebot"
    assert len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
    assert manifest["features"]["bot_user"]["display_name"] == "licensebot"


def test_the_bot_scopes_are_exactly_the_needed_ones(manifest: dict[str, Any]) -> None:
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(NEEDED)
    assert "user" not in manifest["oauth_config"]["scopes"]


def test_every_web_api_method_the_demo_calls_is_covered_by_a_scope(
    manifest: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    scenes: list[demo.Scene] = []
    real = demo.make_scene

    def keep(*args: Any, **kwargs: Any) -> demo.Scene:
        scenes.append(real(*args, **kwargs))
        return scenes[-1]

    monkeypatch.setattr(demo, "make_scene", keep)
    demo.run_demo(argparse.Namespace(keep=str(tmp_path / "d.db")))
    called = set(scenes[0].standin.methods()) - {"response_url"}
    assert called >= {"views.open", "views.update", "views.publish", "chat.postMessage", "users.info"}
    unknown = called - set(SCOPE_OF)
    assert not unknown, f"add the scopes of {unknown} to SCOPE_OF and the manifest"
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {SCOPE_OF[m] for m in called} - {None} <= scopes


DISTRIBUTION = MANIFEST.with_name("manifest.distribution.yml")


@pytest.fixture(scope="module")
def distribution() -> dict[str, Any]:
    data = yaml.safe_load(DISTRIBUTION.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_distribution_manifest_asks_the_same_scopes_and_what_oauth_mode_needs(
    manifest: dict[str, Any], distribution: dict[str, Any]
) -> None:
    from handlers.app import BOT_SCOPES
    from handlers.install import REDIRECT_PATH

    scopes = distribution["oauth_config"]["scopes"]
    assert sorted(scopes["bot"]) == sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    assert "user" not in scopes  # no user tokens: nothing to protect or rotate for people
    [redirect] = distribution["oauth_config"]["redirect_urls"]
    assert redirect.startswith("https://") and redirect.endswith(REDIRECT_PATH)
    settings = distribution["settings"]
    assert settings["socket_mode_enabled"] is False  # installs and events come over HTTP
    assert settings["token_rotation_enabled"] is True  # refreshed by bot/slack_installs.py
    assert sorted(settings["event_subscriptions"]["bot_events"]) == [
        "app_home_opened",
        "app_uninstalled",
        "tokens_revoked",
    ]
    for url in (
        distribution["features"]["slash_commands"][0]["url"],
        settings["interactivity"]["request_url"],
        settings["event_subscriptions"]["request_url"],
    ):
        assert url.startswith("https://") and url.endswith(SLACK_PATH)
    assert distribution["features"] == {
        **manifest["features"],
        "slash_commands": distribution["features"]["slash_commands"],
    }
    assert "link CODE" in distribution["features"]["slash_commands"][0]["usage_hint"]
    assert distribution["display_information"] == manifest["display_information"]


def test_the_oauth_flow_and_linking_call_only_covered_methods(distribution: dict[str, Any]) -> None:
    # oauth.v2.access (the install, token rotation) and auth.test need no scope; users.info (who may link)
    # needs users:read.
    for method in ("oauth.v2.access", "auth.test", "users.info"):
        assert method in SCOPE_OF
        scope = SCOPE_OF[method]
        assert scope is None or scope in distribution["oauth_config"]["scopes"]["bot"]
