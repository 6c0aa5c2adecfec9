"""App Home: the license page for whoever opens the Home tab, refreshed for admins after changes."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import people, usecases
from bot.errors import NotFound
from handlers.blocks.page import home_view, unlinked_home_view
from handlers.consent_page import consent_blocks
from handlers.context import Ctx
from handlers.deps import Deps
from handlers.errors import UNAVAILABLE, unavailable

log = logging.getLogger(__name__)
RECENT = 6


def build_home(ctx: Ctx, user_id: str) -> dict[str, Any]:
    db, now = ctx.deps.db, ctx.now()
    try:
        viewer = people.identify(db, team=ctx.team, user_id=user_id, now=now, email_of=ctx.email_of)
        page = usecases.license_page(db, team=ctx.team, now=now)
    except NotFound as exc:
        return unlinked_home_view(exc.message)
    activity = usecases.history(db, team=ctx.team, limit=RECENT)
    return home_view(page, viewer, activity, consent_blocks(ctx, viewer))


def publish_home(ctx: Ctx, user_id: str) -> bool:
    """Publish the page; while the database is unavailable the page says so (no DM for opening a tab)."""
    try:
        view = build_home(ctx, user_id)
    except Exception as exc:
        if not unavailable(exc):
            raise
        log.error("App Home for %s: database unavailable: %s", user_id, str(exc).splitlines()[0])
        view = unlinked_home_view(UNAVAILABLE)
    try:
        ctx.client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.warning("views.publish for %s failed: %s", user_id, exc.response.get("error"))
        return False
    return True


def refresh_admin_homes(ctx: Ctx) -> int:
    """Publish the page again for every admin with a Slack user id; a failure for one does not stop the rest."""
    return sum(publish_home(ctx, uid) for uid in people.admin_user_ids(ctx.deps.db, team=ctx.team))


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        ctx = Ctx.of(deps, context, client)
        publish_home(ctx, event.get("user") or ctx.user)
