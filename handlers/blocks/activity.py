"""Audit entries as short readable lines (history, App Home recent activity)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, Protocol

from bot.core.audit import AuditAction
from bot.i18n import N_, _, n_
from bot.i18n.formats import instant
from handlers.blocks.mrkdwn import actor, channel_link, escape
from handlers.blocks.wording import fmt_date, licenses, users


class Entry(Protocol):
    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def details(self) -> Mapping[str, Any]: ...


def _renewal(details: Mapping[str, Any]) -> str:
    try:
        return fmt_date(date.fromisoformat(str(details.get("renewal"))))
    except ValueError:
        return escape(details.get("renewal", "?"))


SETTINGS = {
    "name": N_("the name"),
    "plan": N_("the plan"),
    "licensed_seats": N_("the licenses"),
    "renewal_anchor": N_("the renewal date"),
    "timezone": N_("the timezone"),
    "admin_channel": N_("the admin channel"),
    "price_per_seat": N_("the price per license"),
    "currency": N_("the currency"),
    "language": N_("the language"),
}


def _who(label: str) -> str:
    """Who did it, as a sentence begins: a mention, "an operator", or licensebot itself."""
    return "licensebot" if label == "worker" else actor(label)


def _n(details: Mapping[str, Any], key: str) -> int | None:
    n = details.get(key, 0)
    return n if isinstance(n, int) and not isinstance(n, bool) else None


def _settings(details: Mapping[str, Any]) -> str:
    parts = [
        _("{setting} to {value}", setting=_(SETTINGS[k]) if k in SETTINGS else escape(k), value=escape(v))
        if k != "admin_channel"
        else _("the admin channel to {channel}", channel=channel_link(str(v)))
        for k, v in details.items()
        if k != "pending_request"
    ]
    text = _("changed {what}", what=", ".join(parts)) if parts else _("changed the account's settings")
    if details.get("pending_request"):
        text += f"; {escape(details['pending_request'])}"
    return text


def describe(entry: Entry) -> str:
    """What happened, as a sentence for people, in mrkdwn (details are escaped: they may hold names)."""
    d = entry.details
    who = _who(entry.actor)
    n = d.get("seats_removed")
    seats = licenses(n) if isinstance(n, int) else escape(n)
    name = escape(d.get("name", "?"))
    match entry.action:
        case AuditAction.REQUEST_SUBMITTED if d.get("line_name"):
            return _(
                "{who} requested to remove {seats} of {line} at the renewal of {renewal} (#{id})",
                who=who,
                seats=seats,
                line=escape(d["line_name"]),
                renewal=_renewal(d),
                id=escape(d.get("request")),
            )
        case AuditAction.REQUEST_SUBMITTED:
            return _(
                "{who} requested to remove {seats} at the renewal of {renewal} (#{id})",
                who=who,
                seats=seats,
                renewal=_renewal(d),
                id=escape(d.get("request")),
            )
        case AuditAction.REQUEST_CANCELLED:
            return _(
                "{who} cancelled request #{id} ({seats}, renewal of {renewal})",
                who=who,
                id=escape(d.get("request")),
                seats=seats,
                renewal=_renewal(d),
            )
        case AuditAction.LINE_REDUCED:
            lost = _n(d, "lost")
            return _(
                "licensebot applied request #{id} at the renewal of {renewal}: {name} {before} → {after}, {users} lost "
                "the add-on",
                id=escape(d.get("request")),
                renewal=_renewal(d),
                name=name,
                before=escape(d.get("seats_before")),
                after=escape(d.get("seats_after")),
                users=users(lost) if lost is not None else escape(d.get("lost")),
            )
        case AuditAction.LINE_ADDED:
            seats_n = _n(d, "seats")
            return _(
                "{who} added the license line {name} ({licenses})",
                who=who,
                name=name,
                licenses=licenses(seats_n) if seats_n is not None else escape(d.get("seats")),
            )
        case AuditAction.LINE_CHANGED:
            return _("{who} changed the license line #{line}", who=who, line=escape(d.get("line")))
        case AuditAction.PACKAGE_SET:
            return _("{who} set the package to {package}", who=who, package=escape(d.get("package", "?")))
        case AuditAction.PACKAGE_SWITCH_REQUESTED:
            return _(
                "{who} requested to switch from {before} to {after} at the renewal of {renewal} (#{id})",
                who=who,
                before=escape(d.get("from_tier", "?")),
                after=escape(d.get("to_tier", "?")),
                renewal=_renewal(d),
                id=escape(d.get("change")),
            )
        case AuditAction.PACKAGE_SWITCH_CANCELLED:
            return _(
                "{who} cancelled switch #{id} to {tier}",
                who=who,
                id=escape(d.get("change")),
                tier=escape(d.get("to_tier", "?")),
            )
        case AuditAction.PACKAGE_SWITCHED:
            return _(
                "licensebot switched the package from {before} to {after} at the renewal of {renewal}",
                before=escape(d.get("from_tier", "?")),
                after=escape(d.get("to_tier", "?")),
                renewal=_renewal(d),
            )
        case AuditAction.MEMBER_DEACTIVATED if d.get("how") == "automatic":
            return _("{who} deactivated {name} (automatically at the renewal)", who=who, name=name)
        case AuditAction.MEMBER_DEACTIVATED:
            return _("{who} deactivated {name} (by hand)", who=who, name=name)
        case AuditAction.MEMBER_REACTIVATED:
            return _("{who} reactivated {name}", who=who, name=name)
        case AuditAction.MEMBER_LINKED if d.get("by") == "email":
            return _("licensebot found {who} in Slack by their email", who=actor(str(d.get("slack_user", "?"))))
        case AuditAction.MEMBER_LINKED:
            return _("{who} was recognised as a member of the account", who=who)
        case AuditAction.MEMBERS_IMPORTED:
            text = _(
                "{who} imported users ({added} added, {updated} updated",
                who=who,
                added=escape(d.get("added", 0)),
                updated=escape(d.get("updated", 0)),
            )
            if d.get("admin_removed"):
                text += ", " + _(
                    "admin rights removed from {names}", names=", ".join(escape(x) for x in d["admin_removed"])
                )
            return text + ")"
        case AuditAction.ACCOUNT_ADDED:
            return _(
                "{who} linked the workspace to the account {name}", who=who, name=escape(d.get("name", ""))
            ).rstrip()
        case AuditAction.ACCOUNT_CHANGED if set(d) == {"admin_channel"}:
            return _("{who} made {channel} the admin channel", who=who, channel=channel_link(str(d["admin_channel"])))
        case AuditAction.ACCOUNT_CHANGED:
            return f"{who} {_settings(d)}"
        case AuditAction.RENEWAL_PROCESSED if d.get("late"):
            return _("licensebot processed the renewal of {renewal} (late)", renewal=_renewal(d))
        case AuditAction.RENEWAL_PROCESSED:
            return _("licensebot processed the renewal of {renewal}", renewal=_renewal(d))
        case AuditAction.RENEWAL_INCOMPLETE:
            count = _n(d, "unresolved")
            return _(
                "licensebot could not deactivate {users} at the renewal of {renewal}: only admins without written "
                "consent were left",
                users=users(count) if count is not None else escape(d.get("unresolved")),
                renewal=_renewal(d),
            )
        case AuditAction.CONSENT_REQUESTED:
            return _("{who} asked {name} for written consent to lose admin rights", who=who, name=name)
        case AuditAction.CONSENT_GRANTED:
            return _(
                "{who} gave written consent to lose admin rights (signed “{signature}”)",
                who=who,
                signature=escape(d.get("signature", "")),
            )
        case AuditAction.CONSENT_DECLINED:
            return _("{who} declined to consent to lose admin rights", who=who)
        case AuditAction.CONSENT_REVOKED:
            return _("{who} revoked their consent to lose admin rights", who=who)
        case AuditAction.CONSENT_REFUSED:
            return _(
                "{who} was refused: tried to {attempted} another admin's consent",
                who=who,
                attempted=escape(d.get("attempted", "?")),
            )
        case AuditAction.CONSENTS_EXPORTED:
            return _(
                "{who} exported the consents ({count}, {format})",
                who=who,
                count=escape(d.get("count", 0)),
                format=escape(d.get("format", "")),
            )
        case AuditAction.REMINDER_SNOOZED:
            return _(
                "{who} snoozed the {reminder} reminder (remind me later)",
                who=who,
                reminder=escape(d.get("reminder", "?")),
            )
        case AuditAction.REMINDER_ESCALATED:
            return _(
                "the {reminder} reminder escalated: nobody had acted",
                reminder=escape(str(d.get("key", "?")).rsplit(":", 1)[-1]),
            )
        case AuditAction.MEMBER_TIMEZONE_CHANGED:
            return _(
                "{who}: a timezone is now {timezone} (reminders at 09:00 there)",
                who=who,
                timezone=escape(d.get("timezone", "?")),
            )
        case AuditAction.AUDIT_EXPORTED:
            count = _n(d, "count")
            return _(
                "{who} exported the audit log ({entries}, {format})",
                who=who,
                entries=n_("{n} entry", "{n} entries", count) if count is not None else escape(d.get("count")),
                format=escape(d.get("format", "")),
            )
        case AuditAction.MESSAGE_FAILED:
            return _("licensebot could not deliver a Slack message (it gave up after retrying)")
        case AuditAction.WORKER_FAILED:
            return _("licensebot's background work for this account failed once; it tries again in a few minutes")
        case AuditAction.TEAMLEADER_CONNECT_STARTED:
            return _("{who} started connecting Teamleader", who=who)
        case AuditAction.TEAMLEADER_CONNECT_REFUSED:
            return _("Teamleader access was not granted")
        case AuditAction.TEAMLEADER_CONNECTED if d.get("again"):
            return _("{who} connected Teamleader again", who=who)
        case AuditAction.TEAMLEADER_CONNECTED:
            return _("{who} connected Teamleader", who=who)
        case AuditAction.TEAMLEADER_SYNCED:
            return _(
                "licensebot synced the users from Teamleader ({added} added, {deactivated} deactivated)",
                added=escape(d.get("added", 0)),
                deactivated=escape(d.get("deactivated", 0)),
            )
        case AuditAction.TEAMLEADER_INTERVAL_CHANGED:
            minutes = _n(d, "minutes")
            return _(
                "{who} set the Teamleader sync to every {minutes}",
                who=who,
                minutes=n_("{n} minute", "{n} minutes", minutes) if minutes is not None else escape(d.get("minutes")),
            )
        case AuditAction.TEAMLEADER_RECONNECT_NEEDED:
            return _("Teamleader access was revoked: an admin must connect it again")
        case _:
            return _("{who} made a change ({action})", who=who, action=escape(entry.action))


def activity_lines(entries: Iterable[Entry], timezone: str) -> list[str]:
    """One line per entry; its moment in each reader's own timezone (Slack's date token)."""
    return [f"{instant(e.at, timezone, '{date_short_pretty} {time}')} · {describe(e)}" for e in entries]
