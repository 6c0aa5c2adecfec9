"""The add-on license lines in Block Kit: the page's lines, the line chooser, the add-on reduce form,
their reminders and the renewal's sentences about them (the package: handlers/blocks/package.py)."""

from __future__ import annotations

from typing import Any

from bot.core.page import LicensePage, LineState
from bot.core.results import RenewalOutcome
from bot.i18n import N_, _, n_, p_
from handlers.blocks.lists import preview_lines
from handlers.blocks.mrkdwn import (
    Block,
    actor,
    button,
    context,
    danger_button,
    escape,
    header,
    plain,
    section,
)
from handlers.blocks.wording import (
    fmt_date,
    licenses,
    line_label,
    lost_features_phrase,
    money,
    per_period,
)
from handlers.ids import Action, View

View_ = dict[str, Any]
Message = dict[str, Any]
LINE_GONE = N_("That license line is gone; open the license page again.")
CHOOSE_IN_THE_FORM = N_("Choose the licenses in the Remove licenses form: `/licenses reduce`.")
"""Catalog ids: shown as `_(X)` (message_view translates its title, T_("modal title", …))."""


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
