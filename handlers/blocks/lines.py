"""License lines and the package in Block Kit: the page's lines, the line chooser, the add-on reduce form,
`/licenses plan` and the package switch form, their confirmations, and the renewal's sentences about them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.core import lines as line_rules
from bot.core import policy
from bot.core.lines import PackageTier
from bot.core.page import AccountTerms, LicensePage, LineState, PendingSwitch
from bot.core.results import RenewalOutcome
from bot.core.wording import (
    DEADLINE_LABEL,
    deadline_phrase,
    fmt_date,
    line_label,
    lost_features_phrase,
    money,
    plural,
)
from handlers.blocks.lists import preview_lines
from handlers.blocks.mrkdwn import (
    Block,
    actions,
    actor,
    button,
    confirm_dialog,
    context,
    escape,
    header,
    plain,
    section,
)
from handlers.ids import Action, View
from handlers.ids import Block as BlockId

View_ = dict[str, Any]
Message = dict[str, Any]
SWITCH_TITLE = "Switch package"
NO_SWITCH_NAMED = "That button does not name a package switch; run `/licenses plan` again."
LINE_GONE = "That license line is gone; open the license page again."
CHOOSE_IN_THE_FORM = "Choose the licenses in the Remove licenses form: `/licenses reduce`."
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


def _label(ls: LineState) -> str:
    return escape(line_label(ls.line))


def line_counts(ls: LineState) -> str:
    return f"{ls.line.licensed} licensed · {ls.assigned} assigned · {ls.unused} unused"


def cancel_line_button(ls: LineState) -> Block | None:
    p = ls.pending
    if p is None:
        return None
    return button(
        "Cancel request",
        Action.CANCEL_REQUEST,
        value=str(p.id),
        style="danger",
        confirm=confirm_dialog(
            "Cancel the request?",
            f"Cancel request #{p.id} to remove {plural(p.seats_removed, 'license')} of {line_label(ls.line)} at the "
            f"renewal of {fmt_date(p.renewal)}? The line then keeps its licenses.",
            "Cancel request",
            "Keep it",
            danger=True,
        ),
    )


def addon_blocks(page: LicensePage, *, admin: bool) -> list[Block]:
    """One section per add-on line: its counts, its pending request and who would lose the add-on."""
    blocks: list[Block] = []
    for ls in page.addons:
        text = f"*{_label(ls)}*\n{line_counts(ls)}"
        if ls.line.price_per_seat is not None:
            text += f" · {escape(money(ls.line.price_per_seat, page.terms.currency))} per license per month"
        p = ls.pending
        if p is None:
            text += "\nNo pending request: this line keeps its licenses at the renewal."
        else:
            text += (
                f"\n*Pending request #{p.id}:* remove {plural(p.seats_removed, 'license')} at the renewal of "
                f"*{fmt_date(p.renewal)}* ({ls.line.licensed} → {ls.new_seat_count}), requested by "
                f"{actor(p.requested_by)}."
            )
            if ls.saving is not None:
                text += f" Saving: {escape(money(ls.saving, page.terms.currency))} per {page.terms.plan.value} period."
        blocks.append(section(text, accessory=cancel_line_button(ls) if admin else None))
        d = ls.deactivation
        if d is not None and d.total:
            names = preview_lines(d.chosen, d.more, how="the newest assignments go first")
            blocks.append(
                context(
                    f"If nothing changes, {plural(d.total, 'user')} lose this add-on (not their account) at the "
                    "renewal, the most recently assigned first: " + ", ".join(n.lstrip("• ") for n in names)
                )
            )
    return blocks


def package_blocks(page: LicensePage, *, admin: bool) -> list[Block]:
    pkg = page.package
    if pkg is None or pkg.tier is None:
        return []
    text = f"*Package:* {escape(pkg.tier.name)}"
    sw = pkg.pending
    if sw is None:
        return [section(text)]
    text += (
        f"\n*Pending switch #{sw.id}:* to *{escape(sw.to_tier.name)}* at the renewal of *{fmt_date(sw.renewal)}*, "
        f"requested by {actor(sw.requested_by)}. The account loses: {escape(lost_features_phrase(pkg.lost_features))}."
    )
    if pkg.saving is not None:
        text += f" Saving: {escape(money(pkg.saving, page.terms.currency))} per {page.terms.plan.value} period."
    return [section(text, accessory=cancel_switch_button(sw) if admin else None)]


def cancel_switch_button(sw: PendingSwitch) -> Block:
    return button(
        "Cancel switch",
        Action.CANCEL_SWITCH,
        value=str(sw.id),
        style="danger",
        confirm=confirm_dialog(
            "Cancel the switch?",
            f"Keep your package instead of switching to {sw.to_tier.name} at the renewal of {fmt_date(sw.renewal)}?",
            "Cancel switch",
            "Keep it",
            danger=True,
        ),
    )


# --- choosing a line, the add-on reduce form ----------------------------------------------------


def line_choice_view(page: LicensePage) -> View_:
    """The first step of Remove licenses when the account has several lines: which one."""
    blocks: list[Block] = [section("Which licenses do you want to remove?")]
    for ls in page.lines:
        pending = f" · request #{ls.pending.id} pending" if ls.pending else ""
        blocks.append(
            section(
                f"*{_label(ls)}*\n{line_counts(ls)}{pending}",
                accessory=button("Choose", Action.CHOOSE_LINE, value=ls.line.key),
            )
        )
    return {
        "type": "modal",
        "callback_id": View.CHOOSE_LINE,
        "title": plain("Remove licenses", 24),
        "close": plain("Cancel"),
        "blocks": blocks,
    }


# --- /licenses plan, the switch form ------------------------------------------------------------


def plan_message(page: LicensePage, *, admin: bool) -> Message:
    t, pkg = page.terms, page.package
    blocks: list[Block] = [header(f"Package · {t.name}")]
    if pkg is None or pkg.tier is None:
        text = (
            f"Plan: {t.plan.value}. No package from the catalog is set for this account: an operator sets it "
            "(`licensebot account set --package NAME`)."
        )
        return {"text": text, "blocks": [*blocks, section(escape(text))]}
    tier = pkg.tier
    text = f"*{escape(tier.name)}* ({t.plan.value})"
    if tier.features:
        text += "\nIncludes: " + escape(", ".join(tier.features))
    blocks.append(section(text))
    blocks.extend(package_blocks(page, admin=admin) if pkg.pending else [])
    if pkg.pending is None and pkg.smaller and admin:
        blocks.append(
            actions(
                [button("Switch to a smaller package", Action.OPEN_SWITCH, style="primary")], block_id=BlockId.ACTIONS
            )
        )
    elif pkg.pending is None and not pkg.smaller:
        blocks.append(context("There is no smaller package in the catalog."))
    elif not admin:
        blocks.append(context("Only account admins can switch the package."))
    return {"text": f"Package of {escape(t.name)}: {escape(tier.name)}", "blocks": blocks}


def switch_refusal(page: LicensePage) -> str | None:
    """Why the Switch package form cannot open (None: it can)."""
    pkg = page.package
    if pkg is None or pkg.tier is None:
        return escape(plan_message(page, admin=True)["text"])
    if not pkg.smaller:
        return "There is no smaller package in the catalog."
    if pkg.pending is not None:
        return f"Switch #{pkg.pending.id} is already pending: cancel it first (`/licenses plan`)."
    return None


def switch_view(page: LicensePage) -> View_:
    """Switch to a smaller package at the renewal: every smaller tier with what it loses and saves."""
    t, tg, pkg = page.terms, page.target, page.package
    assert pkg is not None and pkg.tier is not None
    current: PackageTier = pkg.tier
    if tg.missed:
        when = (
            f"*The 15-day deadline for the renewal of {fmt_date(tg.missed)} has passed.* "
            f"The switch applies at the renewal after it: *{fmt_date(tg.renewal)}*."
        )
    else:
        when = (
            f"The switch applies at the renewal of *{fmt_date(tg.renewal)}*. "
            f"{DEADLINE_LABEL}: {fmt_date(tg.deadline)} ({deadline_phrase(tg.days_left)})."
        )
    blocks: list[Block] = [section(when), section(f"Your package: *{escape(current.name)}*.")]
    options, lines = [], []
    for tier in pkg.smaller[:MAX_TIERS]:
        lost = line_rules.lost_features(current, tier)
        saving = line_rules.package_saving(t.price_per_seat, tier, t.licensed_seats, t.plan)
        options.append({"text": plain(tier.name[:75], 75), "value": tier.name[:150]})
        line = f"• *{escape(tier.name)}*: loses {escape(lost_features_phrase(lost))}"
        if saving is not None:
            line += f"; saves {escape(money(saving, t.currency))} per {t.plan.value} period"
        lines.append(line)
    blocks.append(section("\n".join(lines)))
    blocks.append(
        {
            "type": "input",
            "block_id": BlockId.PACKAGE,
            "label": plain("New package"),
            "element": {"type": "static_select", "action_id": Action.PACKAGE_INPUT, "options": options},
        }
    )
    blocks.append(
        context(
            "Charges follow the new package from the renewal date; there is no credit note for the rest of the "
            "current period. You can cancel the switch until the renewal has been processed."
        )
    )
    return {
        "type": "modal",
        "callback_id": View.SWITCH,
        "title": plain("Switch package", 24),
        "submit": plain("Request"),
        "close": plain("Cancel"),
        "private_metadata": SwitchMeta(renewal=tg.renewal).dump(),
        "blocks": blocks,
    }


def switch_requested_message(
    sw: PendingSwitch, from_tier: str, lost: tuple[str, ...], saving: Any, missed: date | None, terms: AccountTerms
) -> Message:
    text = (
        f":white_check_mark: Switch #{sw.id} is saved: from *{escape(from_tier)}* to *{escape(sw.to_tier.name)}* at "
        f"the renewal of *{fmt_date(sw.renewal)}*. The account loses: {escape(lost_features_phrase(lost))}."
    )
    if missed is not None:
        text += (
            f"\n:hourglass: The deadline for the renewal of {fmt_date(missed)} "
            f"({fmt_date(policy.deadline_for(missed))}) had passed, so the switch applies at the renewal of "
            f"*{fmt_date(sw.renewal)}* instead."
        )
    if saving is not None:
        text += f"\nSaving: {escape(money(saving, terms.currency))} per {terms.plan.value} period."
    text += "\nThere is no credit note for the rest of the current period."
    return {
        "text": f"Switch #{sw.id} saved: to {escape(sw.to_tier.name)}",
        "blocks": [
            section(text, accessory=cancel_switch_button(sw)),
            context("You can cancel the switch until the renewal has been processed."),
        ],
    }


def switch_post(sw: PendingSwitch, from_tier: str, requester: str) -> Message:
    text = (
        f"<@{requester}> requested to switch from {escape(from_tier)} to {escape(sw.to_tier.name)} at the renewal of "
        f"{fmt_date(sw.renewal)} (#{sw.id})."
    )
    return {"text": text, "blocks": [section(text)]}


def switch_cancelled_message(sw: PendingSwitch) -> Message:
    text = (
        f":x: Switch #{sw.id} to {escape(sw.to_tier.name)} at the renewal of {fmt_date(sw.renewal)} is cancelled: "
        "the package stays as it is."
    )
    return {"text": text, "blocks": [section(text)]}


def switch_cancelled_post(sw: PendingSwitch, by: str) -> Message:
    text = f"<@{by}> cancelled switch #{sw.id} to {escape(sw.to_tier.name)} at the renewal of {fmt_date(sw.renewal)}."
    return {"text": text, "blocks": [section(text)]}


# --- the renewal summary ------------------------------------------------------------------------


def lines_renewal_sentences(o: RenewalOutcome) -> list[str]:
    out: list[str] = []
    for a in o.addons:
        out.append(
            f"*{escape(a.line)}*: {a.seats_before} → {plural(a.seats_after, 'license')} (request #{a.request_id}). "
            "The removed licenses are no longer charged."
        )
        if a.removed:
            names = ", ".join(escape(r.name) for r in a.removed[:10])
            more = (
                f" and {len(a.removed) - 10} more (the operator's `licensebot audit export` names them all)"
                if len(a.removed) > 10
                else ""
            )
            out.append(f"They lost this add-on (not their account): {names}{more}.")
    if o.switch is not None:
        sw = o.switch
        out.append(
            f"*Package*: {escape(sw.from_tier)} → *{escape(sw.to_tier)}* (switch #{sw.change_id}). "
            f"No longer included: {escape(lost_features_phrase(sw.lost_features))}."
        )
    return out


def line_reminder_message(page: LicensePage, ls: LineState, days_before: int) -> Message:
    """Holders of an add-on line are over its new count: who loses the add-on at the renewal, unless changed."""
    p, d = ls.pending, ls.deactivation
    if p is None or d is None or ls.new_seat_count is None:
        raise ValueError("a line reminder needs a pending request")
    renewal, when = fmt_date(p.renewal), ("today" if days_before == 0 else f"in {plural(days_before, 'day')}")
    over = max(0, ls.assigned - ls.new_seat_count)
    lines = [
        f"*{escape(page.terms.name)}* removes {plural(p.seats_removed, 'license')} of *{_label(ls)}* at the renewal "
        f"of *{renewal}* ({when}): {ls.line.licensed} → {ls.new_seat_count}. {ls.assigned} users hold it, so "
        f"*{plural(over, 'user')} lose this add-on* (not their account) when the renewal day ends, the most "
        "recently assigned first:",
        *preview_lines(d.chosen, d.more, how="see the license page"),
    ]
    blocks: list[Block] = [
        header(f"{plural(over, 'user')} lose {line_label(ls.line)}"[:150]),
        section("\n".join(lines)),
        context(
            "An operator changes who holds the add-on (`licensebot users import`, the addons column); "
            "an admin can still cancel the request until the renewal is processed."
        ),
    ]
    return {
        "text": f"{escape(page.terms.name)}: {plural(over, 'user')} lose {escape(line_label(ls.line))} on {renewal}",
        "blocks": blocks,
    }
