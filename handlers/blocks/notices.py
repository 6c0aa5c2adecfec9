"""Messages the background handler sends (pure Block Kit builders).

- reminder_message: users must still be deactivated before the renewal (admin channel + every admin).
- unused_seats_message: the account pays for more licenses than it has active users.
- renewal_summary_message: what processing the renewal did.
- teamleader_reconnect_message: Teamleader revoked our access; an admin must connect again.
- request_changed_message: the operator changed the seats or the renewal under the pending request.

People's text (names, account names) goes through `escape()` (handlers/blocks/mrkdwn.py).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pendulum

from bot.core import policy
from bot.core.page import PREVIEW, AccountTerms, LicensePage, TeamleaderLink
from bot.core.results import ListKind, ReminderNote, RenewalOutcome, RequestChange
from bot.i18n import _, n_
from handlers.blocks.lines import lines_renewal_sentences
from handlers.blocks.lists import ListRef, preview_lines, see_all_button
from handlers.blocks.mrkdwn import (
    Block,
    actions,
    actor,
    button,
    context,
    escape,
    fallback,
    fit,
    header,
    line_sections,
    mention,
    section,
)
from handlers.blocks.wording import (
    and_more,
    deadline_phrase,
    fmt_date,
    fmt_local_time,
    licenses,
    money,
    more_users,
    not_lowering,
    per_period,
    reconnect_banner,
    unreachable_line,
    unused_licenses,
    users,
    users_are_active,
)
from handlers.ids import Action

Message = dict[str, Any]
"""`text` (the notification fallback) and `blocks`."""

MENTIONS = 20
"""Admins mentioned by name in an escalated admin-channel post (the rest are counted)."""


def _message(text: str, blocks: list[Block]) -> Message:
    return {"text": fallback(text), "blocks": fit(blocks)}


def _when(days_before: int) -> str:
    if days_before == 0:
        return _("today")
    return _("tomorrow") if days_before == 1 else n_("in {n} day", "in {n} days", days_before)


def snooze_value(renewal: date, days_before: int, choice: int) -> str:
    """A "Remind me later" button's value (read back by handlers/snooze.py, `SnoozeRef.load`)."""
    return json.dumps({"r": renewal.isoformat(), "d": days_before, "n": choice}, separators=(",", ":"))


def _later(choice: int) -> str:
    if choice == 1:
        return _("Remind me later: tomorrow")
    return n_("Remind me later: in {n} day", "Remind me later: in {n} days", choice)


