"""Block Kit of the admin consent flow (pure): the request DM, the consent modal, notices, the page section."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core import consent as rules
from bot.core.consent import SIGNATURE_MAX, Consent
from bot.core.results import Person, Viewer
from bot.core.statuses import ConsentStatus
from bot.core.wording import fmt_date
from handlers.blocks.messages import Message, message
from handlers.blocks.mrkdwn import (
    Block,
    actions,
    actor,
    button,
    confirm_dialog,
    context,
    escape,
    header,
    line_sections,
    mention,
    name_text,
    plain,
    section,
)
from handlers.blocks.state import selected_values, state_field
from handlers.ids import Action, View
from handlers.ids import Block as BlockId

AGREE_VALUE = "agree"
ADMINS_WITH_BUTTONS = 10
RULE = (
    "Admins are deactivated only after they give written consent that their admin rights may be removed. "
    "At least one admin always keeps them."
)


def target(c: Consent) -> str:
    """The admin a consent is addressed to, as a mention (or their escaped name without a Slack user)."""
    return mention(c.member_user_id) if c.member_user_id else escape(c.member_name)


def _date(c: Consent) -> str:
    return f"*{fmt_date(c.effective_on)}*"


# --- to the target admin --------------------------------------------------------------------------


def decline_button(c: Consent) -> Block:
    return button(
        "Decline",
        Action.DECLINE_CONSENT,
        value=str(c.id),
        style="danger",
        confirm=confirm_dialog(
            "Decline the request?",
            f"You keep your admin rights and your user stays active. {actor(c.requested_by)} is told; "
            "an admin can ask you again later.",
            "Decline",
            "Back",
        ),
    )


def answer_buttons(c: Consent) -> Block:
    return actions([button("Review", Action.REVIEW_CONSENT, value=str(c.id), style="primary"), decline_button(c)])


def revoke_button(c: Consent) -> Block:
    return button(
        "Revoke consent",
        Action.REVOKE_CONSENT,
        value=str(c.id),
        style="danger",
        confirm=confirm_dialog(
            "Revoke your consent?",
            "Your admin rights are then kept and your user is not deactivated unless you consent again. "
            "The consent you gave stays on record, with the time you revoked it.",
            "Revoke",
            "Keep it",
            danger=True,
        ),
    )


def request_dm(c: Consent) -> Message:
    """The DM to the target admin: who asks, for which account, from when; Review and Decline."""
    text = (
        f"{actor(c.requested_by)} asks for your written consent that your admin rights in "
        f"*{escape(c.account_name)}* may be removed."
    )
    blocks = [
        header("Consent to lose admin rights"),
        section(
            f"{text}\nFrom the renewal of {_date(c)}, your admin rights would be removed and your user "
            "deactivated (an admin could also deactivate your user before that date)."
        ),
        context(
            "Review shows the exact statement you would sign. Only you can give or decline this consent, and "
            "nothing happens to your user unless you sign. You can revoke a consent until your user is deactivated."
        ),
        answer_buttons(c),
    ]
    return message(text, blocks)


def answered_dm(c: Consent) -> Message:
    """The target admin's own record of their answer (replaces the request DM); Revoke while possible."""
    when = c.revoked_at or c.granted_at or c.declined_at
    on = f" on {fmt_date(when.date())}" if when else ""
    match c.status:
        case ConsentStatus.GRANTED:
            text = (
                f":white_check_mark: You consented{on} that your admin rights in *{escape(c.account_name)}* may be "
                f"removed and your user deactivated, from the renewal of {_date(c)} at the latest. "
                f"Signed: “{escape(c.signature or '')}”."
            )
            if not c.member_active:
                return message(text + " Your user has been deactivated.")
            return message(text, [section(text, accessory=revoke_button(c)), context("You can revoke it until then.")])
        case ConsentStatus.DECLINED:
            return message(f":x: You declined{on}: you keep your admin rights in *{escape(c.account_name)}*.")
        case ConsentStatus.REVOKED:
            return message(
                f":leftwards_arrow_with_hook: You revoked your consent{on}: you keep your admin rights in "
                f"*{escape(c.account_name)}* and your user will not be deactivated."
            )
    return request_dm(c)


