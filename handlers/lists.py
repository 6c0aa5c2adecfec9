"""Whole lists on demand: the "See all" buttons open a paged modal; Previous / Next turn its pages.

The modal opens at once with the click's trigger id (valid 3 s) and is filled after; a page turn
updates the modal after the ack. What a button names is parsed with `ListRef.load` (bounded, typed):
anything else is an answer in the modal, not an error. Anyone who can see the license page can see
these lists (the page names the first few of them already).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.core.errors import UserError
from bot.core.results import ListKind, PagedList
from bot.usecases import lists
from handlers.blocks.lists import ListRef, list_view
from handlers.blocks.modals import loading_view, message_view
from handlers.blocks.mrkdwn import escape
from handlers.context import Ctx, body_view
from handlers.deps import Deps
from handlers.followup import later
from handlers.ids import Action

TITLE = "Users"
UNREADABLE = "That button does not name a list I know. Open the license page again (`/licenses`)."


def read(ctx: Ctx, ref: ListRef) -> PagedList:
    if ref.kind is ListKind.RENEWAL and ref.renewal is not None:
        return lists.deactivated_at(ctx.deps.db, team=ctx.team, renewal=ref.renewal, page=ref.page)
    return lists.at_risk(ctx.deps.db, team=ctx.team, now=ctx.now(), page=ref.page)


def view_for(ctx: Ctx, value: object) -> dict[str, Any]:
    ref = ListRef.load(value)
    if ref is None:
        return message_view(TITLE, UNREADABLE)
    try:
        ctx.viewer()  # the workspace must be linked (NotFound otherwise)
        return list_view(read(ctx, ref))
    except UserError as exc:
        return message_view(TITLE, escape(exc.message))


def _value(body: dict[str, Any]) -> object:
    acts = body.get("actions")
    return acts[0].get("value") if isinstance(acts, list) and acts and isinstance(acts[0], dict) else None


def register(app: App, deps: Deps) -> None:
    @app.action(Action.OPEN_LIST)
    def open_list(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        ack()
        ctx = Ctx.of(deps, context, client)
        opened = client.views_open(trigger_id=body["trigger_id"], view=loading_view(TITLE))
        view_id, view_hash = opened["view"]["id"], opened["view"].get("hash")
        value = _value(body)

        def fill() -> None:
            client.views_update(view_id=view_id, hash=view_hash, view=view_for(ctx, value))

        later(ctx, fill)

    @app.action(Action.LIST_PAGE)
    def turn_page(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        ack()
        ctx = Ctx.of(deps, context, client)
        view_id = body_view(body).get("id")
        value = _value(body)

        def turn() -> None:
            client.views_update(view_id=view_id, view=view_for(ctx, value))

        later(ctx, turn)
