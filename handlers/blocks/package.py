"""The package in Block Kit: its line on the license page, `/licenses plan`, the Switch package form and the
switch's confirmations and posts (the add-on lines: handlers/blocks/lines.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.core import lines as line_rules
from bot.core import policy
from bot.core.lines import PackageTier
from bot.core.page import AccountTerms, LicensePage, PendingSwitch
from bot.i18n import N_, T_, _, p_
from handlers.blocks.mrkdwn import (
    Block,
    actions,
    actor,
    button,
    context,
    danger_button,
    escape,
    header,
    mention,
    plain,
    request_form,
    section,
)
from handlers.blocks.wording import (
    deadline_label,
    deadline_phrase,
    fmt_date,
    lost_features_phrase,
    money,
    per_period,
    plan_name,
)
from handlers.ids import Action, View
from handlers.ids import Block as BlockId

View_ = dict[str, Any]
Message = dict[str, Any]
SWITCH_TITLE = T_("modal title", "Switch package")
NO_SWITCH_NAMED = N_("That button does not name a package switch; run `/licenses plan` again.")
MAX_TIERS = 20
"""Packages offered in the switch form (the catalog is the operator's: a few)."""


@dataclass(frozen=True)
class SwitchMeta:
    renewal: date

    def dump(self) -> str:
        return json.dumps({"renewal": self.renewal.isoformat()})

    @classmethod
    def load(cls, text: str | None) -> SwitchMeta | None:
        try:
            return cls(renewal=date.fromisoformat(json.loads(text or "")["renewal"]))
        except (ValueError, KeyError, TypeError):
            return None


def package_blocks(page: LicensePage, *, admin: bool) -> list[Block]:
    pkg = page.package
    if pkg is None or pkg.tier is None:
        return []
    text = _("*Package:* {name}", name=escape(pkg.tier.name))
    sw = pkg.pending
    if sw is None:
        return [section(text)]
    text += "\n" + _(
        "*Pending switch #{id}:* to *{tier}* at the renewal of *{renewal}*, requested by {who}. The account loses: "
        "{lost}.",
        id=sw.id,
        tier=escape(sw.to_tier.name),
        renewal=fmt_date(sw.renewal),
        who=actor(sw.requested_by),
        lost=escape(lost_features_phrase(pkg.lost_features)),
    )
    if pkg.saving is not None:
        text += " " + _(
            "Saving: {saving} {period}.",
            saving=escape(money(pkg.saving, page.terms.currency)),
            period=per_period(page.terms.plan.value),
        )
    return [section(text, accessory=cancel_switch_button(sw) if admin else None)]


def cancel_switch_button(sw: PendingSwitch) -> Block:
    return danger_button(
        _("Cancel switch"),
        Action.CANCEL_SWITCH,
        str(sw.id),
        title=_("Cancel the switch?"),
        question=_(
            "Keep your package instead of switching to {tier} at the renewal of {renewal}?",
            tier=sw.to_tier.name,
            renewal=fmt_date(sw.renewal),
        ),
        yes=_("Cancel switch"),
        no=_("Keep it"),
    )


def plan_message(page: LicensePage, *, admin: bool) -> Message:
    t, pkg = page.terms, page.package
    blocks: list[Block] = [header(_("Package · {account}", account=t.name))]
    if pkg is None or pkg.tier is None:
        text = _(
            "Plan: {plan}. No package from the catalog is set for this account: an operator sets it "
            "(`licensebot account set --package NAME`).",
            plan=plan_name(t.plan.value),
        )
        return {"text": text, "blocks": [*blocks, section(escape(text))]}
    tier = pkg.tier
    text = f"*{escape(tier.name)}* ({plan_name(t.plan.value)})"
    if tier.features:
        text += "\n" + _("Includes: {features}", features=escape(", ".join(tier.features)))
    blocks.append(section(text))
    blocks.extend(package_blocks(page, admin=admin) if pkg.pending else [])
    if pkg.pending is None and pkg.smaller and admin:
        blocks.append(
            actions(
                [button(_("Switch to a smaller package"), Action.OPEN_SWITCH, style="primary")],
                block_id=BlockId.ACTIONS,
            )
        )
    elif pkg.pending is None and not pkg.smaller:
        blocks.append(context(_("There is no smaller package in the catalog.")))
    elif not admin:
        blocks.append(context(_("Only account admins can switch the package.")))
    return {"text": _("Package of {account}: {tier}", account=escape(t.name), tier=escape(tier.name)), "blocks": blocks}


def switch_refusal(page: LicensePage) -> str | None:
    """Why the Switch package form cannot open (None: it can)."""
    pkg = page.package
    if pkg is None or pkg.tier is None:
        return escape(plan_message(page, admin=True)["text"])
    if not pkg.smaller:
        return _("There is no smaller package in the catalog.")
    if pkg.pending is not None:
        return _("Switch #{id} is already pending: cancel it first (`/licenses plan`).", id=pkg.pending.id)
    return None


def switch_view(page: LicensePage) -> View_:
    """Switch to a smaller package at the renewal: every smaller tier with what it loses and saves."""
    t, tg, pkg = page.terms, page.target, page.package
    assert pkg is not None and pkg.tier is not None
    current: PackageTier = pkg.tier
    if tg.missed:
        when = _(
            "*The 15-day deadline for the renewal of {missed} has passed.* The switch applies at the renewal after "
            "it: *{renewal}*.",
            missed=fmt_date(tg.missed),
            renewal=fmt_date(tg.renewal),
        )
    else:
        when = (
            _("The switch applies at the renewal of *{renewal}*.", renewal=fmt_date(tg.renewal))
            + f" {deadline_label()}: {fmt_date(tg.deadline)} ({deadline_phrase(tg.days_left)})."
        )
    blocks: list[Block] = [section(when), section(_("Your package: *{name}*.", name=escape(current.name)))]
    options, lines = [], []
    for tier in pkg.smaller[:MAX_TIERS]:
        lost = line_rules.lost_features(current, tier)
        saving = line_rules.package_saving(t.price_per_seat, tier, t.licensed_seats, t.plan)
        options.append({"text": plain(tier.name[:75], 75), "value": tier.name[:150]})
        line = "• " + _("*{tier}*: loses {lost}", tier=escape(tier.name), lost=escape(lost_features_phrase(lost)))
        if saving is not None:
            line += "; " + _(
                "saves {saving} {period}", saving=escape(money(saving, t.currency)), period=per_period(t.plan.value)
            )
        lines.append(line)
    blocks.append(section("\n".join(lines)))
    blocks.append(
        {
            "type": "input",
            "block_id": BlockId.PACKAGE,
            "label": plain(_("New package")),
            "element": {"type": "static_select", "action_id": Action.PACKAGE_INPUT, "options": options},
        }
    )
    blocks.append(
        context(
            _(
                "Charges follow the new package from the renewal date; there is no credit note for the rest of the "
                "current period. You can cancel the switch until the renewal has been processed."
            )
        )
    )
    return request_form(View.SWITCH, p_("modal title", "Switch package"), SwitchMeta(renewal=tg.renewal).dump(), blocks)


def switch_requested_message(
    sw: PendingSwitch, from_tier: str, lost: tuple[str, ...], saving: Any, missed: date | None, terms: AccountTerms
) -> Message:
    text = _(
        ":white_check_mark: Switch #{id} is saved: from *{before}* to *{after}* at the renewal of *{renewal}*. The "
        "account loses: {lost}.",
        id=sw.id,
        before=escape(from_tier),
        after=escape(sw.to_tier.name),
        renewal=fmt_date(sw.renewal),
        lost=escape(lost_features_phrase(lost)),
    )
    if missed is not None:
        text += "\n" + _(
            ":hourglass: The deadline for the renewal of {missed} ({deadline}) had passed, so the switch applies at "
            "the renewal of *{renewal}* instead.",
            missed=fmt_date(missed),
            deadline=fmt_date(policy.deadline_for(missed)),
            renewal=fmt_date(sw.renewal),
        )
    if saving is not None:
        text += "\n" + _(
            "Saving: {saving} {period}.",
            saving=escape(money(saving, terms.currency)),
            period=per_period(terms.plan.value),
        )
    text += "\n" + _("There is no credit note for the rest of the current period.")
    return {
        "text": _("Switch #{id} saved: to {tier}", id=sw.id, tier=escape(sw.to_tier.name)),
        "blocks": [
            section(text, accessory=cancel_switch_button(sw)),
            context(_("You can cancel the switch until the renewal has been processed.")),
        ],
    }


def switch_post(sw: PendingSwitch, from_tier: str, requester: str) -> Message:
    text = _(
        "{who} requested to switch from {before} to {after} at the renewal of {renewal} (#{id}).",
        who=mention(requester),
        before=escape(from_tier),
        after=escape(sw.to_tier.name),
        renewal=fmt_date(sw.renewal),
        id=sw.id,
    )
    return {"text": text, "blocks": [section(text)]}


def switch_cancelled_message(sw: PendingSwitch) -> Message:
    text = _(
        ":x: Switch #{id} to {tier} at the renewal of {renewal} is cancelled: the package stays as it is.",
        id=sw.id,
        tier=escape(sw.to_tier.name),
        renewal=fmt_date(sw.renewal),
    )
    return {"text": text, "blocks": [section(text)]}


def switch_cancelled_post(sw: PendingSwitch, by: str) -> Message:
    text = _(
        "{who} cancelled switch #{id} to {tier} at the renewal of {renewal}.",
        who=mention(by),
        id=sw.id,
        tier=escape(sw.to_tier.name),
        renewal=fmt_date(sw.renewal),
    )
    return {"text": text, "blocks": [section(text)]}
