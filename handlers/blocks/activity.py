"""Audit entries as short readable lines (history, App Home recent activity)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, Protocol

import pendulum

from bot.core.audit import AuditAction
from bot.core.wording import plural
from handlers.blocks.mrkdwn import actor, channel_link, escape


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
        return date.fromisoformat(str(details.get("renewal"))).strftime("%d %b %Y")
    except ValueError:
        return escape(details.get("renewal", "?"))


SETTINGS = {
    "name": "the name",
    "plan": "the plan",
    "licensed_seats": "the licenses",
    "renewal_anchor": "the renewal date",
    "timezone": "the timezone",
    "admin_channel": "the admin channel",
    "price_per_seat": "the price per license",
    "currency": "the currency",
}


def _who(label: str) -> str:
    """Who did it, as a sentence begins: a mention, "an operator", or licensebot itself."""
    return "licensebot" if label == "worker" else actor(label)


def _count(details: Mapping[str, Any], key: str, word: str) -> str:
    n = details.get(key, 0)
    return plural(n, word) if isinstance(n, int) else escape(n)


def _settings(details: Mapping[str, Any]) -> str:
    parts = [
        f"{SETTINGS.get(k, escape(k))} to {escape(v)}"
        if k != "admin_channel"
        else f"the admin channel to {channel_link(str(v))}"
        for k, v in details.items()
        if k != "pending_request"
    ]
    text = "changed " + (", ".join(parts) if parts else "the account's settings")
    if details.get("pending_request"):
        text += f"; {escape(details['pending_request'])}"
    return text


def describe(entry: Entry) -> str:
    """What happened, as a sentence for people, in mrkdwn (details are escaped: they may hold names)."""
    d = entry.details
    who = _who(entry.actor)
    n = d.get("seats_removed")
    seats = plural(n, "license") if isinstance(n, int) else escape(n)
    name = escape(d.get("name", "?"))
    match entry.action:
        case AuditAction.REQUEST_SUBMITTED:
            return f"{who} requested to remove {seats} at the renewal of {_renewal(d)} (#{escape(d.get('request'))})"
        case AuditAction.REQUEST_SUBMITTED if d.get("line_name"):
            return (
                f"{who} requested to remove {seats} of {escape(d['line_name'])} at the renewal of {_renewal(d)} "
                f"(#{escape(d.get('request'))})"
            )
        case AuditAction.REQUEST_CANCELLED:
            return f"{who} cancelled request #{escape(d.get('request'))} ({seats}, renewal of {_renewal(d)})"
        case AuditAction.LINE_REDUCED:
            return (
                f"licensebot applied request #{escape(d.get('request'))} at the renewal of {_renewal(d)}: {name} "
                f"{escape(d.get('seats_before'))} → {escape(d.get('seats_after'))}, "
                f"{_count(d, 'lost', 'user')} lost the add-on"
            )
        case AuditAction.LINE_ADDED:
            return f"{who} added the license line {name} ({_count(d, 'seats', 'license')})"
        case AuditAction.LINE_CHANGED:
            return f"{who} changed the license line #{escape(d.get('line'))}"
        case AuditAction.PACKAGE_SET:
            return f"{who} set the package to {escape(d.get('package', '?'))}"
        case AuditAction.PACKAGE_SWITCH_REQUESTED:
            return (
                f"{who} requested to switch from {escape(d.get('from_tier', '?'))} to {escape(d.get('to_tier', '?'))} "
                f"at the renewal of {_renewal(d)} (#{escape(d.get('change'))})"
            )
        case AuditAction.PACKAGE_SWITCH_CANCELLED:
            return f"{who} cancelled switch #{escape(d.get('change'))} to {escape(d.get('to_tier', '?'))}"
        case AuditAction.PACKAGE_SWITCHED:
            return (
                f"licensebot switched the package from {escape(d.get('from_tier', '?'))} to "
                f"{escape(d.get('to_tier', '?'))} at the renewal of {_renewal(d)}"
            )
        case AuditAction.MEMBER_DEACTIVATED:
            how = "automatically at the renewal" if d.get("how") == "automatic" else "by hand"
            return f"{who} deactivated {name} ({how})"
        case AuditAction.MEMBER_REACTIVATED:
            return f"{who} reactivated {name}"
        case AuditAction.MEMBER_LINKED if d.get("by") == "email":
            return f"licensebot found {actor(str(d.get('slack_user', '?')))} in Slack by their email"
        case AuditAction.MEMBER_LINKED:
            return f"{who} was recognised as a member of the account"
        case AuditAction.MEMBERS_IMPORTED:
            text = f"{who} imported users ({escape(d.get('added', 0))} added, {escape(d.get('updated', 0))} updated"
            if d.get("admin_removed"):
                text += ", admin rights removed from " + ", ".join(escape(x) for x in d["admin_removed"])
            return text + ")"
        case AuditAction.ACCOUNT_ADDED:
            return f"{who} linked the workspace to the account {escape(d.get('name', ''))}".rstrip()
        case AuditAction.ACCOUNT_CHANGED if set(d) == {"admin_channel"}:
            return f"{who} made {channel_link(str(d['admin_channel']))} the admin channel"
        case AuditAction.ACCOUNT_CHANGED:
            return f"{who} {_settings(d)}"
        case AuditAction.RENEWAL_PROCESSED:
            return f"licensebot processed the renewal of {_renewal(d)}" + (" (late)" if d.get("late") else "")
        case AuditAction.RENEWAL_INCOMPLETE:
            return (
                f"licensebot could not deactivate {_count(d, 'unresolved', 'user')} at the renewal of {_renewal(d)}: "
                "only admins without written consent were left"
            )
        case AuditAction.CONSENT_REQUESTED:
            return f"{who} asked {name} for written consent to lose admin rights"
        case AuditAction.CONSENT_GRANTED:
            return f"{who} gave written consent to lose admin rights (signed “{escape(d.get('signature', ''))}”)"
        case AuditAction.CONSENT_DECLINED | AuditAction.CONSENT_REVOKED:
            verb = "declined to consent" if entry.action == AuditAction.CONSENT_DECLINED else "revoked their consent"
            return f"{who} {verb} to lose admin rights"
        case AuditAction.CONSENT_REFUSED:
            return f"{who} was refused: tried to {escape(d.get('attempted', '?'))} another admin's consent"
        case AuditAction.CONSENTS_EXPORTED:
            return f"{who} exported the consents ({escape(d.get('count', 0))}, {escape(d.get('format', ''))})"
        case AuditAction.REMINDER_SNOOZED:
            return f"{who} snoozed the {escape(d.get('reminder', '?'))} reminder (remind me later)"
        case AuditAction.REMINDER_ESCALATED:
            return f"the {escape(str(d.get('key', '?')).rsplit(':', 1)[-1])} reminder escalated: nobody had acted"
        case AuditAction.MEMBER_TIMEZONE_CHANGED:
            return f"{who}: a timezone is now {escape(d.get('timezone', '?'))} (reminders at 09:00 there)"
        case AuditAction.ACCOUNT_CHANGED if set(d) == {"admin_channel"}:
            return f"{who} made {channel_link(str(d['admin_channel']))} the admin channel"
        case AuditAction.AUDIT_EXPORTED:
            return f"{who} exported the audit log ({_count(d, 'count', 'entry')}, {escape(d.get('format', ''))})"
        case AuditAction.MESSAGE_FAILED:
            return "licensebot could not deliver a Slack message (it gave up after retrying)"
        case AuditAction.WORKER_FAILED:
            return "licensebot's background work for this account failed once; it tries again in a few minutes"
        case AuditAction.TEAMLEADER_CONNECT_STARTED:
            return f"{who} started connecting Teamleader"
        case AuditAction.TEAMLEADER_CONNECT_REFUSED:
            return "Teamleader access was not granted"
        case AuditAction.TEAMLEADER_CONNECTED:
            return f"{who} connected Teamleader" + (" again" if d.get("again") else "")
        case AuditAction.TEAMLEADER_SYNCED:
            return (
                f"licensebot synced the users from Teamleader ({escape(d.get('added', 0))} added, "
                f"{escape(d.get('deactivated', 0))} deactivated)"
            )
        case AuditAction.TEAMLEADER_INTERVAL_CHANGED:
            return f"{who} set the Teamleader sync to every {_count(d, 'minutes', 'minute')}"
        case AuditAction.TEAMLEADER_RECONNECT_NEEDED:
            return "Teamleader access was revoked: an admin must connect it again"
        case _:
            return f"{who} made a change ({escape(entry.action)})"


def activity_lines(entries: Iterable[Entry], timezone: str) -> list[str]:
    return [f"{pendulum.instance(e.at).in_timezone(timezone).strftime('%d %b %H:%M')} · {describe(e)}" for e in entries]
