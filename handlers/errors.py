"""The one error handler: every failure a listener did not answer becomes a clear message to the user."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import OperationalError

from bot.errors import Unavailable, UserError
from handlers.blocks.messages import error_message
from handlers.blocks.mrkdwn import escape
from handlers.context import Ctx
from handlers.deps import Deps

log = logging.getLogger(__name__)
UNAVAILABLE = "The license database cannot be reached right now: nothing was saved. Try again in a minute."
INTERNAL = "Something went wrong on our side; it was logged. Look at `/licenses` before you try again."


def explain(error: Exception) -> str:
    """The mrkdwn line for an error (people's text in UserError messages is escaped)."""
    if isinstance(error, UserError):
        return escape(error.message)
    if isinstance(error, Unavailable | OperationalError):
        log.error("database unavailable: %s", error)
        return UNAVAILABLE
    log.error("unexpected error in a Slack listener", exc_info=error)
    return INTERNAL


def register(app: App, deps: Deps) -> None:
    @app.error
    def on_error(error: Exception, context: BoltContext, client: WebClient, respond: Respond) -> None:
        text = explain(error)
        ctx = Ctx.of(deps, context, client, respond)
        if not ctx.user:
            return
        try:
            ctx.reply(error_message(text))
        except SlackApiError as exc:
            log.warning("could not tell %s about an error: %s", ctx.user, exc.response.get("error"))
