"""The admin consent flow in Slack: ask (command, page button, Deactivate users), review, sign, decline, revoke.

Every click and submission of the target admin is checked by the use cases in bot/consent.py against
the acting Slack user id AND team taken from Slack's signed payload; the consent id in a button value or
in private_metadata only says which consent is meant. Anybody else is refused and nothing changes.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.audit import Actor
from bot.core.consent import AGREE, SIGNATURE, Consent, SlackIdentity
from bot.core.errors import NotAllowed, UserError
from bot.usecases import consent, people
from bot.usecases.consent import REFUSAL, ConsentInvalid
from handlers.blocks import consent as blocks
from handlers.blocks.messages import message
from handlers.blocks.modals import message_view
from handlers.blocks.mrkdwn import USER_ID, escape
from handlers.blocks.state import parse_id
from handlers.context import Ctx
from handlers.deps import Deps
from handlers.errors import after_saving
from handlers.home import refresh_admin_homes
from handlers.ids import Action, View
from handlers.ids import Block as BlockId
from handlers.reduce import not_admin_text

log = logging.getLogger(__name__)
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
FIELD_BLOCKS = {AGREE: BlockId.CONSENT_CHECKBOX, SIGNATURE: BlockId.SIGNATURE}
USAGE = "Mention the admin to ask: `/licenses consent @name`."


def identity(body: dict[str, Any], context: BoltContext) -> SlackIdentity:
    """The acting user and their workspace, from the signed payload (never from private_metadata)."""
    user = body.get("user")
    if not isinstance(user, dict):
        user = {}
    user_id = str(user.get("id") or context.user_id or "")
    team_id = str(user.get("team_id") or context.team_id or "")
    return SlackIdentity(user_id=user_id, team_id=team_id)


def _consent_id(value: object) -> int:
    consent_id = parse_id(value)
    if consent_id is None:
        raise UserError("That button does not name a consent request; open the license page again.")
    return consent_id


def _value(body: dict[str, Any]) -> object:
    acts = body.get("actions") or [{}]
    return acts[0].get("value")


def _tell_others(ctx: Ctx, c: Consent) -> None:
    """The requester (DM), the admin channel and every admin's license page learn about `c`."""
    team_ctx = dataclasses.replace(ctx, team=c.team_id)
    note = blocks.notice(c)
    calls = []
    if USER_ID.match(c.requested_by) and c.requested_by != c.member_user_id:
        calls.append(partial(team_ctx.dm, c.requested_by, note))
    if c.admin_channel:
        calls.append(partial(team_ctx.post, c.admin_channel, note))
    with after_saving("Your answer"):
        refresh_admin_homes(team_ctx, along=calls)


# --- asking -----------------------------------------------------------------------------------------


def ask(ctx: Ctx, *, member_id: int | None = None, user_id: str | None = None) -> tuple[Consent, bool]:
    """Store the request, DM the target admin; (the consent, whether the DM was delivered)."""
    c = consent.request_consent(
        ctx.deps.db, team=ctx.team, actor=Actor.slack(ctx.user), member_id=member_id, user_id=user_id, now=ctx.now()
    )
    with after_saving("The consent request"):
        delivered = bool(c.member_user_id) and ctx.dm(c.member_user_id or "", blocks.request_dm(c))
        post = [partial(ctx.post, c.admin_channel, blocks.notice(c))] if c.admin_channel else []
        refresh_admin_homes(ctx, along=post)
    return c, delivered


def start_flow(ctx: Ctx, admins: Sequence[tuple[int, str]]) -> list[str]:
    """The Deactivate users hook: ask each admin without consent; the lines (mrkdwn) for the requester."""
    lines = []
    for member_id, name in admins:
        why = (
            f":lock: {escape(name)} is an admin and was not deactivated: an admin can only be deactivated after "
            "they give written consent that their admin rights may be removed."
        )
        try:
            c, delivered = ask(ctx, member_id=member_id)
        except UserError as exc:
            lines.append(f"{why} {escape(exc.message)}")
            continue
        how = "in a direct message" if delivered else "on their licensebot Home tab (I could not message them)"
        lines.append(
            f"{why} I asked {blocks.target(c)} for it {how}; you will be told when they answer. "
            "Deactivate them once they have consented."
        )
    return lines


