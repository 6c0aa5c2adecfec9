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


def describe(entry: Entry) -> str:
    """What happened, in mrkdwn (details are escaped: they may hold names)."""
    d = entry.details
    who = actor(entry.actor)
    n = d.get("seats_removed")
    seats = plural(n, "license") if isinstance(n, int) else escape(n)
    match entry.action:
        case AuditAction.REQUEST_SUBMITTED:
            return f"{who} requested to remove {seats} at the renewal of {_renewal(d)} (#{escape(d.get('request'))})"
        case AuditAction.REQUEST_CANCELLED:
            return f"{who} cancelled request #{escape(d.get('request'))} ({seats}, renewal of {_renewal(d)})"
        case AuditAction.MEMBER_DEACTIVATED:
            how = "automatically" if d.get("how") == "automatic" else "by hand"
            return f"{who} deactivated {escape(d.get('name', '?'))} ({how})"
        case AuditAction.MEMBER_LINKED:
            return f"{who} was recognised as a member of the account"
        case AuditAction.MEMBERS_IMPORTED:
            return f"{who} imported users ({escape(d.get('added', 0))} added, {escape(d.get('updated', 0))} updated)"
        case AuditAction.ACCOUNT_ADDED:
            return f"{who} linked the workspace to the account {escape(d.get('name', ''))}".rstrip()
        case AuditAction.CONSENT_REQUESTED:
            return f"{who} asked {escape(d.get('name', '?'))} for written consent to lose admin rights"
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
        case _:
            extra = ", ".join(f"{escape(k)}={escape(v)}" for k, v in d.items())
            return f"{who}: {escape(entry.action)}" + (f" ({extra})" if extra else "")


def activity_lines(entries: Iterable[Entry], timezone: str) -> list[str]:
    return [f"{pendulum.instance(e.at).in_timezone(timezone).strftime('%d %b %H:%M')} · {describe(e)}" for e in entries]