@dataclass(frozen=True)
class ConsentMeta:
    """Carried by the consent modal. Only pointers: who may sign is checked again at submission."""

    consent_id: int
    digest: str
    channel: str | None = None
    ts: str | None = None

    def dump(self) -> str:
        return json.dumps({"consent": self.consent_id, "digest": self.digest, "channel": self.channel, "ts": self.ts})

    @classmethod
    def load(cls, text: str | None) -> ConsentMeta | None:
        try:
            data = json.loads(text or "")
            consent_id, digest = data["consent"], data["digest"]
        except (ValueError, KeyError, TypeError):
            return None
        if not isinstance(consent_id, int) or not isinstance(digest, str):
            return None
        channel, ts = data.get("channel"), data.get("ts")
        return cls(
            consent_id, digest, channel if isinstance(channel, str) else None, ts if isinstance(ts, str) else None
        )


def consent_view(c: Consent, *, channel: str | None = None, ts: str | None = None) -> dict[str, Any]:
    """The consent modal: the exact statement, a required checkbox and the full-name signature."""
    return {
        "type": "modal",
        "callback_id": View.CONSENT,
        "title": plain("Consent", 24),
        "submit": plain("Sign"),
        "close": plain("Cancel"),
        "private_metadata": ConsentMeta(c.id, c.statement_digest, channel, ts).dump(),
        "blocks": [
            section(f"{actor(c.requested_by)} asks for your consent. Read the statement you would sign:"),
            {"type": "section", "text": plain(c.statement)},
            {
                "type": "input",
                "block_id": BlockId.CONSENT_CHECKBOX,
                "label": plain("Consent"),
                "element": {
                    "type": "checkboxes",
                    "action_id": Action.CONSENT_CHECKBOX,
                    "options": [{"text": plain("I consent"), "value": AGREE_VALUE}],
                },
            },
            {
                "type": "input",
                "block_id": BlockId.SIGNATURE,
                "label": plain("Signature: type your full name"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": Action.SIGNATURE_INPUT,
                    "max_length": SIGNATURE_MAX,
                    "placeholder": plain("Your full name"),
                },
                "hint": plain("Your full name as the account knows it; case and accents do not matter."),
            },
            context("Your Slack user and workspace are stored with your signature, the statement and the time."),
        ],
    }


def form_values(view: Mapping[str, Any]) -> tuple[bool, str]:
    """(the "I consent" box is ticked, the typed signature) from a consent modal submission."""
    chosen = selected_values(view, BlockId.CONSENT_CHECKBOX, Action.CONSENT_CHECKBOX) or []
    typed = state_field(view, BlockId.SIGNATURE, Action.SIGNATURE_INPUT, "value")
    return AGREE_VALUE in chosen, typed if isinstance(typed, str) else ""


# --- to the requester and the admin channel ---------------------------------------------------------


def requested_reply(c: Consent, *, delivered: bool) -> Message:
    text = (
        f":envelope_with_arrow: I asked {target(c)} in a direct message for written consent that their admin "
        f"rights in *{escape(c.account_name)}* may be removed (from the renewal of {_date(c)}). "
        "You will be told when they answer; until they consent they are not deactivated."
    )
    if not delivered:
        text += " I could not message them: they find the request on licensebot's Home tab."
    return message(text)


