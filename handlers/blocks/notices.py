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
from bot.core.wording import (
    deadline_phrase,
    fmt_date,
    fmt_local_time,
    money,
    plural,
    reconnect_banner,
    unreachable_line,
    users_are_active,
)
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
from handlers.ids import Action

Message = dict[str, Any]
"""`text` (the notification fallback) and `blocks`."""

MENTIONS = 20
"""Admins mentioned by name in an escalated admin-channel post (the rest are counted)."""
NOT_LOWERING = "Deactivating users does not lower the number of licenses: only a request to remove licenses does."


def _message(text: str, blocks: list[Block]) -> Message:
    return {"text": fallback(text), "blocks": fit(blocks)}


def _when(days_before: int) -> str:
    if days_before == 0:
        return "today"
    return "tomorrow" if days_before == 1 else f"in {days_before} days"


def snooze_value(renewal: date, days_before: int, choice: int) -> str:
    """A "Remind me later" button's value (read back by handlers/snooze.py, `SnoozeRef.load`)."""
    return json.dumps({"r": renewal.isoformat(), "d": days_before, "n": choice}, separators=(",", ":"))


def _later(choice: int) -> str:
    return "Tomorrow" if choice == 1 else f"In {choice} days"


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
            f":rotating_light: *Nobody has acted since the last reminder, and {plural(d.shortfall, 'user')} must "
            f"still be deactivated by {renewal} ({when}).* If nothing changes, licensebot deactivates the users "
            "below automatically when the renewal day ends."
        )
    calls: list[Block] = []
    if note.escalated and note.for_channel and note.admins:
        more = len(note.admins) - MENTIONS
        who = " ".join(mention(a) for a in note.admins[:MENTIONS]) + (f" and {more} more" if more > 0 else "")
        calls.append(section(f"Admins: {who}"))
    if note.snoozed:
        calls.append(section(":alarm_clock: You asked to be reminded again today."))
    lines.append(
        f"*{escape(t.name)}* removes {plural(p.seats_removed, 'license')} at the renewal of *{renewal}* "
        f"({when}): {t.licensed_seats} → {plural(page.new_seat_count, 'license')}. "
        f"{users_are_active(page.active)}, so *{plural(d.shortfall, 'user')} must still be deactivated*, "
        f"at the latest on {renewal} (until 23:59, {escape(t.timezone)}).",
    )
    if d.total:
        lines.append(
            "If nothing changes, these users are deactivated automatically when the renewal day ends "
            "(the most recently added first) and lose access:"
        )
        lines.extend(preview_lines(d.chosen, d.more))
    if d.unresolved:
        lines.append(
            f":warning: {plural(d.unresolved, 'more user')} cannot be deactivated automatically: only admins without "
            "written consent are left. Deactivate users yourself, or ask an admin for consent."
        )
    if page.unreachable_admins:
        lines.append(f":warning: {escape(unreachable_line(page.unreachable_admins))}")
    buttons = [
        button("Deactivate users", Action.OPEN_DEACTIVATE, value=str(p.id), style="primary"),
        *([see_all_button(ListRef(ListKind.AT_RISK), d.total)] if d.more else []),
        *(
            button(
                f"Remind me later: {_later(c).lower()}", Action.SNOOZE, value=snooze_value(p.renewal, days_before, c)
            )
            for c in note.snooze_choices
        ),
    ]
    title = f"{plural(d.shortfall, 'user')} to deactivate by {renewal}"
    blocks: list[Block] = [
        header(("Escalation: " if note.escalated else "") + title),
        *calls,
        *line_sections(lines),
        actions(buttons),
        context(
            f"Reminder for request #{p.id}. The renewal is processed when {renewal} ends ({escape(t.timezone)}); "
            "until then the request can still be cancelled."
            + (" Remind me later brings this reminder back at 09:00 your time." if note.snooze_choices else "")
        ),
    ]
    text = (
        f"{'Escalation' if note.escalated else 'Reminder'}: deactivate {plural(d.shortfall, 'user')} of "
        f"{escape(t.name)} by {renewal} ({when}), or the most recently added users are deactivated automatically."
    )
    if note.escalated and note.for_channel and note.admins:
        text += " " + " ".join(mention(a) for a in note.admins[:MENTIONS])
    return _message(text, blocks)


