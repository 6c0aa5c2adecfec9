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
from bot.i18n import LOCALES, _, n_
from handlers.blocks.messages import Message, message
from handlers.blocks.mrkdwn import (
    Block,
    actions,
    actor,
    button,
    context,
    danger_button,
    escape,
    header,
    line_sections,
    mention,
    name_text,
    plain,
    section,
)
from handlers.blocks.state import selected_values, state_field
from handlers.blocks.wording import fmt_date
from handlers.ids import Action, View
from handlers.ids import Block as BlockId

AGREE_VALUE = "agree"
ADMINS_WITH_BUTTONS = 10


def rule() -> str:
    return _(
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
    return danger_button(
        _("Decline"),
        Action.DECLINE_CONSENT,
        str(c.id),
        title=_("Decline the request?"),
        question=_(
            "You keep your admin rights and your user stays active. {who} is told; an admin can ask you again later.",
            who=actor(c.requested_by),
        ),
        yes=_("Decline"),
        no=_("Back"),
        red_confirm=False,
    )


def answer_buttons(c: Consent) -> Block:
    return actions([button(_("Review"), Action.REVIEW_CONSENT, value=str(c.id), style="primary"), decline_button(c)])


def revoke_button(c: Consent) -> Block:
    return danger_button(
        _("Revoke consent"),
        Action.REVOKE_CONSENT,
        str(c.id),
        title=_("Revoke your consent?"),
        question=_(
            "Your admin rights are then kept and your user is not deactivated unless you consent again. "
            "The consent you gave stays on record, with the time you revoked it."
        ),
        yes=_("Revoke"),
        no=_("Keep it"),
    )


def request_dm(c: Consent) -> Message:
    """The DM to the target admin: who asks, for which account, from when; Review and Decline."""
    text = _(
        "{who} asks for your written consent that your admin rights in *{account}* may be removed.",
        who=actor(c.requested_by),
        account=escape(c.account_name),
    )
    more = _(
        "From the renewal of {day}, your admin rights would be removed and your user deactivated (an admin could "
        "also deactivate your user before that date).",
        day=_date(c),
    )
    blocks = [
        header(_("Consent to lose admin rights")),
        section(f"{text}\n{more}"),
        context(
            _(
                "Review shows the exact statement you would sign. Only you can give or decline this consent, and "
                "nothing happens to your user unless you sign. You can revoke a consent until your user is "
                "deactivated."
            )
        ),
        answer_buttons(c),
    ]
    return message(text, blocks)


def answered_dm(c: Consent) -> Message:
    """The target admin's own record of their answer (replaces the request DM); Revoke while possible."""
    when = c.revoked_at or c.granted_at or c.declined_at
    on = " " + _("on {day}", day=fmt_date(when.date())) if when else ""
    account = escape(c.account_name)
    match c.status:
        case ConsentStatus.GRANTED:
            text = _(
                ":white_check_mark: You consented{on} that your admin rights in *{account}* may be removed and "
                "your user deactivated, from the renewal of {day} at the latest. Signed: “{signature}”.",
                on=on,
                account=account,
                day=_date(c),
                signature=escape(c.signature or ""),
            )
            if not c.member_active:
                return message(text + " " + _("Your user has been deactivated."))
            return message(
                text, [section(text, accessory=revoke_button(c)), context(_("You can revoke it until then."))]
            )
        case ConsentStatus.DECLINED:
            return message(
                _(":x: You declined{on}: you keep your admin rights in *{account}*.", on=on, account=account)
            )
        case ConsentStatus.REVOKED:
            return message(
                _(
                    ":leftwards_arrow_with_hook: You revoked your consent{on}: you keep your admin rights in "
                    "*{account}* and your user will not be deactivated.",
                    on=on,
                    account=account,
                )
            )
    return request_dm(c)


@dataclass(frozen=True)
class ConsentMeta:
    """Carried by the consent modal. Only pointers: who may sign is checked again at submission."""

    consent_id: int
    digest: str
    channel: str | None = None
    ts: str | None = None
    language: str = "en"
    """The language of the statement shown: the one signed (whatever the reader's language is by then)."""

    def dump(self) -> str:
        return json.dumps(
            {"consent": self.consent_id, "digest": self.digest, "channel": self.channel, "ts": self.ts}
            | {"lang": self.language}
        )

    @classmethod
    def load(cls, text: str | None) -> ConsentMeta | None:
        try:
            data = json.loads(text or "")
            consent_id, digest = data["consent"], data["digest"]
        except (ValueError, KeyError, TypeError):
            return None
        if not isinstance(consent_id, int) or not isinstance(digest, str):
            return None
        channel, ts, lang = data.get("channel"), data.get("ts"), data.get("lang")
        return cls(
            consent_id,
            digest,
            channel if isinstance(channel, str) else None,
            ts if isinstance(ts, str) else None,
            lang if isinstance(lang, str) and lang in LOCALES else "en",
        )


def consent_view(c: Consent, *, channel: str | None = None, ts: str | None = None) -> dict[str, Any]:
    """The consent modal: the exact statement, a required checkbox and the full-name signature."""
    return {
        "type": "modal",
        "callback_id": View.CONSENT,
        "title": plain(_("Consent"), 24),
        "submit": plain(_("Sign")),
        "close": plain(_("Cancel")),
        "private_metadata": ConsentMeta(c.id, c.statement_digest, channel, ts, c.statement_language).dump(),
        "blocks": [
            section(_("{who} asks for your consent. Read the statement you would sign:", who=actor(c.requested_by))),
            {"type": "section", "text": plain(c.statement)},
            {
                "type": "input",
                "block_id": BlockId.CONSENT_CHECKBOX,
                "label": plain(_("Consent")),
                "element": {
                    "type": "checkboxes",
                    "action_id": Action.CONSENT_CHECKBOX,
                    "options": [{"text": plain(_("I consent")), "value": AGREE_VALUE}],
                },
            },
            {
                "type": "input",
                "block_id": BlockId.SIGNATURE,
                "label": plain(_("Signature: type your full name")),
                "element": {
                    "type": "plain_text_input",
                    "action_id": Action.SIGNATURE_INPUT,
                    "max_length": SIGNATURE_MAX,
                    "placeholder": plain(_("Your full name")),
                },
                "hint": plain(_("Your full name as the account knows it; case and accents do not matter.")),
            },
            context(
                _(
                    "Your Slack user and workspace are stored with your signature, the statement, its language "
                    "and version, and the time."
                )
            ),
        ],
    }


def form_values(view: Mapping[str, Any]) -> tuple[bool, str]:
    """(the "I consent" box is ticked, the typed signature) from a consent modal submission."""
    chosen = selected_values(view, BlockId.CONSENT_CHECKBOX, Action.CONSENT_CHECKBOX) or []
    typed = state_field(view, BlockId.SIGNATURE, Action.SIGNATURE_INPUT, "value")
    return AGREE_VALUE in chosen, typed if isinstance(typed, str) else ""


# --- to the requester and the admin channel ---------------------------------------------------------


def requested_reply(c: Consent, *, delivered: bool) -> Message:
    text = _(
        ":envelope_with_arrow: I asked {who} in a direct message for written consent that their admin rights in "
        "*{account}* may be removed (from the renewal of {day}). You will be told when they answer; until they "
        "consent they are not deactivated.",
        who=target(c),
        account=escape(c.account_name),
        day=_date(c),
    )
    if not delivered:
        text += " " + _("I could not message them: they find the request on licensebot's Home tab.")
    return message(text)


def notice(c: Consent) -> Message:
    """What the requester and the admin channel are told about a consent."""
    who = target(c)
    match c.status:
        case ConsentStatus.REQUESTED:
            text = _(
                "{requester} asked {who} for written consent that their admin rights may be removed (from the "
                "renewal of {day}).",
                requester=actor(c.requested_by),
                who=who,
                day=_date(c),
            )
        case ConsentStatus.GRANTED:
            text = _(
                ":white_check_mark: {who} gave written consent that their admin rights in *{account}* may be "
                "removed. Their user can now be deactivated by hand, or automatically at the renewal of {day} if "
                "licenses fall short.",
                who=who,
                account=escape(c.account_name),
                day=_date(c),
            )
        case ConsentStatus.DECLINED:
            text = _(
                ":x: {who} declined to consent: they keep their admin rights and are not deactivated. An admin can "
                "ask again with `/licenses consent`.",
                who=who,
            )
        case _:
            text = _(
                ":leftwards_arrow_with_hook: {who} revoked their consent: they keep their admin rights and are not "
                "deactivated. An admin can ask again with `/licenses consent`.",
                who=who,
            )
    return message(text)


# --- the license page -----------------------------------------------------------------------------


def _status_line(p: Person, c: Consent | None) -> str:
    name = name_text(p.name)
    if c is None:
        return _("{name}: not asked", name=name)
    match c.status:
        case ConsentStatus.REQUESTED:
            return _("{name}: asked on {day}, no answer yet", name=name, day=fmt_date(c.requested_at.date()))
        case ConsentStatus.GRANTED:
            when = fmt_date(c.granted_at.date()) if c.granted_at else "?"
            return _("{name}: :white_check_mark: consented on {day}", name=name, day=when)
        case ConsentStatus.DECLINED:
            when = fmt_date(c.declined_at.date()) if c.declined_at else "?"
            return _("{name}: declined on {day}", name=name, day=when)
    when = fmt_date(c.revoked_at.date()) if c.revoked_at else "?"
    return _("{name}: revoked on {day}", name=name, day=when)


def _open(c: Consent | None) -> bool:
    return c is not None and c.status in (ConsentStatus.REQUESTED, ConsentStatus.GRANTED)


def page_section(
    viewer_member_id: int | None, admins: Sequence[Person], consents: Mapping[int, Consent]
) -> list[Block]:
    """For an admin's license page: their own pending consent or Revoke, then every other admin's status
    with an *Ask for consent* button where a request would be accepted."""
    blocks: list[Block] = [section("*{}*".format(_("Admin consent"))), context(rule())]
    mine = consents.get(viewer_member_id) if viewer_member_id is not None else None
    if mine is not None and mine.status is ConsentStatus.REQUESTED:
        blocks.append(
            section(
                _(
                    ":envelope_with_arrow: {who} asks for your written consent that your admin rights may be "
                    "removed (from the renewal of {day}).",
                    who=actor(mine.requested_by),
                    day=_date(mine),
                )
            )
        )
        blocks.append(answer_buttons(mine))
    elif mine is not None and mine.revocable:
        blocks.append(
            section(
                _(
                    "You consented that your admin rights may be removed (from the renewal of {day}). You can "
                    "revoke it until your user is deactivated.",
                    day=_date(mine),
                ),
                accessory=revoke_button(mine),
            )
        )
    states = [rules.AdminState(p.member_id, p.active, p.is_admin, _open(consents.get(p.member_id))) for p in admins]
    others = [p for p in admins if p.member_id != viewer_member_id]
    for p in others[:ADMINS_WITH_BUTTONS]:
        c = consents.get(p.member_id)
        if not _open(c) and p.slack_user_id and rules.keeps_an_admin(states, p.member_id):
            ask = button(_("Ask for consent"), Action.REQUEST_CONSENT, value=str(p.member_id))
            blocks.append(section(_status_line(p, c), accessory=ask))
        else:
            blocks.append(context(_status_line(p, c)))
    rest = others[ADMINS_WITH_BUTTONS:]
    if rest:
        lines = [_status_line(p, consents.get(p.member_id)) for p in rest[:ADMINS_WITH_BUTTONS]]
        hidden = len(rest) - len(lines)
        tail = n_("…and {n} more admin.", "…and {n} more admins.", hidden) + " " if hidden else ""
        lines.append(tail + _("Ask any admin with `/licenses consent @name`."))
        blocks.extend(line_sections(lines))
    return blocks


def consent_section(viewer: Viewer, consents: Mapping[int, Consent] | None) -> list[Block]:
    """The license page's *Admin consent* section for an admin (the account's current consents, member id ->
    consent); nothing for anybody else."""
    if not viewer.is_admin or viewer.member is None or consents is None:
        return []
    return page_section(viewer.member.member_id, viewer.admins, consents)