def notice(c: Consent) -> Message:
    """What the requester and the admin channel are told about a consent."""
    who = target(c)
    match c.status:
        case ConsentStatus.REQUESTED:
            text = (
                f"{actor(c.requested_by)} asked {who} for written consent that their admin rights may be removed "
                f"(from the renewal of {_date(c)})."
            )
        case ConsentStatus.GRANTED:
            text = (
                f":white_check_mark: {who} gave written consent that their admin rights in "
                f"*{escape(c.account_name)}* may be removed. Their user can now be deactivated by hand, "
                f"or automatically at the renewal of {_date(c)} if licenses fall short."
            )
        case ConsentStatus.DECLINED:
            text = (
                f":x: {who} declined to consent: they keep their admin rights and are not deactivated. "
                "An admin can ask again with `/licenses consent`."
            )
        case _:
            text = (
                f":leftwards_arrow_with_hook: {who} revoked their consent: they keep their admin rights and are "
                "not deactivated. An admin can ask again with `/licenses consent`."
            )
    return message(text)


# --- the license page -----------------------------------------------------------------------------


def _status_line(p: Person, c: Consent | None) -> str:
    name = name_text(p.name)
    if c is None:
        return f"{name}: not asked"
    match c.status:
        case ConsentStatus.REQUESTED:
            return f"{name}: asked on {fmt_date(c.requested_at.date())}, no answer yet"
        case ConsentStatus.GRANTED:
            when = fmt_date(c.granted_at.date()) if c.granted_at else "?"
            return f"{name}: :white_check_mark: consented on {when}"
        case ConsentStatus.DECLINED:
            return f"{name}: declined on {fmt_date(c.declined_at.date()) if c.declined_at else '?'}"
    return f"{name}: revoked on {fmt_date(c.revoked_at.date()) if c.revoked_at else '?'}"


def _open(c: Consent | None) -> bool:
    return c is not None and c.status in (ConsentStatus.REQUESTED, ConsentStatus.GRANTED)


def page_section(
    viewer_member_id: int | None, admins: Sequence[Person], consents: Mapping[int, Consent]
) -> list[Block]:
    """For an admin's license page: their own pending consent or Revoke, then every other admin's status
    with an *Ask for consent* button where a request would be accepted."""
    blocks: list[Block] = [section("*Admin consent*"), context(RULE)]
    mine = consents.get(viewer_member_id) if viewer_member_id is not None else None
    if mine is not None and mine.status is ConsentStatus.REQUESTED:
        blocks.append(
            section(
                f":envelope_with_arrow: {actor(mine.requested_by)} asks for your written consent that your admin "
                f"rights may be removed (from the renewal of {_date(mine)})."
            )
        )
        blocks.append(answer_buttons(mine))
    elif mine is not None and mine.revocable:
        blocks.append(
            section(
                f"You consented that your admin rights may be removed (from the renewal of {_date(mine)}). "
                "You can revoke it until your user is deactivated.",
                accessory=revoke_button(mine),
            )
        )
    states = [rules.AdminState(p.member_id, p.active, p.is_admin, _open(consents.get(p.member_id))) for p in admins]
    others = [p for p in admins if p.member_id != viewer_member_id]
    for p in others[:ADMINS_WITH_BUTTONS]:
        c = consents.get(p.member_id)
        if not _open(c) and p.slack_user_id and rules.keeps_an_admin(states, p.member_id):
            ask = button("Ask for consent", Action.REQUEST_CONSENT, value=str(p.member_id))
            blocks.append(section(_status_line(p, c), accessory=ask))
        else:
            blocks.append(context(_status_line(p, c)))
    rest = others[ADMINS_WITH_BUTTONS:]
    if rest:
        lines = [_status_line(p, consents.get(p.member_id)) for p in rest[:ADMINS_WITH_BUTTONS]]
        hidden = len(rest) - len(lines)
        tail = f"…and {hidden} more admins. " if hidden else ""
        lines.append(f"{tail}Ask any admin with `/licenses consent @name`.")
        blocks.extend(line_sections(lines))
    return blocks


def consent_section(viewer: Viewer, consents: Mapping[int, Consent] | None) -> list[Block]:
    """The license page's *Admin consent* section for an admin (the account's current consents, member id ->
    consent); nothing for anybody else."""
    if not viewer.is_admin or viewer.member is None or consents is None:
        return []
    return page_section(viewer.member.member_id, viewer.admins, consents)