def reminder_message(page: LicensePage, days_before: int, note: ReminderNote | None = None) -> Message:
    """Users must still be deactivated before the renewal of the pending request.

    `page` is the license page at the moment the reminder is decided (it has a pending request and
    more active users than the new number of licenses). `note` words it for one recipient: an escalation
    (it says so, and the admin-channel post mentions the admins), "Remind me later" buttons on an early DM,
    a snoozed reminder coming back.
    """
    if page.pending is None or page.deactivation is None or page.new_seat_count is None:
        raise ValueError("a reminder needs a pending request")
    note = note or ReminderNote(days_before=days_before, days_left=days_before)
    t, p, d = page.terms, page.pending, page.deactivation
    renewal = fmt_date(p.renewal)
    when = _when(note.days_left)
    lines: list[str] = []
    if note.escalated:
        lines.append(
            _(
                ":rotating_light: *Nobody has acted since the last reminder, and {users} must still be deactivated "
                "by {renewal} ({when}).* If nothing changes, licensebot deactivates the users below automatically "
                "when the renewal day ends.",
                users=users(d.shortfall),
                renewal=renewal,
                when=when,
            )
        )
    calls: list[Block] = []
    if note.escalated and note.for_channel and note.admins:
        who = and_more(" ".join(mention(a) for a in note.admins[:MENTIONS]), len(note.admins) - MENTIONS)
        calls.append(section(_("Admins: {who}", who=who)))
    if note.snoozed:
        calls.append(section(_(":alarm_clock: You asked to be reminded again today.")))
    lines.append(
        _(
            "*{account}* removes {removed} at the renewal of *{renewal}* ({when}): {before} → {after}. "
            "{active}, so *{users} must still be deactivated*, at the latest on {renewal} "
            "(until 23:59, {timezone}).",
            account=escape(t.name),
            removed=licenses(p.seats_removed),
            renewal=renewal,
            when=when,
            before=t.licensed_seats,
            after=licenses(page.new_seat_count),
            active=users_are_active(page.active),
            users=users(d.shortfall),
            timezone=escape(t.timezone),
        )
    )
    if d.total:
        lines.append(
            _(
                "If nothing changes, these users are deactivated automatically when the renewal day ends "
                "(the most recently added first) and lose access:"
            )
        )
        lines.extend(preview_lines(d.chosen, d.more))
    if d.unresolved:
        lines.append(
            _(
                ":warning: {users} cannot be deactivated automatically: only admins without written consent are "
                "left. Deactivate users yourself, or ask an admin for consent.",
                users=more_users(d.unresolved),
            )
        )
    if page.unreachable_admins:
        lines.append(f":warning: {escape(unreachable_line(page.unreachable_admins))}")
    buttons = [
        button(_("Deactivate users"), Action.OPEN_DEACTIVATE, value=str(p.id), style="primary"),
        *([see_all_button(ListRef(ListKind.AT_RISK), d.total)] if d.more else []),
        *(button(_later(c), Action.SNOOZE, value=snooze_value(p.renewal, days_before, c)) for c in note.snooze_choices),
    ]
    title = _("{users} to deactivate by {renewal}", users=users(d.shortfall), renewal=renewal)
    foot = _(
        "Reminder for request #{id}. The renewal is processed when {renewal} ends ({timezone}); until then the "
        "request can still be cancelled.",
        id=p.id,
        renewal=renewal,
        timezone=escape(t.timezone),
    )
    if note.snooze_choices:
        foot += " " + _("Remind me later brings this reminder back at 09:00 your time.")
    blocks: list[Block] = [
        header(_("Escalation: {title}", title=title) if note.escalated else title),
        *calls,
        *line_sections(lines),
        actions(buttons),
        context(foot),
    ]
    args = {"users": users(d.shortfall), "account": escape(t.name), "renewal": renewal, "when": when}
    if note.escalated:
        text = _(
            "Escalation: deactivate {users} of {account} by {renewal} ({when}), or the most recently added users "
            "are deactivated automatically.",
            **args,
        )
    else:
        text = _(
            "Reminder: deactivate {users} of {account} by {renewal} ({when}), or the most recently added users "
            "are deactivated automatically.",
            **args,
        )
    if note.escalated and note.for_channel and note.admins:
        text += " " + " ".join(mention(a) for a in note.admins[:MENTIONS])
    return _message(text, blocks)


def all_set_message(page: LicensePage) -> Message:
    """Nobody has to be deactivated any more (since the last reminder): one short message instead."""
    t, p = page.terms, page.pending
    renewal = fmt_date(p.renewal) if p else fmt_date(page.next_renewal)
    seats = page.new_seat_count if page.new_seat_count is not None else t.licensed_seats
    text = _(
        ":white_check_mark: *{account}* is all set for the renewal of {renewal}: the active users fit the "
        "{licenses}, nobody will be deactivated automatically. No more reminders.",
        account=escape(t.name),
        renewal=renewal,
        licenses=licenses(seats),
    )
    short = _("{account} is all set for the renewal of {renewal}.", account=escape(t.name), renewal=renewal)
    return _message(short, [section(text)])


