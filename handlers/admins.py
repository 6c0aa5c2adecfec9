"""When a license page is built and names admins without a Slack user id, look them up by email first
(users.lookupByEmail; bot/usecases/admin_links.py) and read the page again if any was found."""

from __future__ import annotations

from functools import partial

from bot.usecases import admin_links
from bot.usecases.snapshot import Snapshot
from handlers.context import Ctx, NeedsSlack
from handlers.webapi import user_id_for_email


def with_admins_linked(ctx: Ctx, snap: Snapshot, activity: int = 0) -> Snapshot:
    """`snap`, or a fresh one once unreachable admins were found in Slack (no extra read when there are none)."""
    if not snap.page.unreachable_admins:
        return snap
    if ctx.offline:
        raise NeedsSlack("users.lookupByEmail")
    lookup = partial(user_id_for_email, ctx.client)
    if admin_links.link_admins(ctx.deps.db, team=ctx.team, lookup=lookup, now=ctx.now()) == 0:
        return snap
    return ctx.snapshot(activity)