def all_set_message(page: LicensePage) -> Message:
    """Nobody has to be deactivated any more (since the last reminder): one short message instead."""
    t, p = page.terms, page.pending
    renewal = fmt_date(p.renewal) if p else fmt_date(page.next_renewal)
    text = (
        f":white_check_mark: *{escape(t.name)}* is all set for the renewal of {renewal}: the active users fit the "
        f"{page.new_seat_count if page.new_seat_count is not None else t.licensed_seats} licenses, nobody will be "
        "deactivated automatically. No more reminders."
    )
    return _message(f"{escape(t.name)} is all set for the renewal of {renewal}.", [section(text)])


def unused_seats_message(page: LicensePage) -> Message:
    """The account pays for more licenses than it has active users and nothing is requested."""
    t, target = page.terms, page.target
    unused = page.unused_seats
    saving = policy.saving(unused, t.price_per_seat, t.plan)
    lines = [
        f"*{escape(t.name)}* pays for {plural(t.licensed_seats, 'license')} and has "
        f"{plural(page.active, 'active user')}: *{plural(unused, 'license')} unused*.",
    ]
    if saving is not None:
        lines.append(
            f"Removing {'it' if unused == 1 else 'them'} would save *{escape(money(saving, t.currency))}* "
            f"per {t.plan.value} period from the renewal of {fmt_date(target.renewal)}."
        )
    lines.append(
        f"To change the renewal of {fmt_date(target.renewal)}, request by *{fmt_date(target.deadline)}* "
        f"({deadline_phrase(target.days_left)})."
    )
    if page.unreachable_admins:
        lines.append(f":warning: {escape(unreachable_line(page.unreachable_admins))}")
    blocks: list[Block] = [
        header(f"{plural(unused, 'unused license')}"),
        *line_sections(lines),
        actions([button("Remove licenses", Action.OPEN_REDUCE, value=str(unused), style="primary")]),
        context("Only account admins can remove licenses. You are told this once per renewal."),
    ]
    text = (
        f"{escape(t.name)} has {plural(unused, 'unused license')}: "
        f"request by {fmt_date(target.deadline)} to remove {'it' if unused == 1 else 'them'}."
    )
    return _message(text, blocks)


