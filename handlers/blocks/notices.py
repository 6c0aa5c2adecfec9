"""Messages the background handler sends (pure Block Kit builders).

- reminder_message: users must still be deactivated before the renewal (admin channel + every admin).
- unused_seats_message: the account pays for more licenses than it has active users.
- all_set_message: nobody is over the new count any more.
(What happened: handlers/blocks/happened.py.)

People's text (names, account names) goes through `escape()` (handlers/blocks/mrkdwn.py).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.core import policy
from bot.core.page import LicensePage
from bot.core.results import ListKind, ReminderNote
from bot.i18n import _, n_
from handlers.blocks.lists import ListRef, preview_lines, see_all_button
from handlers.blocks.mrkdwn import (
    Block,
    actions,
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
    licenses,
    money,
    more_users,
    per_period,
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


def as_message(text: str, blocks: list[Block]) -> Message:
    """A notice: its notification text (the fallback) and its blocks, cut to Block Kit's limits."""
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
    return as_message(text, blocks)


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
    return as_message(short, [section(text)])


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
    return as_message(text, blocks)
