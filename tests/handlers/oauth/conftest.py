"""OAuth mode: one deployment, several workspaces, each installing the app through the real WSGI app."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.slack_installs import Installations, OAuthStates
from bot.testing.slack_sim import Response, SlackSim
from bot.testing.slack_standin import SlackStandIn
from handlers.app import Settings, build_app
from handlers.deps import Deps
from handlers.http import build_wsgi
from store import secrets
from store.db import Database
from tests.handlers.conftest import SECRET

KEY = secrets.new_key()


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(secrets.ENV, KEY)
    return KEY


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(team_id="T0000NONE") as s:
        s.add_workspace("TAAAA", "Acme")
        s.add_workspace("TBBBB", "Brico")
        yield s


@dataclass
class Deployment:
    standin: SlackStandIn
    installations: Installations
    states: OAuthStates
    wsgi: object
    settings: Settings

    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    """Shared by every workspace's SlackSim: event ids are unique across the deployment, as Slack's are."""

    def sim(self, team: str) -> SlackSim:
        return SlackSim(self.wsgi, SECRET, self.standin, team=team, _ids=self.ids)  # type: ignore[arg-type]

    def start_install(self) -> tuple[str, str]:
        """GET /slack/install: (state, cookie) from the "Add to Slack" page."""
        page = self.sim("-").browse("/slack/install")
        assert page.status == 200, page.body
        url = re.search(rb'href="([^"]+)"', page.body)
        assert url is not None
        link = url.group(1).decode().replace("&amp;", "&")
        state = parse_qs(urlsplit(link).query)["state"][0]
        cookie = page.headers["set-cookie"].split(";")[0]
        return state, cookie

    def redirect(self, query: str, cookie: str | None) -> Response:
        return self.sim("-").browse("/slack/oauth_redirect", query, cookie=cookie)

    def install(self, team: str) -> Response:
        """The whole flow as a person's browser goes through it: install page, Slack's "Allow", redirect."""
        state, cookie = self.start_install()
        return self.redirect(f"code={self.standin.grant(team)}&state={state}", cookie)


def oauth_settings(standin: SlackStandIn) -> Settings:
    return Settings(
        bot_token="",
        signing_secret=SECRET,
        api_url=standin.api_url,
        client_id=standin.client_id,
        client_secret=standin.client_secret,
    )


@pytest.fixture
def deployment(standin: SlackStandIn, db: Database, deps: Deps) -> Deployment:
    settings = oauth_settings(standin)
    from bot.cli.wiring import slack_installations

    installations, states = slack_installations(settings, db)
    app = build_app(settings, deps, process_before_response=True, installation_store=installations, state_store=states)
    wsgi = build_wsgi(app, deps, signing_secret=SECRET)
    return Deployment(standin, installations, states, wsgi, settings)
