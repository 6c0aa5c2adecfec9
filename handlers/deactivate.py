"""Deactivate users by hand: `/licenses deactivate @user …` and the Deactivate users modal.

This never lowers the number of licenses; every answer says so. Admins without written consent are
not deactivated: they go to `start_consent_flow`, the one place where the consent flow will start.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import usecases
from bot.core.audit import Actor
from bot.core.errors import UserError
from bot.core.ids import MENTION
from bot.core.results import DeactivationResult
from bot.i18n import N_, T_, _, variants
from bot.usecases import people
from handlers import consent as consent_feature
from handlers.blocks.deactivation import deactivate_question, deactivated_message
from handlers.blocks.messages import Message, message
from handlers.blocks.modals import STATIC_LIMIT, deactivate_view, message_view, selected_member_ids
from handlers.blocks.mrkdwn import escape, line_sections
from handlers.blocks.page import not_admin_text
from handlers.blocks.state import action_value, parse_id
from handlers.context import Ctx
from handlers.deps import Deps
from handlers.errors import after_saving
from handlers.followup import acked, later, open_then_fill
from handlers.home import refresh_admin_homes
from handlers.ids import Action, Block, View

TITLE = T_("modal title", "Deactivate users")
MAX_AT_ONCE = 50
"""Users one `/licenses deactivate @a @b …` may name (the confirm button carries their ids)."""


def start_consent_flow(ctx: Ctx, admins: Sequence[tuple[int, str]]) -> list[str]:
    """THE hook for the admin consent flow (consent issue).

    Called with (member id, name) of each admin chosen for deactivation who has not given written
    consent that their admin rights may be removed. Returns the lines (mrkdwn) to tell the requester.
    It asks each of them for consent (handlers/consent.py).
    """
    return consent_feature.start_flow(ctx, admins)


def deactivate(ctx: Ctx, member_ids: Sequence[int]) -> DeactivationResult:
    return usecases.deactivate_members(
        ctx.deps.db, team=ctx.team, actor=Actor.slack(ctx.user), member_ids=member_ids, now=ctx.now()
    )


def answer(ctx: Ctx, result: DeactivationResult, unknown: Sequence[str] = ()) -> Message:
    """What the requester is told; admins without consent go to the consent hook first."""
    consent = start_consent_flow(ctx, list(zip(result.needs_consent_ids, result.needs_consent, strict=True)))
    return deactivated_message(result, unknown=unknown, consent_lines=consent)


def from_command(ctx: Ctx, text: str, trigger_id: str) -> None:
    """`/licenses deactivate @a @b`; without names it opens the modal."""
    user_ids = MENTION.findall(text)
    rest = MENTION.sub(" ", text).split()
    if not user_ids and not rest:
        open_modal(ctx, trigger_id)
        return
    if rest:
        ctx.reply(
            message(
                _(
                    "I could not read {text} as users: nothing was deactivated. Mention them with @ "
                    "(`/licenses deactivate @ann @bram`), or run `/licenses deactivate` to choose from a list.",
                    text=escape(" ".join(rest)),
                )
            )
        )
        return
    if len(set(user_ids)) > MAX_AT_ONCE:
        ctx.reply(message(_("At most {most} users at a time: nothing was deactivated.", most=MAX_AT_ONCE)))
        return
    if ctx.require_admin() is None:
        return
    found = people.resolve_many(ctx.deps.db, team=ctx.team, user_ids=user_ids, now=ctx.now(), email_of=ctx.email_of)
    chosen = [p for p in found.members.values() if p.active]
    if not chosen:
        result = deactivate(ctx, [p.member_id for p in found.members.values()])  # only "already" / unknown: said
        ctx.reply(answer(ctx, result, found.unknown))
        return
    ctx.reply(deactivate_question(chosen, found.unknown))  # confirmed with the button: on_confirm


def on_confirm(ctx: Ctx, body: dict[str, Any]) -> None:
    """The "Yes, deactivate" button of the question: deactivate exactly the users it names."""
    parts = str(action_value(body) or "").split(",")
    ids = [parse_id(p) for p in parts[: MAX_AT_ONCE + 1]]
    if not parts or len(parts) > MAX_AT_ONCE or any(i is None for i in ids):
        ctx.reply(message(_("That button does not name users; run `/licenses deactivate` again.")))
        return
    result = deactivate(ctx, [i for i in ids if i is not None])
    with after_saving(N_("The deactivation")):
        ctx.reply(answer(ctx, result), replace=True)
        refresh_admin_homes(ctx)


def open_modal(ctx: Ctx, trigger_id: str) -> None:
    def fill() -> dict[str, Any]:
        viewer = ctx.viewer()
        if not viewer.is_admin:
            return message_view(TITLE, not_admin_text(viewer))
        page = usecases.license_page(ctx.deps.db, team=ctx.team, now=ctx.now())
        listed = people.active_people(ctx.deps.db, team=ctx.team, limit=STATIC_LIMIT + 1)
        small = len(listed) <= STATIC_LIMIT
        automatic = {m.id for m in page.deactivation.chosen} if page.deactivation else set()
        return deactivate_view(
            listed if small else None, active=page.active, has_pending=page.pending is not None, automatic=automatic
        )

    open_then_fill(ctx, trigger_id, TITLE, fill)


def on_submit(ctx: Ctx, ack: Ack, view: dict[str, Any]) -> None:
    ids = selected_member_ids(view)
    if not ids:
        ack(response_action="errors", errors={Block.USERS: _("Choose at least one user from the list.")})
        return
    try:
        result = usecases.deactivate_members(
            ctx.deps.db,
            team=ctx.team,
            actor=Actor.slack(ctx.user),
            member_ids=ids,
            now=ctx.now(),
            announce=lambda done, _terms: [(ctx.user, variants(lambda: deactivated_message(done)))],
        )
    except UserError as exc:
        ack(response_action="errors", errors={Block.USERS: exc.message})
        return
    ack()

    def announce() -> None:
        with after_saving(N_("The deactivation")):
            ctx.deliver(result.announced)  # the result, queued with the deactivation
            asked = start_consent_flow(ctx, list(zip(result.needs_consent_ids, result.needs_consent, strict=True)))
            if asked:
                ctx.dm(ctx.user, message(asked[0], line_sections(asked)))
            refresh_admin_homes(ctx)

    later(ctx, announce, saved=N_("The deactivation"))


def register(app: App, deps: Deps) -> None:
    @app.action(Action.OPEN_DEACTIVATE)
    def open_button(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        ack()
        open_modal(Ctx.of(deps, context, client), str(body.get("trigger_id") or ""))

    app.action(Action.CONFIRM_DEACTIVATE)(acked(deps, on_confirm))

    @app.view(View.DEACTIVATE)
    def submit(ack: Ack, view: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        on_submit(Ctx.of(deps, context, client), ack, view)
