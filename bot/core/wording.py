"""Wording helpers every surface shares: dates, money, plurals, the deadline phrase, Teamleader lines."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pendulum

from bot.core.lines import LicenseLine
from bot.core.page import TeamleaderLink
from bot.core.policy import UNKNOWN_ADDED


def fmt_date(d: date) -> str:
    return d.strftime("%a %d %b %Y")


def money(amount: Decimal, currency: str | None) -> str:
    return f"{amount:,.2f} {currency or ''}".strip()


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


DEADLINE_LABEL = "Deadline to remove licenses"
"""The one name of the last day a request can change a renewal (every surface says it the same way)."""


def users_are_active(n: int) -> str:
    """ "1 user is active", "3 users are active"."""
    return f"{plural(n, 'user')} {'is' if n == 1 else 'are'} active"


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


def added_phrase(added_at: datetime, timezone: str) -> str:
    """ "added Thu 26 Nov 2026", or that nobody knows when (users the first Teamleader sync brought in)."""
    if added_at == UNKNOWN_ADDED:
        return "added date unknown"
    local = pendulum.instance(added_at).in_timezone(timezone)
    return f"added {fmt_date(local.date())}"


def unknown_added_line(count: int) -> str:
    """The page's note about users with no known added date."""
    return (
        f"{plural(count, 'user')} synced from Teamleader {'has' if count == 1 else 'have'} no known added date: "
        "they are deactivated automatically only after every user with a known date. An operator imports the real "
        "dates with `licensebot users import` (the added_on column)."
    )


def unreachable_line(names: tuple[str, ...], shown: int = 5) -> str:
    """Admins licensebot cannot reach in Slack, named (at most `shown`, then "and N more")."""
    listed = ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")
    verb = "has" if len(names) == 1 else "have"
    return (
        f"{listed} ({plural(len(names), 'admin')}) {verb} no Slack user licensebot can find (by Slack id or email): "
        "no reminders reach them in Slack. Give them a slack_user_id (users import) or the same email in Slack."
    )


def line_label(line: LicenseLine) -> str:
    """A license line as people read it: "User licenses (Grow package)", "Lead capture Booster · Beyond users"."""
    if not line.is_package:
        return line.name
    return f"User licenses ({line.name} package)" if line.name else "User licenses"


def lost_features_phrase(features: tuple[str, ...]) -> str:
    return ", ".join(features) if features else "no feature the catalog lists"
