"""The HTTP client against the fake: OAuth endpoints, users.list, rate limits, errors."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from bot.teamleader.client import (
    ApiError,
    InvalidGrant,
    RateLimited,
    TeamleaderError,
    Unauthorized,
)
from bot.teamleader.settings import DEFAULT_API_URL, DEFAULT_AUTH_URL, NotConfigured, load_settings
from tests.bot.teamleader.fake import ENV, SETTINGS, USERS_URL, FakeTeamleader, error, tl_user
from tests.conftest import NOW


def test_authorize_url_carries_client_state_and_redirect() -> None:
    from bot.teamleader.client import TeamleaderClient

    url = TeamleaderClient(SETTINGS).authorize_url("st-123")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{SETTINGS.auth_url}/oauth2/authorize"
    assert parse_qs(parts.query) == {
        "client_id": [SETTINGS.client_id],
        "response_type": ["code"],
        "state": ["st-123"],
        "redirect_uri": [SETTINGS.redirect_uri],
    }


def test_code_exchange_returns_the_pair_and_its_expiry(fake: FakeTeamleader) -> None:
    fake.expires_in = 3599
    pair = fake.client().exchange_code("good-code-1", NOW)
    assert (pair.access_token, pair.refresh_token) == fake.issued[0]
    assert pair.expires_at == NOW + timedelta(seconds=3599)
    assert "tok" not in repr(pair)  # tokens are kept out of reprs (and so out of logs)


def test_a_used_or_unknown_code_is_invalid_grant(fake: FakeTeamleader) -> None:
    client = fake.client()
    client.exchange_code("good-code-1", NOW)
    with pytest.raises(InvalidGrant):
        client.exchange_code("good-code-1", NOW)


def test_wrong_client_credentials_name_the_settings(fake: FakeTeamleader) -> None:
    from dataclasses import replace

    from bot.teamleader.client import TeamleaderClient

    client = TeamleaderClient(replace(SETTINGS, client_secret="wrong"))
    with pytest.raises(ApiError, match="TEAMLEADER_CLIENT_SECRET"):
        client.exchange_code("good-code-1", NOW)


def test_refresh_gives_a_new_pair_and_the_old_refresh_token_dies(fake: FakeTeamleader) -> None:
    _, refresh = fake.issue()
    client = fake.client()
    pair = client.refresh(refresh, NOW)
    assert pair.refresh_token != refresh
    with pytest.raises(InvalidGrant):
        client.refresh(refresh, NOW)


def test_users_page_sends_the_status_filter_and_page(fake: FakeTeamleader) -> None:
    access, _ = fake.issue()
    fake.users = [tl_user(1), tl_user(2, status="deactivated")]
    users = fake.client().users_page(access, 1)
    assert [(u.id, u.name, u.email, u.active) for u in users] == [
        ("tl-0001", "User 1", "user1@example.com", True),
        ("tl-0002", "User 2", "user2@example.com", False),
    ]
    sent = json.loads(fake.rsps.calls[-1].request.body or b"")
    assert sent == {"filter": {"status": ["active", "deactivated"]}, "page": {"size": 100, "number": 1}}
    assert fake.rsps.calls[-1].request.headers["Authorization"] == f"Bearer {access}"


def test_emails_are_compared_in_lower_case(fake: FakeTeamleader) -> None:
    access, _ = fake.issue()
    fake.users = [tl_user(1, email="  Ann.Smith@Example.COM ")]
    assert fake.client().users_page(access, 1)[0].email == "ann.smith@example.com"


def test_401_is_unauthorized(fake: FakeTeamleader) -> None:
    with pytest.raises(Unauthorized):
        fake.client().users_page("not-a-token", 1)


def test_429_waits_until_the_reset_then_retries(fake: FakeTeamleader) -> None:
    access, _ = fake.issue()
    fake.users = [tl_user(1)]
    replies = [error(429, "Too many requests", {"X-RateLimit-Reset": "2026-11-26T08:30:07+00:00"})]
    fake.users_override.append(lambda _n: replies.pop() if replies else None)
    slept: list[float] = []
    users = fake.client(sleep=slept.append, clock=lambda: NOW).users_page(access, 1)
    assert slept == [7.0]
    assert [u.id for u in users] == ["tl-0001"]
    assert fake.pages == [1, 1]


def test_429_with_a_reset_beyond_the_bound_fails_without_waiting(fake: FakeTeamleader) -> None:
    access, _ = fake.issue()
    fake.users_override.append(lambda _n: error(429, "Too many", {"X-RateLimit-Reset": "2026-11-26T08:45:00Z"}))
    slept: list[float] = []
    with pytest.raises(RateLimited, match="try again later"):
        fake.client(sleep=slept.append, clock=lambda: NOW, max_wait=60).users_page(access, 1)
    assert slept == []


def test_429_retries_are_bounded(fake: FakeTeamleader) -> None:
    access, _ = fake.issue()
    fake.users_override.append(lambda _n: error(429, "Too many", {"X-RateLimit-Reset": "2026-11-26T08:30:01Z"}))
    slept: list[float] = []
    with pytest.raises(RateLimited, match="kept answering 429"):
        fake.client(sleep=slept.append, clock=lambda: NOW, max_attempts=3).users_page(access, 1)
    assert slept == [1.0, 1.0]
    assert len(fake.pages) == 3


def test_429_without_a_reset_header_waits_a_bounded_default(fake: FakeTeamleader) -> None:
    access, _ = fake.issue()
    fake.users = [tl_user(1)]
    replies = [error(429, "Too many")]
    fake.users_override.append(lambda _n: replies.pop() if replies else None)
    slept: list[float] = []
    fake.client(sleep=slept.append, clock=lambda: NOW, max_wait=3).users_page(access, 1)
    assert slept == [3.0]


def test_500_fails_with_one_line_naming_the_title(fake: FakeTeamleader) -> None:
    access, _ = fake.issue()
    fake.users_override.append(lambda _n: error(500, "Something\nbroke"))
    with pytest.raises(ApiError) as caught:
        fake.client().users_page(access, 1)
    assert caught.value.status == 500
    assert caught.value.message == "Teamleader answered 500 (Internal Server Error) to users.list: Something broke"


def test_network_failure_is_one_line(fake: FakeTeamleader) -> None:
    access, _ = fake.issue()
    fake.rsps.replace("POST", USERS_URL, body=requests.ConnectionError("boom"))
    with pytest.raises(TeamleaderError, match=r"^cannot reach Teamleader for users.list page 1: ConnectionError$"):
        fake.client().users_page(access, 1)


def test_a_user_without_an_id_is_refused(fake: FakeTeamleader) -> None:
    access, _ = fake.issue()
    fake.users_override.append(lambda _n: (200, {}, json.dumps({"data": [{"first_name": "x"}]})))
    with pytest.raises(ApiError, match="without an id"):
        fake.client().users_page(access, 1)


# --- settings -----------------------------------------------------------------------------------


def test_settings_name_exactly_what_is_missing() -> None:
    with pytest.raises(NotConfigured) as caught:
        load_settings({"TEAMLEADER_CLIENT_ID": "x"})
    assert "TEAMLEADER_CLIENT_SECRET, TEAMLEADER_REDIRECT_URI" in caught.value.message
    assert "TEAMLEADER_CLIENT_ID" not in caught.value.message
    assert "\n" not in caught.value.message


def test_a_sync_does_not_need_the_redirect_uri() -> None:
    settings = load_settings({"TEAMLEADER_CLIENT_ID": "x", "TEAMLEADER_CLIENT_SECRET": "y"}, need_redirect=False)
    assert (settings.api_url, settings.auth_url) == (DEFAULT_API_URL, DEFAULT_AUTH_URL)
    assert DEFAULT_API_URL == "https://api.focus.teamleader.eu"
    assert DEFAULT_AUTH_URL == "https://focus.teamleader.eu"


def test_url_overrides_and_secret_kept_out_of_repr() -> None:
    settings = load_settings({**ENV, "TEAMLEADER_API_URL": "http://127.0.0.1:9/"})
    assert settings.api_url == "http://127.0.0.1:9"
    assert ENV["TEAMLEADER_CLIENT_SECRET"] not in repr(settings)
    with pytest.raises(NotConfigured, match="TEAMLEADER_AUTH_URL"):
        load_settings({**ENV, "TEAMLEADER_AUTH_URL": "ftp://x"})
