"""The license page and the outbox state as plain text (CLI `status`, the demo)."""

from __future__ import annotations

from bot.core.page import LicensePage
from bot.core.wording import (
    deadline_phrase,
    fmt_date,
    last_sync_line,
    line_label,
    lost_features_phrase,
    money,
    plural,
    reconnect_banner,
    unknown_added_line,
    unreachable_line,
)
from bot.worker.outbox import OutboxStatus


def render_page(page: LicensePage) -> str:
    t = page.terms
    lines = [
        f"{t.name} ({t.team_id})",
        f"  plan             {t.plan.value}",
        f"  licenses         {t.licensed_seats} licensed, {plural(page.active, 'active user')}"
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
    if page.unreachable_admins:
        lines.append(f"  ! unreachable    {unreachable_line(page.unreachable_admins)}")
    if page.unknown_added:
        lines.append(f"  added dates      {unknown_added_line(page.unknown_added)}")
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
        if d.more:
            lines.append(
                f"                   … and {plural(d.more, 'more user')} (in Slack: /licenses users --at-risk)"
            )
        if d.unresolved:
            lines.append(
                f"                   ! {plural(d.unresolved, 'more user')} cannot be chosen: only admins without"
                " consent are left"
            )
    elif d is not None:
        lines.append("  to deactivate    nobody: active users fit the new number of licenses")
    lines.extend(_lines_and_package(page))
    lines.append(
        "  note             deactivating users does not lower the number of licenses; only a reduction request does"
    )
    return "\n".join(lines)


def _lines_and_package(page: LicensePage) -> list[str]:
    """The package and every license line (nothing for an account with just its package's user licenses)."""
    t, out = page.terms, []
    pkg = page.package
    if pkg is not None and pkg.tier is not None:
        out.append(f"  package          {pkg.tier.name} (rank {pkg.tier.rank})")
        if pkg.pending is not None:
            sw = pkg.pending
            out.append(
                f"  package switch   #{sw.id}: to {sw.to_tier.name} at the renewal of {fmt_date(sw.renewal)}, "
                f"asked by {sw.requested_by}; loses: {lost_features_phrase(pkg.lost_features)}"
            )
            if pkg.saving is not None:
                out.append(f"                   saving {money(pkg.saving, t.currency)} per {t.plan.value} period")
    if not page.addons:
        return out
    out.append(f"  license lines    {len(page.lines)}:")
    for ls in page.lines:
        ln = ls.line
        line = f"    {ln.key:<8} {line_label(ln)}: {ln.licensed} licensed, {ls.assigned} assigned, {ls.unused} unused"
        if ls.pending is not None:
            line += (
                f"; pending #{ls.pending.id}: remove {plural(ls.pending.seats_removed, 'license')} at the renewal of "
                f"{fmt_date(ls.pending.renewal)} ({ln.licensed} -> {ls.new_seat_count})"
            )
            if ls.saving is not None:
                line += f", saving {money(ls.saving, t.currency)} per {t.plan.value} period"
        out.append(line)
        d = ls.deactivation
        if not ln.is_package and d is not None and d.total:
            names = ", ".join(m.name for m in d.chosen) + (f" and {d.more} more" if d.more else "")
            out.append(f"             lose the add-on automatically (newest first): {names}")
    return out


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