def from_command(ctx: Ctx, args: str, _command: dict[str, Any]) -> None:
    """`/licenses consent @admin`."""
    user_ids = MENTION.findall(args)
    if len(user_ids) != 1 or MENTION.sub(" ", args).strip():
        ctx.reply(message(f"{USAGE} One admin at a time; nothing was asked."))
        return
    viewer = ctx.viewer()
    if not viewer.is_admin:
        ctx.reply(message(not_admin_text(viewer)))
        return
    person = people.resolve(ctx.deps.db, team=ctx.team, user_id=user_ids[0], now=ctx.now(), email_of=ctx.email_of)
    if person is None:
        ctx.reply(message(f"<@{user_ids[0]}> is not a member of {escape(viewer.account_name)}: nothing was asked."))
        return
    c, delivered = ask(ctx, member_id=person.member_id)
    ctx.reply(blocks.requested_reply(c, delivered=delivered))


# --- the target admin's answers ----------------------------------------------------------------------


def review(ctx: Ctx, who: SlackIdentity, body: dict[str, Any]) -> None:
    c = consent.review(ctx.deps.db, consent_id=_consent_id(_value(body)), who=who, now=ctx.now())
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    ctx.client.views_open(trigger_id=body["trigger_id"], view=blocks.consent_view(c, channel=channel, ts=ts))


def decline(ctx: Ctx, who: SlackIdentity, body: dict[str, Any]) -> None:
    c = consent.decline(ctx.deps.db, consent_id=_consent_id(_value(body)), who=who, now=ctx.now())
    ctx.reply(blocks.answered_dm(c), replace=True)
    _tell_others(ctx, c)


def revoke(ctx: Ctx, who: SlackIdentity, body: dict[str, Any]) -> None:
    c = consent.revoke(ctx.deps.db, consent_id=_consent_id(_value(body)), who=who, now=ctx.now())
    ctx.reply(blocks.answered_dm(c), replace=True)
    _tell_others(ctx, c)


def on_submit(ctx: Ctx, ack: Ack, who: SlackIdentity, view: dict[str, Any]) -> None:
    meta = blocks.ConsentMeta.load(view.get("private_metadata"))
    if meta is None:
        ack(response_action="update", view=message_view("Consent", "This form is out of date: click Review again."))
        return
    agreed, signature = blocks.form_values(view)
    try:
        c = consent.grant(
            ctx.deps.db,
            consent_id=meta.consent_id,
            who=who,
            agreed=agreed,
            signature=signature,
            now=ctx.now(),
            shown_digest=meta.digest,
        )
    except ConsentInvalid as exc:
        ack(response_action="errors", errors={FIELD_BLOCKS[k]: v for k, v in exc.errors.items()})
        return
    except NotAllowed:
        ack(response_action="update", view=message_view("Not your consent", f":no_entry: {escape(REFUSAL)}"))
        return
    except UserError as exc:
        ack(response_action="update", view=message_view("Consent", f":no_entry: {escape(exc.message)}"))
        return
    ack(response_action="update", view=message_view("Consent given", blocks.answered_dm(c)["text"]))
    answered = blocks.answered_dm(c)
    if meta.channel and meta.ts:
        try:
            ctx.client.chat_update(channel=meta.channel, ts=meta.ts, text=answered["text"], blocks=answered["blocks"])
        except SlackApiError as exc:
            log.warning("chat.update of the consent request failed: %s", exc.response.get("error"))
            ctx.dm(who.user_id, answered)
    else:
        ctx.dm(who.user_id, answered)
    _tell_others(ctx, c)


Answer = Callable[[Ctx, SlackIdentity, dict[str, Any]], None]
Listener = Callable[[Ack, dict[str, Any], BoltContext, WebClient, Respond], None]


def _answer_button(deps: Deps, answer: Answer) -> Listener:
    def listener(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        answer(Ctx.of(deps, context, client, respond), identity(body, context), body)

    return listener


def register(app: App, deps: Deps) -> None:
    @app.action(Action.REQUEST_CONSENT)
    def request_button(
        ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
    ) -> None:
        ack()
        ctx = Ctx.of(deps, context, client, respond)
        member_id = parse_id(_value(body))
        if member_id is None:
            raise UserError("That button does not name an admin; open the license page again.")
        c, delivered = ask(ctx, member_id=member_id)
        ctx.reply(blocks.requested_reply(c, delivered=delivered))

    # Review, Decline and Revoke: the same listener around each answer (the answer checks the actor).
    for action, answer in (
        (Action.REVIEW_CONSENT, review),
        (Action.DECLINE_CONSENT, decline),
        (Action.REVOKE_CONSENT, revoke),
    ):
        app.action(action)(_answer_button(deps, answer))

    @app.view(View.CONSENT)
    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        on_submit(Ctx.of(deps, context, client), ack, identity(body, context), view)
