"""Remind me later: an admin snoozes an early reminder (d14, d7) until tomorrow or in 3 days, 09:00 their
time. Stored (`reminder_snoozes`, one per admin and reminder: snoozing again moves it) and audited; the
worker brings it back to that admin only (bot/core/schedule.py). d1/d0 reminders cannot be snoozed, and
a snooze never brings a reminder back in the last 48 hours before the renewal day ends.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from bot.core import policy, schedule
from bot.core.audit import Actor, AuditAction
from bot.core.errors import Conflict, UserError
from bot.core.results import Snoozed
from bot.i18n import _
from bot.i18n.formats import day
from bot.usecases.common import require_admin
from bot.usecases.ports import Database
from store import models
from store.queries import audit, load_account, pending_of, wake


def _zone(name: str | None, fallback: str) -> str:
    try:
        return policy.check_timezone(name) if name else fallback
    except policy.PolicyError:
        return fallback


def snooze_reminder(
    db: Database, *, team: str, actor: Actor, renewal: date, days_before: int, choice: int, now: datetime
) -> Snoozed:
    with db.transaction() as s:
        account = load_account(s, team, lock=True)
        member = require_admin(s, account, actor)
        if member is None:
            raise UserError(_("Only an admin snoozes their own reminders."))
        pending = pending_of(s, account.id)
        if pending is None or pending.renewal != renewal:
            raise Conflict(
                _(
                    "No request is pending for the renewal of {renewal} any more: there is nothing to remind you of.",
                    renewal=day(renewal),
                )
            )
        if not schedule.snoozable(days_before):
            raise UserError(_("The reminders of the last days before the renewal cannot be snoozed."))
        tz = _zone(member.timezone, account.timezone)
        until = schedule.snooze_until(
            days_before, choice, now, renewal=renewal, account_tz=account.timezone, recipient_tz=tz
        )
        if until is None:
            raise UserError(
                _(
                    "That is too close to the renewal: a reminder is never moved into the last 48 hours before the "
                    "renewal day ends ({renewal}, 23:59 {timezone}).",
                    renewal=day(renewal),
                    timezone=account.timezone,
                )
            )
        row = s.scalar(
            select(models.ReminderSnooze).where(
                models.ReminderSnooze.member_id == member.id,
                models.ReminderSnooze.renewal_date == renewal,
                models.ReminderSnooze.days_before == days_before,
            )
        )
        if row is None:
            s.add(
                models.ReminderSnooze(
                    account_id=account.id,
                    member_id=member.id,
                    renewal_date=renewal,
                    days_before=days_before,
                    snoozed_at=now,
                    until=until,
                )
            )
        else:
            row.snoozed_at, row.until = now, until
        audit(
            s,
            account.id,
            actor,
            AuditAction.REMINDER_SNOOZED,
            now,
            member=member.id,
            renewal=renewal.isoformat(),
            reminder=f"d{days_before}",
            until=until.isoformat(),
        )
        wake(account, now)
        return Snoozed(renewal=renewal, days_before=days_before, until=until, timezone=tz)