def renewal_summary_message(outcome: RenewalOutcome) -> Message:
    o = outcome
    renewal = fmt_date(o.renewal)
    lines: list[str] = []
    if o.late:
        local = pendulum.instance(o.processed_at).in_timezone(o.timezone)
        lines.append(
            f":hourglass: *Processed late*: on {fmt_date(local.date())} at {local:%H:%M} ({escape(o.timezone)}), "
            f"not right after the renewal day ended, because licensebot's worker was not running."
        )
    if o.request_id is None and not o.changed:
        lines.append(f"The renewal of *{renewal}* is processed. No request was pending: nothing changed.")
    elif o.request_id is None:
        lines.append(f"The renewal of *{renewal}* is processed.")
    else:
        who = (
            f" (request #{o.request_id} by {actor(o.requested_by)})"
            if o.requested_by
            else f" (request #{o.request_id})"
        )
        lines.append(
            f"The renewal of *{renewal}* is processed{who}: *{o.seats_before} → {plural(o.seats_after, 'license')}*. "
            "The removed licenses are no longer charged."
        )
        if o.deactivated:
            lines.append(f"Deactivated automatically ({plural(len(o.deactivated), 'user')}, they lost access):")
            lines.extend(preview_lines(o.deactivated, 0, how="*See all* lists everyone, page by page"))
        elif not o.unresolved:
            lines.append("The active users fit the new number of licenses: nobody was deactivated.")
        if o.unresolved:
            lines.append(
                f":warning: *{plural(o.unresolved, 'user')} could not be deactivated automatically*: only admins "
                f"without written consent were left, and an admin is never deactivated without it. "
                f"{users_are_active(o.active_after)} for {plural(o.seats_after, 'license')}: deactivate "
                f"{plural(o.unresolved, 'user')} yourself, or ask an admin for consent."
            )
    lines.extend(lines_renewal_sentences(o))
    blocks: list[Block] = [header(f"Renewal of {renewal} processed{' late' if o.late else ''}"), *line_sections(lines)]
    if len(o.deactivated) > PREVIEW:
        blocks.append(actions([see_all_button(ListRef(ListKind.RENEWAL, o.renewal), len(o.deactivated))]))
    if o.request_id is not None:
        blocks.append(context(NOT_LOWERING))
    text = f"{escape(o.account_name)}: the renewal of {renewal} is processed{' (late)' if o.late else ''}"
    if o.request_id is not None:
        text += f", {o.seats_before} → {plural(o.seats_after, 'license')}"
        if o.deactivated:
            text += f", {plural(len(o.deactivated), 'user')} deactivated"
        if o.unresolved:
            text += f", {plural(o.unresolved, 'user')} still over the count"
    for a in o.addons:
        text += f", {escape(a.line)} {a.seats_before} → {a.seats_after}"
    if o.switch is not None:
        text += f", package {escape(o.switch.from_tier)} → {escape(o.switch.to_tier)}"
    return _message(text + ".", blocks)


def teamleader_reconnect_message(terms: AccountTerms, link: TeamleaderLink) -> Message:
    """Teamleader refused our refresh token (revoked): members are no longer synced until an admin reconnects."""
    if not link.reconnect_needed:
        raise ValueError("a reconnect notice needs a revoked Teamleader connection")
    t = terms
    banner = reconnect_banner(t.team_id, link, t.timezone, code="`")
    last = (
        f"the members as last synced ({fmt_local_time(link.last_sync_at, t.timezone)})"
        if link.last_sync_at
        else "the members stored in licensebot"
    )
    lines = [
        f":warning: *{escape(t.name)}*: {banner}.",
        f"Until then reminders and the renewal work on {last}: users added or deactivated in Teamleader "
        "since then are not seen here.",
    ]
    blocks: list[Block] = [
        header("Teamleader must be connected again"),
        *line_sections(lines),
        context("An admin of the Teamleader account grants access again through the link that command prints."),
    ]
    text = f"{escape(t.name)}: Teamleader access was revoked; an admin must reconnect it."
    return _message(text, blocks)


def request_changed_message(change: RequestChange) -> Message:
    """The pending request follows a change of the licensed seats or of the renewal date."""
    c = change
    lines = [
        f"*{escape(c.account_name)}*: the account's terms changed under request #{c.request_id} "
        f"(by {actor(c.requested_by)}). It still goes to *{plural(c.keeps, 'license')}*."
    ]
    if c.licensed_seats != c.seats_before:
        lines.append(
            f"The licenses changed from {c.seats_before} to {c.licensed_seats}: the request now removes "
            f"*{plural(c.seats_removed, 'license')}* ({c.licensed_seats} → {c.keeps}) "
            f"instead of {c.seats_removed_before}."
        )
    if c.renewal != c.renewal_before:
        line = (
            f"The renewal moved: the request now applies to the renewal of *{fmt_date(c.renewal)}* "
            f"(it was {fmt_date(c.renewal_before)})."
        )
        if c.missed is not None:
            line += f" The deadline for the renewal of {fmt_date(c.missed)} had passed when the request was made."
        lines.append(line)
    blocks: list[Block] = [
        header(f"Request #{c.request_id} changed"),
        *line_sections(lines),
        context("Until the renewal is processed the request can still be cancelled (`/licenses cancel`)."),
    ]
    return _message(f"{escape(c.account_name)}: {escape(c.summary)}.", blocks)
