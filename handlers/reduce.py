"""Remove user licenses: open the modal (from `/licenses reduce [N]` or the button), take the submission."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import usecases
from bot.core import notice, policy
from bot.core.audit import Actor
from bot.core.errors import TargetMoved, UserError
from bot.core.lines import parse_line_key
from bot.core.page import AccountTerms, LicensePage
from bot.core.policy import PolicyError
from bot.core.results import Submitted
from bot.i18n import N_, T_, _
from bot.i18n.formats import day
from bot.usecases.requests import Announcing
from handlers.blocks.lines import CHOOSE_IN_THE_FORM, LINE_GONE, line_choice_view
from handlers.blocks.messages import message
from handlers.blocks.modals import ReduceMeta, addon_reduce_view, message_view, reduce_view, seats_value
from handlers.blocks.page import not_admin_text
from handlers.blocks.state import action_value
from handlers.context import Ctx
from handlers.deps import Deps
from handlers.errors import after_saving
from handlers.followup import later, open_then_fill
from handlers.home import RECENT, admins_view, refresh_admin_homes
from handlers.ids import Action, Block, View

log = logging.getLogger(__name__)
TITLE = T_("modal title", "Remove user licenses")


def open_reduce(ctx: Ctx, trigger_id: str, prefill: str | None = None) -> None:
    """The Remove user licenses modal (from `/licenses reduce [N]` or the button); on an account with several
    license lines it first asks which one."""

    def fill() -> dict[str, Any]:
        viewer = ctx.viewer()
        if not viewer.is_admin:
            return message_view(TITLE, not_admin_text(viewer))
        page = usecases.license_page(ctx.deps.db, team=ctx.team, now=ctx.now())
        typed = policy.parse_seat_count(prefill) if prefill else None
        if page.multi_line:
            return line_choice_view(page, typed)
        return reduce_view(page, prefill=typed)

    open_then_fill(ctx, trigger_id, TITLE, fill)


def line_view(page: LicensePage, key: str, *, prefill: int | None = None, note: str | None = None) -> dict[str, Any]:
    """The form that reduces line `key` (the package line's is the original one)."""
    state = page.line(key)
    if state is None:
        return message_view(TITLE, _(LINE_GONE))
    if state.line.is_package:
        return reduce_view(page, prefill=prefill, note=note)
    return addon_reduce_view(page, state, prefill=prefill, note=note)


def choose_line(ctx: Ctx, body: dict[str, Any]) -> None:
    """A line chosen in the first step: the same modal becomes that line's form."""
    view_id = str((body.get("view") or {}).get("id") or "")
    key, _sep, typed = str(action_value(body) or "")[:24].partition(":")  # "line key[:N typed with the command]"
    if not view_id:  # the button lives in the Remove licenses form only
        ctx.reply(message(_(CHOOSE_IN_THE_FORM)))
        return
    viewer = ctx.viewer()
    if not viewer.is_admin:
        content = message_view(TITLE, not_admin_text(viewer))
    else:
        page = usecases.license_page(ctx.deps.db, team=ctx.team, now=ctx.now())
        content = line_view(page, key[:12], prefill=policy.parse_seat_count(typed) if typed else None)
    ctx.client.views_update(view_id=view_id, view=content)


def on_submit(ctx: Ctx, ack: Ack, view: dict[str, Any]) -> None:
    """Validate again on the server; problems go under the field, success is stored then announced."""
    db, now = ctx.deps.db, ctx.now()
    raw = seats_value(view)
    shown = ReduceMeta.load(view.get("private_metadata"))
    try:
        line = parse_line_key(shown.line) if shown is not None else None
        # Before the ack only the use case: it checks first that the form's renewal is still the target one.
        # ... which also reads, in its transaction, the admins' Homes and the messages to post after the ack
        stored = usecases.submit_and_read(
            db,
            team=ctx.team,
            actor=Actor.slack(ctx.user),
            seats=raw,
            now=now,
            announce=partial(announcements, ctx.user),
            activity=RECENT,
            line=line,
            renewal=shown.renewal if shown is not None else None,
        )
    except TargetMoved as moved:
        assert shown is not None
        page = usecases.license_page(db, team=ctx.team, now=now)
        note = _(
            "The deadline for the renewal of {missed} passed while this form was open: the request now applies "
            "to the renewal of {renewal}. Check and submit again.",
            missed=day(moved.shown),
            renewal=day(page.target.renewal),
        )
        updated = line_view(page, shown.line, prefill=policy.parse_seat_count(raw), note=note)
        ack(response_action="update", view=updated)
        return
    except PolicyError as exc:
        ack(response_action="errors", errors={Block.SEATS: str(exc)})
        return
    except UserError as exc:  # Invalid, Conflict (a pending request exists), NotAllowed, NotFound
        ack(response_action="errors", errors={Block.SEATS: exc.message})
        return
    ack()
    later(ctx, lambda: announce(ctx, stored, now), saved=N_("Your request"))


def announcements(requester: str, done: Submitted, terms: AccountTerms) -> list[tuple[str, dict[str, Any]]]:
    """What tells about a stored request (queued with it): a DM to the requester, a post in the admin channel;
    queued as notices, worded when sent in each reader's language (handlers/blocks/rendered.py)."""
    messages = [(requester, notice.encode(notice.RequestSubmitted(done, terms)))]
    if terms.admin_channel:
        messages.append((terms.admin_channel, notice.encode(notice.RequestSubmitted(done, terms, requester))))
    return messages


def announce(ctx: Ctx, stored: Announcing, now: datetime) -> None:
    """After the ack (nothing here can lose the request or its announcements, stored together): send them
    now, and every admin's App Home (both as the submission's transaction read them)."""
    with after_saving(N_("Your request")):
        refresh_admin_homes(
            ctx,
            stored.homes or admins_view(ctx, now),
            along=[partial(ctx.deliver, stored.done.announced, stored.queued)],
        )


def register(app: App, deps: Deps) -> None:
    @app.action(Action.OPEN_REDUCE)
    def open_button(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        ack()
        open_reduce(Ctx.of(deps, context, client), str(body.get("trigger_id") or ""))

    @app.action(Action.CHOOSE_LINE)
    def choose(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        ack()
        ctx = Ctx.of(deps, context, client)
        later(ctx, lambda: choose_line(ctx, body))

    @app.view(View.REDUCE)
    def submit(ack: Ack, view: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        on_submit(Ctx.of(deps, context, client), ack, view)
