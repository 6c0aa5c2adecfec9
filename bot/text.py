"""The license page as plain text (CLI `status`, the demo)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import pendulum

from bot.page import LicensePage, TeamleaderLink

if TYPE_CHECKING:
    from bot.background.outbox import OutboxStatus


def fmt_date(d: date) -> str:
    return d.strftime("%a %d %b %Y")


def money(amount: Decimal, currency: str | None) -> str:
    return f"{amount:,.2f} {currency or ''}".strip()


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def deadline_phrase(days: int) -> str:
    if days > 1:
        return f"{days} days left"
    if days == 1:
        return "1 day left"
    if days == 0:
        return "today is the last day"
    return "passed"


def fmt_local_time(instant: datetime, timezone: str) -> str:
    """An instant as the account's local date and time, e.g. `Thu 26 Nov 2026 09:14 (Europe/Brussels)`."""
    local = pendulum.instance(instant).in_timezone(timezone)
    return f"{fmt_date(local.date())} {local:%H:%M} ({timezone})"


def reconnect_banner(team: str, link: TeamleaderLink, timezone: str, *, code: str = "") -> str:
    """The license page's banner when Teamleader revoked our access (`code`: the mark around the command)."""
    revoked_on = pendulum.instance(link.since).in_timezone(timezone).date()
    return (
        f"Teamleader access was revoked on {fmt_date(revoked_on)}; members are not synced; an admin must "
        f"reconnect (operator: {code}licensebot teamleader connect --team {team}{code})"
    )


def last_sync_line(link: TeamleaderLink, timezone: str) -> str:
    """The license page's line for a connected account: when the members were last synced."""
    last = fmt_local_time(link.last_sync_at, timezone) if link.last_sync_at else "not yet"
    return f"Members are synced from Teamleader; last sync {last}"


def render_page(page: LicensePage) -> str:
    t = page.terms
    lines = [
        f"{t.name} ({t.team_id})",
        f"  plan             {t.plan.value}",
        f"  licenses         {t.licensed_seats} licensed, {page.active} active users"
        + (f", {page.unused_seats} unused" if page.unused_seats else ""),
        f"  next renewal     {fmt_date(page.next_renewal)} ({t.timezone})",
        f"  deadline         {fmt_date(page.next_deadline)} ({deadline_phrase(page.days_to_deadline)})",
    ]
    if page.target.missed:
        lines.append(f"                   a request made now applies to the renewal of {fmt_date(page.target.renewal)}")
    link = page.teamleader
    if link is not None and link.reconnect_needed:
        lines.append(f"  ! teamleader     {reconnect_banner(t.team_id, link, t.timezone)}")
    elif link is not None:
        line = last_sync_line(link, t.timezone)
        if link.last_error:
            line += f"; the last try failed: {link.last_error}"
        lines.append(f"  teamleader       {line}")
    if t.price_per_seat is not None:
        lines.append(f"  price            {money(t.price_per_seat, t.currency)} per license per month")
    p = page.pending
    if p is None:
        lines.append("  pending request  none")
    else:
        lines.append(
            f"  pending request  #{p.id}: remove {plural(p.seats_removed, 'license')} at the renewal of "
            f"{fmt_date(p.renewal)} ({t.licensed_seats} -> {page.new_seat_count}), asked by {p.requested_by}"
        )
        if page.saving is not None:
            lines.append(f"  saving           {money(page.saving, t.currency)} per {t.plan.value} period")
    d = page.deactivation
    if d is not None and d.shortfall:
        lines.append(
            f"  to deactivate    {plural(d.shortfall, 'user')} by {fmt_date(p.renewal if p else page.next_renewal)};"
            " otherwise these are deactivated automatically:"
        )
        lines.extend(f"                   - {m.name}{' (admin)' if m.is_admin else ''}" for m in d.chosen)
        if d.unresolved:
            lines.append(
                f"                   ! {plural(d.unresolved, 'more user')} cannot be chosen: only admins without"
                " consent are left"
            )
    elif d is not None:
        lines.append("  to deactivate    nobody: active users fit the new number of licenses")
    lines.append(
        "  note             deactivating users does not lower the number of licenses; only a reduction request does"
    )
    return "\n".join(lines)


def render_outbox(status: OutboxStatus) -> str | None:
    """The `status` lines about the account's Slack messages: waiting ones and failures (None: all sent)."""
    if not status.pending and not status.failed_total:
        return None
    lines = []
    if status.pending:
        lines.append(f"  messages         {plural(status.pending, 'message')} waiting to be sent to Slack")
    if status.failed_total:
        lines.append(
            f"  ! failed         {plural(status.failed_total, 'message')} could not be delivered"
            " (see `licensebot tick` and the log):"
        )
        lines.extend(
            f"                   - {f.key} to {f.target}, {plural(f.attempts, 'attempt')}: {f.error or 'unknown error'}"
            for f in status.failed
        )
        if status.failed_total > len(status.failed):
            lines.append(f"                   … and {status.failed_total - len(status.failed)} more")
    return "\n".join(lines)
