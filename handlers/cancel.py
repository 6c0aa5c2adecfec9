"""Cancel the pending request: `/licenses cancel` asks first; the Cancel buttons carry a confirm dialog."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import App

from bot import usecases
from bot.core.audit import Actor
from bot.core.errors import UserError
from bot.core.page import AccountTerms, PendingRequest
from bot.i18n import N_, _, variants
from handlers.blocks.messages import Message, cancel_question, cancelled_message, cancelled_post, message
from handlers.blocks.state import action_value, parse_id
from handlers.blocks.wording import line_label
from handlers.context import Ctx
from handlers.deps import Deps
from handlers.errors import after_saving
from handlers.followup import acked
from handlers.home import admins_view, refresh_admin_homes
from handlers.ids import Action


def ask(ctx: Ctx) -> None:
    """`/licenses cancel`: show the pending request and a confirmation button."""
    if ctx.require_admin() is None:
        return
    page = usecases.license_page(ctx.deps.db, team=ctx.team, now=ctx.now())
    pending = [ls for ls in page.lines if ls.pending is not None]
    if not pending:
        ctx.reply(message(_("There is no pending request to cancel.")))
        return
    if len(pending) == 1 and not page.multi_line:
        assert page.pending is not None
        ctx.reply(cancel_question(page.pending))
        return
    questions = [cancel_question(ls.pending, line_label(ls.line)) for ls in pending if ls.pending is not None]
    ctx.reply(message(questions[0]["text"], [b for q in questions for b in q["blocks"]]))


def cancel(ctx: Ctx, value: object, *, replace: bool) -> None:
    request_id = parse_id(value)
    if request_id is None:
        raise UserError(_("That button does not name a request; run `/licenses cancel` again."))
    db, now = ctx.deps.db, ctx.now()
    done = usecases.cancel_request(
        db,
        team=ctx.team,
        actor=Actor.slack(ctx.user),
        now=now,
        request_id=request_id,
        announce=partial(announcements, ctx.user),
    )
    with after_saving(N_("The cancellation")):
        ctx.reply(cancelled_message(done), replace=replace)
        refresh_admin_homes(ctx, admins_view(ctx, now), along=[partial(ctx.deliver, done.announced)])


def announcements(by: str, done: PendingRequest, terms: AccountTerms) -> list[tuple[str, Message]]:
    """What tells about a cancellation (queued with it): a post in the admin channel."""
    return [(terms.admin_channel, variants(lambda: cancelled_post(done, by)))] if terms.admin_channel else []


def _from_button(ctx: Ctx, body: dict[str, Any]) -> None:
    # Slack showed the button's confirm dialog before it sent this click.
    cancel(ctx, action_value(body), replace=False)


def _from_question(ctx: Ctx, body: dict[str, Any]) -> None:
    cancel(ctx, action_value(body), replace=True)


def register(app: App, deps: Deps) -> None:
    app.action(Action.CANCEL_REQUEST)(acked(deps, _from_button))
    app.action(Action.CONFIRM_CANCEL)(acked(deps, _from_question))
