"""The Deactivate users modal's type-ahead on a large account (`block_suggestion`).

Above a few hundred users a static list is too big for Slack (309 KB at 3,000); the modal has an
external select instead, and Slack asks here for options as the admin types. The options come from
the store (`people.search_active`: at most 100, admins first, then by name), are answered in the ack
(within 3 s) and only to admins; anybody else gets no options.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.core.errors import UserError
from bot.usecases import people
from handlers.blocks.modals import suggestions
from handlers.context import Ctx
from handlers.deps import Deps
from handlers.ids import Action

log = logging.getLogger(__name__)


def options_for(ctx: Ctx, typed: object) -> list[dict[str, Any]]:
    text = typed if isinstance(typed, str) else ""
    try:
        if not ctx.viewer().is_admin:
            return []
        return suggestions(people.search_active(ctx.deps.db, team=ctx.team, text=text))
    except UserError:
        return []


def register(app: App, deps: Deps) -> None:
    @app.options(Action.USERS_INPUT)
    def suggest(ack: Ack, payload: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        try:
            options = options_for(Ctx.of(deps, context, client), payload.get("value"))
        except Exception:
            log.exception("type-ahead of the Deactivate users modal failed")
            options = []
        ack(options=options)
