"""The one error handler: every failure a listener did not answer becomes a clear message to the user.

- A refusal or bad input (UserError): its message. The database unreachable: "nothing was saved, try
  again". Slack refusing to open a modal: "try again in a moment". Anything else: logged, and a
  generic line.
- A failure after a change was stored (`after_saving`: the announcements, the App Homes) says the change
  stands: "nothing was saved" there would make people submit again.
- A modal submission that failed before its ack gets the message under its first input (the modal
  stays open, as typed); other requests get it ephemerally (response_url) or as a DM.
- Slack always gets a 200 for a request it sent us (a 500 makes it show its own vague error).
- A request that was never authorized (it failed before Bolt's authorization, e.g. in verification)
  is answered to nobody: its user id and response_url are not to be trusted.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.errors import Busy, NotLinked, Unavailable, UserError
from bot.i18n import N_, _
from handlers.blocks.messages import error_message
from handlers.blocks.modals import message_view
from handlers.blocks.mrkdwn import escape
from handlers.context import Ctx
from handlers.deps import Deps

log = logging.getLogger(__name__)
UNAVAILABLE = N_("The license database cannot be reached right now: nothing was saved. Try again in a minute.")
BUSY = N_("The license database is busy right now: nothing was saved. Try again in a moment.")
INTERNAL = N_("Something went wrong on our side; it was logged. Look at `/licenses` before you try again.")
OVERLOADED = N_(
    "licensebot is busy right now and could not get to this in time: nothing was changed. Try again in a minute."
)
"""These are catalog ids: show them as `_(UNAVAILABLE)` (in the reader's language)."""
"""The answer when the work after an ack could not start in time (handlers/followup.py sheds it)."""


def saved_but_busy(what: str) -> str:
    """The answer when the work after a stored change was shed: the change stands, its messages follow."""
    return _(
        "{what} was saved. licensebot is busy right now: the messages about it follow within a few minutes. "
        "Nothing needs to be done again: `/licenses` shows it.",
        what=_(what),
    )


MODAL_METHODS = ("views.open", "views.update", "views.push")


class SavedButNotTold(Exception):
    """Work after a stored change failed (its __cause__): the change stands, telling about it did not end."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


@contextmanager
def after_saving(what: str) -> Iterator[None]:
    """Wrap the work that follows a stored change (`what`, e.g. "Your request"): a failure in it reaches
    the user as "`what` was saved" rather than as the failure's usual "nothing was saved"."""
    try:
        yield
    except Exception as exc:
        raise SavedButNotTold(what) from exc


def unavailable(error: Exception) -> bool:
    """The database could not be used (down, connection lost): nothing was committed."""
    return isinstance(error, Unavailable)


def _slack_method(error: SlackApiError) -> str:
    url = str(getattr(error.response, "api_url", "") or "")
    return url.rstrip("/").rsplit("/", 1)[-1]


def not_linked(team: str) -> str:
    """The answer in a workspace no account is linked to (plain text)."""
    return _(
        "No licensebot account is linked to the Slack workspace {team}. An operator links it with "
        "`licensebot account add --team {team} ...`. With a link code from your provider, a workspace admin types "
        "`/licenses link CODE`.",
        team=team,
    )


def explain(error: Exception) -> str:
    """The mrkdwn line for an error (people's text in UserError messages is escaped)."""
    if isinstance(error, NotLinked):
        return escape(not_linked(error.team))
    if isinstance(error, UserError):
        return escape(error.message)
    if isinstance(error, SavedButNotTold):
        cause = error.__cause__
        log.error("after a stored change (%s)", error.what, exc_info=cause if isinstance(cause, Exception) else None)
        return _(
            "{what} was saved, but not everybody could be told about it just now (messages, license pages). "
            "Nothing needs to be done again: `/licenses` shows it.",
            what=_(error.what),
        )
    if isinstance(error, Busy):
        log.warning("database busy: %s", str(error).splitlines()[0] if str(error) else type(error).__name__)
        return _(BUSY)
    if unavailable(error):
        log.error("database unavailable: %s", str(error).splitlines()[0] if str(error) else type(error).__name__)
        return _(UNAVAILABLE)
    if isinstance(error, SlackApiError) and _slack_method(error) in MODAL_METHODS:
        code = error.response.get("error") or "error"
        log.warning("%s failed: %s", _slack_method(error), code)
        return _(
            "Slack could not open the form just now (`{code}`). Nothing was changed: try again.", code=escape(str(code))
        )
    log.error("unexpected error in a Slack listener", exc_info=error)
    return _(INTERNAL)


def _first_input(view: dict[str, Any]) -> str | None:
    for block in view.get("blocks") or []:
        if isinstance(block, dict) and block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return None


def modal_answer(body: dict[str, Any], text: str) -> BoltResponse:
    """The ack of a failed submission: the message under the first input, else the modal replaced by it."""
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    block = _first_input(view or {})
    if block is not None:
        answer: dict[str, Any] = {"response_action": "errors", "errors": {block: text}}
    else:
        answer = {"response_action": "update", "view": message_view("licensebot", f"⛔ {text}")}
    return BoltResponse(status=200, body=json.dumps(answer), headers={"content-type": "application/json"})


def tell(ctx: Ctx, text: str) -> None:
    """Tell the user what failed: ephemerally through the response_url, else as a DM."""
    if ctx.user:
        try:
            ctx.reply(error_message(text))
        except SlackApiError as exc:
            log.warning("could not tell %s about an error: %s", ctx.user, exc.response.get("error"))


def register(app: App, deps: Deps) -> None:
    @app.error
    def on_error(
        error: Exception,
        body: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        respond: Respond,
        response: BoltResponse | None,
    ) -> BoltResponse | None:
        if context.authorize_result is None:
            log.warning("a request failed before it was authorized; not answered: %s", type(error).__name__)
            return None
        text = explain(error)
        acked = context.ack.response
        if acked is None and body.get("type") == "view_submission":
            # Slack waits for this ack: the answer goes in the modal. (`response` is None only when the
            # listener already acked, in a thread: then Slack has its answer.)
            return modal_answer(body, text) if response is not None else None
        tell(Ctx.of(deps, context, client, respond), text)
        if response is None:
            return None
        if acked is not None:  # what the listener acked with stands (not a 500)
            return BoltResponse(status=acked.status, body=acked.body, headers=acked.headers)
        return BoltResponse(status=200, body="")