def unused_seats_message(page: LicensePage) -> Message:
    """The account pays for more licenses than it has active users and nothing is requested."""
    t, target = page.terms, page.target
    unused = page.unused_seats
    saving = policy.saving(unused, t.price_per_seat, t.plan)
    lines = [
        _(
            "*{account}* pays for {licenses} and has {active}: *{unused}*.",
            account=escape(t.name),
            licenses=licenses(t.licensed_seats),
            active=n_("{n} active user", "{n} active users", page.active),
            unused=n_("{n} license unused", "{n} licenses unused", unused),
        )
    ]
    if saving is not None:
        lines.append(
            n_(
                "Removing it would save *{saving}* {period} from the renewal of {renewal}.",
                "Removing them would save *{saving}* {period} from the renewal of {renewal}.",
                unused,
                saving=escape(money(saving, t.currency)),
                period=per_period(t.plan.value),
                renewal=fmt_date(target.renewal),
            )
        )
    lines.append(
        _(
            "To change the renewal of {renewal}, request by *{deadline}* ({left}).",
            renewal=fmt_date(target.renewal),
            deadline=fmt_date(target.deadline),
            left=deadline_phrase(target.days_left),
        )
    )
    if page.unreachable_admins:
        lines.append(f":warning: {escape(unreachable_line(page.unreachable_admins))}")
    blocks: list[Block] = [
        header(unused_licenses(unused)),
        *line_sections(lines),
        actions([button(_("Remove licenses"), Action.OPEN_REDUCE, value=str(unused), style="primary")]),
        context(_("Only account admins can remove licenses. You are told this once per renewal.")),
    ]
    text = n_(
        "{account} has {n} unused license: request by {deadline} to remove it.",
        "{account} has {n} unused licenses: request by {deadline} to remove them.",
        unused,
        account=escape(t.name),
        deadline=fmt_date(target.deadline),
    )
    return _message(text, blocks)


def renewal_summary_message(outcome: RenewalOutcome) -> Message:
    o = outcome
    renewal = fmt_date(o.renewal)
    lines: list[str] = []
    if o.late:
        local = pendulum.instance(o.processed_at).in_timezone(o.timezone)
        clock = local.format("HH:mm")
        lines.append(
            _(
                ":hourglass: *Processed late*: on {day} at {time} ({timezone}), not right after the renewal day "
                "ended, because licensebot's worker was not running.",
                day=fmt_date(local.date()),
                time=clock,
                timezone=escape(o.timezone),
            )
        )
    if o.request_id is None and not o.changed:
        lines.append(
            _("The renewal of *{renewal}* is processed. No request was pending: nothing changed.", renewal=renewal)
        )
    elif o.request_id is None:
        lines.append(_("The renewal of *{renewal}* is processed.", renewal=renewal))
    else:
        if o.requested_by:
            who = _(" (request #{id} by {who})", id=o.request_id, who=actor(o.requested_by))
        else:
            who = _(" (request #{id})", id=o.request_id)
        lines.append(
            _(
                "The renewal of *{renewal}* is processed{who}: *{before} → {after}*. The removed licenses are no "
                "longer charged.",
                renewal=renewal,
                who=who,
                before=o.seats_before,
                after=licenses(o.seats_after),
            )
        )
        if o.deactivated:
            lines.append(_("Deactivated automatically ({users}, they lost access):", users=users(len(o.deactivated))))
            lines.extend(preview_lines(o.deactivated, 0, how=_("*See all* lists everyone, page by page")))
        elif not o.unresolved:
            lines.append(_("The active users fit the new number of licenses: nobody was deactivated."))
        if o.unresolved:
            lines.append(
                _(
                    ":warning: *{users} could not be deactivated automatically*: only admins without written "
                    "consent were left, and an admin is never deactivated without it. {active} for {licenses}: "
                    "deactivate {users} yourself, or ask an admin for consent.",
                    users=users(o.unresolved),
                    active=users_are_active(o.active_after),
                    licenses=licenses(o.seats_after),
                )
            )
    lines.extend(lines_renewal_sentences(o))
    title = (
        _("Renewal of {renewal} processed late", renewal=renewal)
        if o.late
        else _("Renewal of {renewal} processed", renewal=renewal)
    )
    blocks: list[Block] = [header(title), *line_sections(lines)]
    if len(o.deactivated) > PREVIEW:
        blocks.append(actions([see_all_button(ListRef(ListKind.RENEWAL, o.renewal), len(o.deactivated))]))
    if o.request_id is not None:
        blocks.append(context(not_lowering()))
    if o.late:
        text = _(
            "{account}: the renewal of {renewal} is processed (late)", account=escape(o.account_name), renewal=renewal
        )
    else:
        text = _("{account}: the renewal of {renewal} is processed", account=escape(o.account_name), renewal=renewal)
    if o.request_id is not None:
        text += f", {o.seats_before} → {licenses(o.seats_after)}"
        if o.deactivated:
            text += ", " + n_("{n} user deactivated", "{n} users deactivated", len(o.deactivated))
        if o.unresolved:
            text += ", " + n_("{n} user still over the count", "{n} users still over the count", o.unresolved)
    for a in o.addons:
        text += f", {escape(a.line)} {a.seats_before} → {a.seats_after}"
    if o.switch is not None:
        text += ", " + _(
            "package {before} → {after}", before=escape(o.switch.from_tier), after=escape(o.switch.to_tier)
        )
    return _message(text + ".", blocks)


