"""The worker's `Timezones` port over Slack's Web API: a user's timezone from users.info (users:read)."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient


class SlackTimezones:
    def __init__(self, client_for: Callable[[str], WebClient]) -> None:
        """`client_for(team)`: the Web API client of that workspace."""
        self._client_for = client_for

    def timezone(self, team: str, user_id: str) -> str | None:
        user = self._client_for(team).users_info(user=user_id).get("user") or {}
        tz = user.get("tz")
        return tz if isinstance(tz, str) and tz else None
