"""The worker's `Timezones` port over Slack's Web API: a user's timezone (and Slack locale) from users.info
(users:read; include_locale=true)."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.webapi import REFUSED_TOKEN


class SlackTimezones:
    def __init__(
        self, client_for: Callable[[str], WebClient | None], *, refused: Callable[[str], None] | None = None
    ) -> None:
        """`client_for(team)`: the Web API client of that workspace; None when the app is not installed there
        (many workspaces), and then Slack says nothing about its people. `refused(team)` (many workspaces):
        that workspace's token was refused; it is told so and its people's timezones are not known for now,
        rather than the refusal stopping the refresh of every other workspace."""
        self._client_for = client_for
        self._refused = refused
        self.locales: dict[tuple[str, str], str | None] = {}

    def timezone(self, team: str, user_id: str) -> str | None:
        client = self._client_for(team)
        if client is None:
            return None
        try:
            user = client.users_info(user=user_id, include_locale=True).get("user") or {}
        except SlackApiError as exc:
            data = exc.response.data
            error = data.get("error") if isinstance(data, dict) else None
            if self._refused is None or error not in REFUSED_TOKEN:
                raise
            self._refused(team)
            return None
        found = user.get("locale")
        self.locales[(team, user_id)] = found if isinstance(found, str) and found else None
        tz = user.get("tz")
        return tz if isinstance(tz, str) and tz else None

    def locale(self, team: str, user_id: str) -> str | None:
        """The Slack locale the last `timezone` call for this user saw (the same users.info answer)."""
        return self.locales.pop((team, user_id), None)
