"""The words every surface shares, in the reader's language (bot/i18n): counts, dates, money, the deadline
phrase, the Teamleader lines. bot/core/wording.py keeps the English of the CLI."""

from __future__ import annotations

from datetime import date, datetime

import pendulum

from bot.core.lines import LicenseLine
from bot.core.page import TeamleaderLink
from bot.core.policy import UNKNOWN_ADDED
from bot.i18n import _, n_
from bot.i18n.formats import day, local_time, money

__all__ = ["day", "local_time", "money"]


def fmt_date(d: date) -> str:
    return day(d)


def licenses(n: int) -> str:
    return n_("{n} license", "{n} licenses", n)


def users(n: int) -> str:
    return n_("{n} user", "{n} users", n)


def more_users(n: int) -> str:
    return n_("{n} more user", "{n} more users", n)


def active_users(n: int) -> str:
    return n_("{n} active user", "{n} active users", n)


def unused_licenses(n: int) -> str:
    return n_("{n} unused license", "{n} unused licenses", n)


def admins(n: int) -> str:
    return n_("{n} admin", "{n} admins", n)


def deadline_label() -> str:
    """The one name of the last day a request can change a renewal (every surface says it the same way)."""
    return _("Deadline to remove licenses")


def users_are_active(n: int) -> str:
    """ "1 user is active", "3 users are active"."""
    return n_("{n} user is active", "{n} users are active", n)


def deadline_phrase(days: int) -> str:
    if days > 1:
        return n_("{n} day left", "{n} days left", days)
    if days == 1:
        return _("1 day left")
    if days == 0:
        return _("today is the last day")
    return _("passed")


def days_phrase(days: int) -> str:
    if days > 1:
        return n_("in {n} day", "in {n} days", days)
    if days == 1:
        return _("tomorrow")
    if days == 0:
        return _("today")
    return n_("{n} day ago", "{n} days ago", -days)


def fmt_local_time(instant: datetime, timezone: str) -> str:
    """An instant as the account's local date and time, with the timezone named."""
    return local_time(instant, timezone)


def reconnect_banner(team: str, link: TeamleaderLink, timezone: str, *, code: str = "") -> str:
    """The license page's banner when Teamleader revoked our access (`code`: the mark around the command)."""
    revoked_on = pendulum.instance(link.since).in_timezone(timezone).date()
    command = code + "licensebot teamleader connect --team " + team + code
    return _(
        "Teamleader access was revoked on {day}; members are not synced; an admin must reconnect (operator: {command})",
        day=fmt_date(revoked_on),
        command=command,
    )


def last_sync_line(link: TeamleaderLink, timezone: str) -> str:
    """The license page's line for a connected account: when the members were last synced."""
    if link.last_sync_at is None:
        return _("Members are synced from Teamleader; last sync not yet")
    return _("Members are synced from Teamleader; last sync {when}", when=fmt_local_time(link.last_sync_at, timezone))


def added_phrase(added_at: datetime, timezone: str) -> str:
    """ "added Thu 26 Nov 2026", or that nobody knows when (users the first Teamleader sync brought in)."""
    if added_at == UNKNOWN_ADDED:
        return _("added date unknown")
    local = pendulum.instance(added_at).in_timezone(timezone)
    return _("added {day}", day=fmt_date(local.date()))


def unknown_added_line(count: int) -> str:
    """The page's note about users with no known added date."""
    return n_(
        "{n} user synced from Teamleader has no known added date: it is deactivated automatically only after "
        "every user with a known date. An operator imports the real dates with `licensebot users import` "
        "(the added_on column).",
        "{n} users synced from Teamleader have no known added date: they are deactivated automatically only after "
        "every user with a known date. An operator imports the real dates with `licensebot users import` "
        "(the added_on column).",
        count,
    )


def and_more(listed: str, more: int) -> str:
    """ "A, B and 3 more"."""
    return _("{listed} and {more} more", listed=listed, more=more) if more > 0 else listed


def unreachable_line(names: tuple[str, ...], shown: int = 5) -> str:
    """Admins licensebot cannot reach in Slack, named (at most `shown`, then "and N more")."""
    listed = and_more(", ".join(names[:shown]), len(names) - shown)
    return n_(
        "{names} ({n} admin) has no Slack user licensebot can find (by Slack id or email): no reminders reach "
        "them in Slack. Give them a slack_user_id (users import) or the same email in Slack.",
        "{names} ({n} admins) have no Slack user licensebot can find (by Slack id or email): no reminders reach "
        "them in Slack. Give them a slack_user_id (users import) or the same email in Slack.",
        len(names),
        names=listed,
    )


def plan_name(plan: str) -> str:
    """The plan as a word: quarterly, annual."""
    return {"quarterly": _("quarterly"), "annual": _("annual")}.get(plan, plan)


def per_period(plan: str) -> str:
    """ "per quarterly period" / "per annual period"."""
    return {"quarterly": _("per quarterly period"), "annual": _("per annual period")}.get(plan, plan)


def not_lowering() -> str:
    return _("Deactivating users does not lower the number of licenses: only a request to remove licenses does.")


def line_label(line: LicenseLine) -> str:
    """A license line as people read it: "User licenses (Grow package)", "Lead capture Booster · Beyond users"."""
    if not line.is_package:
        return line.name
    return _("User licenses ({name} package)", name=line.name) if line.name else _("User licenses")


def lost_features_phrase(features: tuple[str, ...]) -> str:
    return ", ".join(features) if features else _("no feature the catalog lists")
