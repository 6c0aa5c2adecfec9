"""App Home: the license page for whoever opens the Home tab, refreshed for admins after changes."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import i18n
from bot.core.audit import ActivityEntry
from bot.core.consent import Consent
from bot.core.errors import NotFound, NotLinked
from bot.core.page import LicensePage
from bot.core.results import Viewer
from bot.i18n import _
from bot.usecases import snapshot
from bot.usecases.snapshot import AdminsView
from handlers.admins import with_admins_linked
from handlers.blocks.consent import consent_section
from handlers.blocks.home_tab import unlinked_home_view
from handlers.blocks.mrkdwn import Block
from handlers.blocks.page import home_view
from handlers.context import Ctx
from handlers.deps import Call, Deps
from handlers.errors import OVERLOADED, UNAVAILABLE, not_linked, unavailable
from handlers.followup import later

log = logging.getLogger(__name__)
RECENT = 6


@dataclass(frozen=True)
class Shared:
    """What every admin's App Home shows alike: read once when all of them are refreshed."""

    page: LicensePage
    activity: list[ActivityEntry]
    consents: dict[int, Consent] | None = None
    parts: dict[tuple[str, ...], list[Block]] = field(default_factory=dict)
    """The blocks every admin reading the page in one language sees alike, built for the first of them."""


def build_home(ctx: Ctx, user_id: str, shared: Shared | None = None, viewer: Viewer | None = None) -> dict[str, Any]:
    """The Home view. `shared` and `viewer` come together (every admin's Home refreshed after a change) or
    not at all (someone opened the tab: one read for all of it, bot/usecases/snapshot.py)."""
    if shared is None or viewer is None:
        try:
            snap = snapshot.read(
                ctx.deps.db, team=ctx.team, user_id=user_id, now=ctx.now(), email_of=ctx.email_of, activity=RECENT
            )
        except NotLinked as exc:
            return unlinked_home_view(not_linked(exc.team), link=True)
        except NotFound as exc:
            return unlinked_home_view(exc.message, link=True)
        snap = with_admins_linked(ctx, snap, RECENT)
        viewer, shared = snap.viewer, Shared(snap.page, snap.activity, snap.consents)
    return home_view(shared.page, viewer, shared.activity, consent_section(viewer, shared.consents), shared.parts)


def publish_home(ctx: Ctx, user_id: str, shared: Shared | None = None, viewer: Viewer | None = None) -> bool:
    """Publish the page; while the database is unavailable the page says so (no DM for opening a tab)."""
    return _publish(ctx, user_id, _home_or_unavailable(ctx, user_id, shared, viewer))


def _home_or_unavailable(ctx: Ctx, user_id: str, shared: Shared | None, viewer: Viewer | None) -> dict[str, Any]:
    try:
        return build_home(ctx, user_id, shared, viewer)
    except Exception as exc:
        if not unavailable(exc):
            raise
        log.error("App Home for %s: database unavailable: %s", user_id, str(exc).splitlines()[0])
        return unlinked_home_view(_(UNAVAILABLE))


def _publish(ctx: Ctx, user_id: str, view: dict[str, Any]) -> bool:
    try:
        ctx.client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.warning("views.publish for %s failed: %s", user_id, exc.response.get("error"))
        return False
    return True


def admins_view(ctx: Ctx, now: datetime | None = None) -> AdminsView:
    """The admins and what their App Homes show, as of `now` (default: the clock), in one read."""
    return snapshot.for_admins(ctx.deps.db, team=ctx.team, now=now or ctx.now(), activity=RECENT)


def refresh_admin_homes(ctx: Ctx, view: AdminsView | None = None, *, along: Sequence[Call] = ()) -> int:
    """Publish the page again for every admin with a Slack user id; a failure for one does not stop the rest.

    The admins, the license page, the recent activity and the consents are read once for all of them
    (`view` if the caller read it already; reading them per admin was most of a reduction's cost at 1,000
    members). The views are built here, then sent with `along` (the change's other calls: a DM, a post)
    through `Deps.together`: at the same time over HTTP, `along` first in tests. Returns how many Homes
    Slack took.
    """
    view = view or admins_view(ctx)
    shared = Shared(view.page, view.activity, view.consents)
    homes = []
    for v in view.viewers:
        with i18n.use(view.languages.get(v.user_id)):  # each admin reads their Home in their own language
            homes.append((v.user_id, _home_or_unavailable(ctx, v.user_id, shared, v)))
    sent = ctx.deps.together([*along, *(partial(_publish, ctx, user_id, home) for user_id, home in homes)])
    return sum(sent[len(along) :])


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        ctx = Ctx.of(deps, context, client)  # Bolt acks events itself, before the listener runs
        user = str(event.get("user") or ctx.user)

        def publish() -> None:
            publish_home(ctx, user)

        def busy() -> None:  # shed: the tab says so (a DM for opening a tab would be noise)
            _publish(ctx, user, unlinked_home_view(_(OVERLOADED)))

        later(ctx, publish, busy=busy)
