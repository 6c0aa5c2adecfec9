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
from bot.i18n import N_, T_, _, n_, p_
from handlers.blocks.lists import preview_lines
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
    section,
)
from handlers.blocks.wording import (
    deadline_label,
    deadline_phrase,
    fmt_date,
    licenses,
    line_label,
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
LINE_GONE = N_("That license line is gone; open the license page again.")
CHOOSE_IN_THE_FORM = N_("Choose the licenses in the Remove licenses form: `/licenses reduce`.")
"""Catalog ids: shown as `_(X)` (message_view translates its title, T_("modal title", …))."""
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
    return _(
        "{licensed} licensed · {assigned} assigned · {unused} unused",
        licensed=ls.line.licensed,
        assigned=ls.assigned,
        unused=ls.unused,
    )


def cancel_line_button(ls: LineState) -> Block | None:
    p = ls.pending
    if p is None:
        return None
    return danger_button(
        _("Cancel request"),
        Action.CANCEL_REQUEST,
        str(p.id),
        title=_("Cancel the request?"),
        question=_(
            "Cancel request #{id} to remove {licenses} of {line} at the renewal of {renewal}? The line then keeps "
            "its licenses.",
            id=p.id,
            licenses=licenses(p.seats_removed),
            line=line_label(ls.line),
            renewal=fmt_date(p.renewal),
        ),
        yes=_("Cancel request"),
        no=_("Keep it"),
    )


def addon_blocks(page: LicensePage, *, admin: bool) -> list[Block]:
    """One section per add-on line: its counts, its pending request and who would lose the add-on."""
    blocks: list[Block] = []
    for ls in page.addons:
        text = f"*{_label(ls)}*\n{line_counts(ls)}"
        if ls.line.price_per_seat is not None:
            price = escape(money(ls.line.price_per_seat, page.terms.currency))
            text += " · " + _("{price} per license per month", price=price)
        p = ls.pending
        if p is None:
            text += "\n" + _("No pending request: this line keeps its licenses at the renewal.")
        else:
            text += "\n" + _(
                "*Pending request #{id}:* remove {licenses} at the renewal of *{renewal}* ({before} → {after}), "
                "requested by {who}.",
                id=p.id,
                licenses=licenses(p.seats_removed),
                renewal=fmt_date(p.renewal),
                before=ls.line.licensed,
                after=ls.new_seat_count,
                who=actor(p.requested_by),
            )
            if ls.saving is not None:
                text += " " + _(
                    "Saving: {saving} {period}.",
                    saving=escape(money(ls.saving, page.terms.currency)),
                    period=per_period(page.terms.plan.value),
                )
        blocks.append(section(text, accessory=cancel_line_button(ls) if admin else None))
        d = ls.deactivation
        if d is not None and d.total:
            names = preview_lines(d.chosen, d.more, how=_("the newest assignments go first"))
            blocks.append(
                context(
                    n_(
                        "If nothing changes, {n} user loses this add-on (not their account) at the renewal, the most "
                        "recently assigned first: {names}",
                        "If nothing changes, {n} users lose this add-on (not their account) at the renewal, the most "
                        "recently assigned first: {names}",
                        d.total,
                        names=", ".join(n.lstrip("• ") for n in names),
                    )
                )
            )
    return blocks


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


# --- choosing a line, the add-on reduce form ----------------------------------------------------


def line_choice_view(page: LicensePage, prefill: int | None = None) -> View_:
    """The first step of Remove licenses when the account has several lines: which one (`prefill`: the number
    typed with `/licenses reduce N`, carried to the chosen line's form)."""
    carried = f":{prefill}" if prefill is not None and 1 <= prefill < 10**6 else ""
    blocks: list[Block] = [section(_("Which licenses do you want to remove?"))]
    for ls in page.lines:
        pending = " · " + _("request #{id} pending", id=ls.pending.id) if ls.pending else ""
        blocks.append(
            section(
                f"*{_label(ls)}*\n{line_counts(ls)}{pending}",
                accessory=button(_("Choose"), Action.CHOOSE_LINE, value=ls.line.key + carried),
            )
        )
    return {
        "type": "modal",
        "callback_id": View.CHOOSE_LINE,
        "title": plain(p_("modal title", "Remove user licenses"), 24),
        "close": plain(_("Cancel")),
        "blocks": blocks,
    }


# --- /licenses plan, the switch form ------------------------------------------------------------


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
    return {
        "type": "modal",
        "callback_id": View.SWITCH,
        "title": plain(p_("modal title", "Switch package"), 24),
        "submit": plain(_("Request")),
        "close": plain(_("Cancel")),
        "private_metadata": SwitchMeta(renewal=tg.renewal).dump(),
        "blocks": blocks,
    }


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


# --- the renewal summary ------------------------------------------------------------------------


def lines_renewal_sentences(o: RenewalOutcome) -> list[str]:
    out: list[str] = []
    for a in o.addons:
        out.append(
            _(
                "*{line}*: {before} → {after} (request #{id}). The removed licenses are no longer charged.",
                line=escape(a.line),
                before=a.seats_before,
                after=licenses(a.seats_after),
                id=a.request_id,
            )
        )
        if a.removed:
            names = ", ".join(escape(r.name) for r in a.removed[:10])
            if len(a.removed) > 10:
                names = _(
                    "{listed} and {more} more (the operator's `licensebot audit export` names them all)",
                    listed=names,
                    more=len(a.removed) - 10,
                )
            out.append(_("They lost this add-on (not their account): {names}.", names=names))
    if o.switch is not None:
        sw = o.switch
        out.append(
            _(
                "*Package*: {before} → *{after}* (switch #{id}). No longer included: {lost}.",
                before=escape(sw.from_tier),
                after=escape(sw.to_tier),
                id=sw.change_id,
                lost=escape(lost_features_phrase(sw.lost_features)),
            )
        )
    return out


def line_reminder_message(page: LicensePage, ls: LineState, days_before: int) -> Message:
    """Holders of an add-on line are over its new count: who loses the add-on at the renewal, unless changed."""
    p, d = ls.pending, ls.deactivation
    if p is None or d is None or ls.new_seat_count is None:
        raise ValueError("a line reminder needs a pending request")
    renewal = fmt_date(p.renewal)
    when = _("today") if days_before == 0 else n_("in {n} day", "in {n} days", days_before)
    over = max(0, ls.assigned - ls.new_seat_count)
    lines = [
        n_(
            "*{account}* removes {licenses} of *{line}* at the renewal of *{renewal}* ({when}): {before} → {after}. "
            "{assigned} users hold it, so *{n} user loses this add-on* (not their account) when the renewal day ends, "
            "the most recently assigned first:",
            "*{account}* removes {licenses} of *{line}* at the renewal of *{renewal}* ({when}): {before} → {after}. "
            "{assigned} users hold it, so *{n} users lose this add-on* (not their account) when the renewal day "
            "ends, the most recently assigned first:",
            over,
            account=escape(page.terms.name),
            licenses=licenses(p.seats_removed),
            line=_label(ls),
            renewal=renewal,
            when=when,
            before=ls.line.licensed,
            after=ls.new_seat_count,
            assigned=ls.assigned,
        ),
        *preview_lines(d.chosen, d.more, how=_("see the license page")),
    ]
    lose = n_("{n} user loses {line}", "{n} users lose {line}", over, line=line_label(ls.line))
    blocks: list[Block] = [
        header(lose[:150]),
        section("\n".join(lines)),
        context(
            _(
                "An operator changes who holds the add-on (`licensebot users import`, the addons column); an admin "
                "can still cancel the request until the renewal is processed."
            )
        ),
    ]
    return {
        "text": n_(
            "{account}: {n} user loses {line} on {renewal}",
            "{account}: {n} users lose {line} on {renewal}",
            over,
            account=escape(page.terms.name),
            line=escape(line_label(ls.line)),
            renewal=renewal,
        ),
        "blocks": blocks,
    }
