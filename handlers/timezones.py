"""`user_change` events: a user's Slack timezone changed (or anything else of their profile); store it so
their reminder DMs keep going at 09:00 their time (the worker also refreshes it daily)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.usecases.people import store_timezone
from handlers.deps import Deps


def register(app: App, deps: Deps) -> None:
    @app.event("user_change")
    def user_changed(event: dict[str, Any], context: BoltContext) -> None:
        raw = event.get("user")
        user: dict[str, Any] = raw if isinstance(raw, dict) else {}
        user_id, tz = user.get("id"), user.get("tz")
        team = context.team_id or user.get("team_id") or ""
        if isinstance(user_id, str) and isinstance(tz, str) and team:
            store_timezone(deps.db, team=team, user_id=user_id[:32], timezone=tz[:64], now=deps.now())
