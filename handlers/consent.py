"""The admin consent flow in Slack: ask (command, page button, Deactivate users), review, sign, decline, revoke.

Every click and submission of the target admin is checked by the use cases in bot/usecases/consent_answers.py
against the acting Slack user id AND team taken from Slack's signed payload; the consent id in a button value or
in private_metadata only says which consent is meant. Anybody else is refused and nothing changes.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import i18n
from bot.core.audit import Actor
from bot.core.consent import AGREE, SIGNATURE, Consent, SlackIdentity
from bot.core.errors import NotAllowed, UserError
from bot.core.ids import MENTION, USER_ID
from bot.core.page import AccountTerms
from bot.i18n import N_, T_, _, variants
from bot.usecases import consent, consent_answers, people
from bot.usecases.consent_answers import REFUSAL, ConsentInvalid
from handlers.blocks import consent as blocks
from handlers.blocks.messages import Message, message
from handlers.blocks.modals import message_view
from handlers.blocks.mrkdwn import escape, mention
from handlers.blocks.state import action_value, parse_id
from handlers.context import Ctx
from handlers.deps import Deps
from handlers.errors import after_saving
from handlers.followup import acked, at_once, later
from handlers.home import refresh_admin_homes
from handlers.ids import Action, View
from handlers.ids import Block as BlockId

log = logging.getLogger(__name__)
FIELD_BLOCKS = {AGREE: BlockId.CONSENT_CHECKBOX, SIGNATURE: BlockId.SIGNATURE}
CONSENT_TITLE = T_("modal title", "Consent")
NOT_YOURS_TITLE = T_("modal title", "Not your consent")
GIVEN_TITLE = T_("modal title", "Consent given")
USAGE = N_("Mention the admin to ask: `/licenses consent @name`.")


def identity(body: dict[str, Any], ctx: Ctx) -> SlackIdentity:
    """The acting user and their workspace, from the signed payload (never from private_metadata)."""
    user = body.get("user")
    if not isinstance(user, dict):
        user = {}
    return SlackIdentity(user_id=str(user.get("id") or ctx.user), team_id=str(user.get("team_id") or ctx.team))


def _consent_id(value: object) -> int:
    consent_id = parse_id(value)
    if consent_id is None:
        raise UserError(_("That button does not name a consent request; open the license page again."))
    return consent_id


def answer_announcements(c: Consent, _terms: AccountTerms) -> list[tuple[str, Message]]:
    """What tells about an answer (queued with it): the requester (DM) and the admin channel."""
    note = variants(lambda: blocks.notice(c))
    messages = []
    if USER_ID.match(c.requested_by) and c.requested_by != c.member_user_id:
        messages.append((c.requested_by, note))
    if c.admin_channel:
        messages.append((c.admin_channel, note))
    return messages


def request_announcements(c: Consent, _terms: AccountTerms) -> list[tuple[str, Message]]:
    """What tells about a request for consent (queued with it): the admin asked (DM), the admin channel."""
    messages = [(c.member_user_id, variants(lambda: blocks.request_dm(c)))] if c.member_user_id else []
    if c.admin_channel:
        messages.append((c.admin_channel, variants(lambda: blocks.notice(c))))
    return messages


def _tell_others(ctx: Ctx, c: Consent) -> None:
    """The requester (DM), the admin channel (both queued with the answer) and every admin's license page
    learn about `c`."""
    team_ctx = dataclasses.replace(ctx, team=c.team_id)
    with after_saving(N_("Your answer")):
        refresh_admin_homes(team_ctx, along=[partial(team_ctx.deliver, c.announced)])


# --- asking -----------------------------------------------------------------------------------------


def ask(ctx: Ctx, *, member_id: int | None = None, user_id: str | None = None) -> tuple[Consent, bool]:
    """Store the request, DM the target admin; (the consent, whether the DM was delivered)."""
    c = consent.request_consent(
        ctx.deps.db,
        team=ctx.team,
        actor=Actor.slack(ctx.user),
        member_id=member_id,
        user_id=user_id,
        now=ctx.now(),
        announce=request_announcements,
    )
    with after_saving(N_("The consent request")):
        sent = ctx.deliver_report(c.announced)
        delivered = any(o.target == c.member_user_id for o in sent.sent)
        refresh_admin_homes(ctx)
    return c, delivered


def start_flow(ctx: Ctx, admins: Sequence[tuple[int, str]]) -> list[str]:
    """The Deactivate users hook: ask each admin without consent; the lines (mrkdwn) for the requester."""
    lines = []
    for member_id, name in admins:
        why = _(
            ":lock: {name} is an admin and was not deactivated: an admin can only be deactivated after they give "
            "written consent that their admin rights may be removed.",
            name=escape(name),
        )
        try:
            c, delivered = ask(ctx, member_id=member_id)
        except UserError as exc:
            lines.append(f"{why} {escape(exc.message)}")
            continue
        if delivered:
            asked = _(
                "I asked {who} for it in a direct message; you will be told when they answer. Deactivate them once "
                "they have consented.",
                who=blocks.target(c),
            )
        else:
            asked = _(
                "I asked {who} for it on their licensebot Home tab (I could not message them); you will be told when "
                "they answer. Deactivate them once they have consented.",
                who=blocks.target(c),
            )
        lines.append(f"{why} {asked}")
    return lines


def from_command(ctx: Ctx, args: str, _command: dict[str, Any]) -> None:
    """`/licenses consent @admin`."""
    user_ids = MENTION.findall(args)
    if len(user_ids) != 1 or MENTION.sub(" ", args).strip():
        ctx.reply(message(_(USAGE) + " " + _("One admin at a time; nothing was asked.")))
        return
    viewer = ctx.require_admin()
    if viewer is None:
        return
    person = people.resolve(ctx.deps.db, team=ctx.team, user_id=user_ids[0], now=ctx.now(), email_of=ctx.email_of)
    if person is None:
        who = mention(user_ids[0])
        ctx.reply(
            message(
                _(
                    "{who} is not a member of {account}: nothing was asked.",
                    who=who,
                    account=escape(viewer.account_name),
                )
            )
        )
        return
    c, delivered = ask(ctx, member_id=person.member_id)
    ctx.reply(blocks.requested_reply(c, delivered=delivered))


# --- the target admin's answers ----------------------------------------------------------------------


def review(ctx: Ctx, who: SlackIdentity, body: dict[str, Any]) -> None:
    c = consent_answers.review(
        ctx.deps.db, consent_id=_consent_id(action_value(body)), who=who, now=ctx.now(), language=i18n.language()
    )
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    ctx.client.views_open(
        trigger_id=str(body.get("trigger_id") or ""), view=blocks.consent_view(c, channel=channel, ts=ts)
    )


def decline(ctx: Ctx, who: SlackIdentity, body: dict[str, Any]) -> None:
    c = consent_answers.decline(
        ctx.deps.db, consent_id=_consent_id(action_value(body)), who=who, now=ctx.now(), announce=answer_announcements
    )
    ctx.reply(blocks.answered_dm(c), replace=True)
    _tell_others(ctx, c)


def revoke(ctx: Ctx, who: SlackIdentity, body: dict[str, Any]) -> None:
    c = consent_answers.revoke(
        ctx.deps.db, consent_id=_consent_id(action_value(body)), who=who, now=ctx.now(), announce=answer_announcements
    )
    ctx.reply(blocks.answered_dm(c), replace=True)
    _tell_others(ctx, c)


def on_submit(ctx: Ctx, ack: Ack, who: SlackIdentity, view: dict[str, Any]) -> None:
    meta = blocks.ConsentMeta.load(view.get("private_metadata"))
    if meta is None:
        ack(
            response_action="update",
            view=message_view(CONSENT_TITLE, _("This form is out of date: click Review again.")),
        )
        return
    agreed, signature = blocks.form_values(view)
    try:
        c = consent_answers.grant(
            ctx.deps.db,
            consent_id=meta.consent_id,
            who=who,
            agreed=agreed,
            signature=signature,
            now=ctx.now(),
            shown_digest=meta.digest,
            announce=answer_announcements,
            language=meta.language,
        )
    except ConsentInvalid as exc:
        ack(response_action="errors", errors={FIELD_BLOCKS[k]: v for k, v in exc.errors.items()})
        return
    except NotAllowed:
        ack(response_action="update", view=message_view(NOT_YOURS_TITLE, f":no_entry: {escape(_(REFUSAL))}"))
        return
    except UserError as exc:
        ack(response_action="update", view=message_view(CONSENT_TITLE, f":no_entry: {escape(exc.message)}"))
        return
    answered = blocks.answered_dm(c)
    ack(response_action="update", view=message_view(GIVEN_TITLE, answered["text"]))

    def announce() -> None:
        if meta.channel and meta.ts:
            try:
                ctx.client.chat_update(
                    channel=meta.channel, ts=meta.ts, text=answered["text"], blocks=answered["blocks"]
                )
            except SlackApiError as exc:
                log.warning("chat.update of the consent request failed: %s", exc.response.get("error"))
                ctx.dm(who.user_id, answered)
        else:
            ctx.dm(who.user_id, answered)
        _tell_others(ctx, c)

    later(ctx, announce, saved=N_("Your answer"))


Answer = Callable[[Ctx, SlackIdentity, dict[str, Any]], None]


def _answer(answer: Answer) -> Callable[[Ctx, dict[str, Any]], None]:
    """The target admin's answer, with who acts taken from the signed payload (checked by the use case)."""

    def work(ctx: Ctx, body: dict[str, Any]) -> None:
        answer(ctx, identity(body, ctx), body)

    return work


def _ask_from_button(ctx: Ctx, body: dict[str, Any]) -> None:
    member_id = parse_id(action_value(body))
    if member_id is None:
        raise UserError(_("That button does not name an admin; open the license page again."))
    c, delivered = ask(ctx, member_id=member_id)
    ctx.reply(blocks.requested_reply(c, delivered=delivered))


def register(app: App, deps: Deps) -> None:
    app.action(Action.REQUEST_CONSENT)(acked(deps, _ask_from_button))
    # Decline and Revoke after the ack; Review opens a modal with the click's trigger id (valid 3 s): at once.
    app.action(Action.DECLINE_CONSENT)(acked(deps, _answer(decline)))
    app.action(Action.REVOKE_CONSENT)(acked(deps, _answer(revoke)))

    @app.action(Action.REVIEW_CONSENT)
    def review_button(
        ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
    ) -> None:
        ack()
        ctx = Ctx.of(deps, context, client, respond)
        at_once(ctx, lambda: review(ctx, identity(body, ctx), body))

    @app.view(View.CONSENT)
    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        ctx = Ctx.of(deps, context, client)
        on_submit(ctx, ack, identity(body, ctx), view)
