"""Whole lists on demand: the "See all" buttons open a paged modal; Previous / Next turn its pages.

The modal opens at once with the click's trigger id (valid 3 s) and is filled after the ack
(`open_then_fill`); a page turn updates the modal after the ack (`acked`). What a button names is
parsed with `ListRef.load` (bounded, typed): anything else is an answer in the modal, not an error.
Anyone who can see the license page can see these lists (the page names the first few already).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.core.errors import UserError
from bot.core.results import ListKind, PagedList
from bot.i18n import N_, T_, _
from bot.usecases import lists
from handlers.blocks.lists import ListRef, list_view
from handlers.blocks.modals import message_view
from handlers.blocks.mrkdwn import escape
from handlers.blocks.state import action_value
from handlers.context import Ctx
from handlers.deps import Deps
from handlers.followup import acked, open_then_fill
from handlers.ids import Action

TITLE = T_("modal title", "Users")
UNREADABLE = N_("That button does not name a list I know. Open the license page again (`/licenses`).")


def read(ctx: Ctx, ref: ListRef) -> PagedList:
    if ref.kind is ListKind.RENEWAL and ref.renewal is not None:
        return lists.deactivated_at(ctx.deps.db, team=ctx.team, renewal=ref.renewal, page=ref.page)
    return lists.at_risk(ctx.deps.db, team=ctx.team, now=ctx.now(), page=ref.page)


def view_for(ctx: Ctx, value: object) -> dict[str, Any]:
    ref = ListRef.load(value)
    if ref is None:
        return message_view(TITLE, _(UNREADABLE))
    try:
        ctx.viewer()  # the workspace must be linked (NotFound otherwise)
        return list_view(read(ctx, ref))
    except UserError as exc:
        return message_view(TITLE, escape(exc.message))


def _open(ctx: Ctx, body: dict[str, Any]) -> None:
    value = action_value(body)
    open_then_fill(ctx, str(body.get("trigger_id") or ""), TITLE, lambda: view_for(ctx, value))


def _turn(ctx: Ctx, body: dict[str, Any]) -> None:
    view = body.get("view")
    view_id = view.get("id") if isinstance(view, dict) else None
    ctx.client.views_update(view_id=view_id, view=view_for(ctx, action_value(body)))


def register(app: App, deps: Deps) -> None:
    @app.action(Action.OPEN_LIST)
    def open_list(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        ack()
        _open(Ctx.of(deps, context, client), body)  # views.open with the click's trigger id, then filled later

    app.action(Action.LIST_PAGE)(acked(deps, _turn))