def teamleader_reconnect_message(terms: AccountTerms, link: TeamleaderLink) -> Message:
    """Teamleader refused our refresh token (revoked): members are no longer synced until an admin reconnects."""
    if not link.reconnect_needed:
        raise ValueError("a reconnect notice needs a revoked Teamleader connection")
    t = terms
    banner = reconnect_banner(t.team_id, link, t.timezone, code="`")
    if link.last_sync_at:
        last = _("the members as last synced ({when})", when=fmt_local_time(link.last_sync_at, t.timezone))
    else:
        last = _("the members stored in licensebot")
    lines = [
        f":warning: *{escape(t.name)}*: {banner}.",
        _(
            "Until then reminders and the renewal work on {last}: users added or deactivated in Teamleader since "
            "then are not seen here.",
            last=last,
        ),
    ]
    blocks: list[Block] = [
        header(_("Teamleader must be connected again")),
        *line_sections(lines),
        context(_("An admin of the Teamleader account grants access again through the link that command prints.")),
    ]
    text = _("{account}: Teamleader access was revoked; an admin must reconnect it.", account=escape(t.name))
    return _message(text, blocks)


def request_changed_message(change: RequestChange) -> Message:
    """The pending request follows a change of the licensed seats or of the renewal date."""
    c = change
    lines = [
        _(
            "*{account}*: the account's terms changed under request #{id} (by {who}). It still goes to *{keeps}*.",
            account=escape(c.account_name),
            id=c.request_id,
            who=actor(c.requested_by),
            keeps=licenses(c.keeps),
        )
    ]
    if c.licensed_seats != c.seats_before:
        lines.append(
            _(
                "The licenses changed from {before} to {seats}: the request now removes *{removed}* "
                "({seats} → {keeps}) instead of {removed_before}.",
                before=c.seats_before,
                seats=c.licensed_seats,
                removed=licenses(c.seats_removed),
                keeps=c.keeps,
                removed_before=c.seats_removed_before,
            )
        )
    if c.renewal != c.renewal_before:
        line = _(
            "The renewal moved: the request now applies to the renewal of *{renewal}* (it was {before}).",
            renewal=fmt_date(c.renewal),
            before=fmt_date(c.renewal_before),
        )
        if c.missed is not None:
            line += " " + _(
                "The deadline for the renewal of {missed} had passed when the request was made.",
                missed=fmt_date(c.missed),
            )
        lines.append(line)
    blocks: list[Block] = [
        header(_("Request #{id} changed", id=c.request_id)),
        *line_sections(lines),
        context(_("Until the renewal is processed the request can still be cancelled (`/licenses cancel`).")),
    ]
    text = _(
        "{account}: request #{id} follows the new terms; it still goes to {keeps}.",
        account=escape(c.account_name),
        id=c.request_id,
        keeps=licenses(c.keeps),
    )
    return _message(text, blocks)
