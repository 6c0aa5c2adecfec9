"""The tick's fast path: a batch of due accounts in one short transaction.

The batch's rows are claimed at once (`FOR UPDATE SKIP LOCKED` on PostgreSQL: concurrent workers take
different accounts; the write lock on SQLite, held for one batch only), their state read with a handful of
set-based statements (bot/worker/tick_reads.py), each account decided by bot/core/schedule (pure), the
messages of the whole batch inserted in one executemany (unique keys: nothing is queued twice) and the
wakeups written in one executemany UPDATE.

Whatever is rare or needs more takes the per-account path of bot/worker/tick.py and is returned as `slow`:
a renewal to process, add-on lines, and an account whose decision raised (it fails there again, and is
recorded and retried after RETRY_AFTER as before). If the batch's transaction fails, every account of it
takes that path: one account's failure never loses the others' work, nor is it hidden.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from bot.core import policy, schedule
from bot.core.audit import WORKER, Actor, AuditAction, MessageKind
from bot.core.notice import AllSet, Reminder, UnusedSeats, encode, page_data
from bot.core.page import PREVIEW, LicensePage, build_page, new_seat_count
from bot.core.results import ReminderNote
from bot.worker.outbox import Planned, insert_planned
from bot.worker.ports import Message, Notices
from bot.worker.tick_reads import BatchReads, escalations, known_zone, newest_members, read_batch
from store import models
from store.queries import audit_many, terms_of

log = logging.getLogger(__name__)

BATCH = 200
"""Due accounts claimed per transaction (PostgreSQL)."""
SQLITE_BATCH = 50
"""SQLite: its one write lock is held for a batch; 50 accounts keep that far under 250 ms (bench.tick_due)."""


@dataclass
class Decided:
    account: models.Account
    due: schedule.Due
    queued: dict[str, int] = field(default_factory=dict)
    """Occasion key -> messages added (as AccountReport.queued)."""


@dataclass
class BatchResult:
    done: list[Decided] = field(default_factory=list)
    slow: list[int] = field(default_factory=list)
    """Accounts for the per-account path (a renewal, add-on lines, a decision that raised)."""


def claim(s: Session, ids: Sequence[int], now: datetime) -> list[models.Account]:
    a = models.Account
    return list(
        s.scalars(
            select(a)
            .where(a.id.in_(list(ids)), or_(a.next_tick_at <= now, a.next_tick_at.is_(None)))
            .order_by(a.id)
            .with_for_update(skip_locked=True)
        )
    )


def tick_batch(s: Session, ids: Sequence[int], now: datetime, notices: Notices) -> BatchResult:
    """Decide and queue the accounts `ids` (those still due and not locked by another worker) in `s`."""
    result = BatchResult()
    accounts = claim(s, ids, now)
    reads = read_batch(s, accounts)
    states: dict[int, schedule.AccountState] = {}
    for account in accounts:
        if account.id in reads.with_lines:
            result.slow.append(account.id)
            continue
        try:
            states[account.id] = state_of(account, reads)
        except Exception:  # decided again (and recorded if it fails) on the per-account path
            log.debug("account %s: taking the per-account path", account.id, exc_info=True)
            result.slow.append(account.id)
    account_of = {a.id: a for a in accounts}
    asked = {a: ask for a, state in states.items() if (ask := escalation_asked(account_of[a], state))}
    escalating = escalations(s, asked)
    decided: list[Decided] = []
    for account in accounts:
        state = states.get(account.id)
        if state is None:
            continue
        if account.id in escalating:
            state = replace(state, escalation=True)
        try:
            due = schedule.due_at(state, now)
        except Exception:
            log.debug("account %s: taking the per-account path", account.id, exc_info=True)
            result.slow.append(account.id)
            continue
        if due.renewal is not None:
            result.slow.append(account.id)
        else:
            decided.append(Decided(account, due))
    pages = _pages([d for d in decided if d.due.reminders or d.due.unused_note], reads, s, now)
    planned: list[Planned] = []
    for d in decided:
        try:
            mine = _messages(d, pages.get(d.account.id), reads, now, notices)
        except Exception:
            log.debug("account %s: taking the per-account path", d.account.id, exc_info=True)
            result.slow.append(d.account.id)
            continue
        planned.extend(mine)
        result.done.append(d)
    added = insert_planned(s, planned, now)
    _report(s, result.done, planned, added, now)
    return result


def state_of(account: models.Account, reads: BatchReads) -> schedule.AccountState:
    """The account's schedule state from the batch's reads (as bot/worker/tick.py `state_of`, without the
    escalation, decided for the whole batch afterwards)."""
    pending = reads.pending.get(account.id)
    days = schedule.parse_reminder_days(account.reminder_days)
    terms = (
        schedule.PendingTerms(
            renewal=pending.renewal, new_seat_count=policy.seats_after(account.licensed_seats, pending.seats_removed)
        )
        if pending
        else None
    )
    recipients: tuple[schedule.Recipient, ...] = ()
    if terms is not None:
        sent = reads.sent.get(account.id, [])
        prefix, all_set = schedule.reminder_prefix(terms.renewal), schedule.all_set_key(terms.renewal)
        reminded = {t for t, k in sent if k.startswith(prefix)}
        told = {t for t, k in sent if k == all_set}
        snoozes = reads.snoozes.get(account.id, {})
        out: list[schedule.Recipient] = []
        if account.admin_channel:
            c = account.admin_channel
            out.append(
                schedule.Recipient(target=c, timezone=account.timezone, reminded=c in reminded, all_set=c in told)
            )
        for admin in sorted(reads.admins.get(account.id, []), key=lambda a: a.slack_user_id or ""):
            user = admin.slack_user_id
            if not user or user in {r.target for r in out}:
                continue
            out.append(
                schedule.Recipient(
                    target=user,
                    timezone=known_zone(admin.timezone) or account.timezone,
                    member_id=admin.id,
                    reminded=user in reminded,
                    all_set=user in told,
                    snoozes=tuple(snoozes.get(admin.id, ())),
                )
            )
        recipients = tuple(out)
    return schedule.AccountState(
        anchor=account.renewal_anchor,
        plan=policy.Plan(account.plan),
        timezone=account.timezone,
        licensed_seats=account.licensed_seats,
        active_users=reads.active.get(account.id, 0),
        pending=terms,
        last_processed_renewal=account.last_processed_renewal,
        since=policy.local_date(account.created_at, account.timezone),
        reminder_days=days,
        recipients=recipients,
        escalation=False,
    )


def escalation_asked(account: models.Account, state: schedule.AccountState) -> tuple[date, int] | None:
    """(renewal, the reminder before the escalating one) when the escalation depends on the audit log."""
    terms = state.pending
    if terms is None or state.active_users <= terms.new_seat_count:
        return None
    if not account.escalate or schedule.ESCALATE_DAYS not in state.reminder_days:
        return None
    earlier = [d for d in state.reminder_days if d > schedule.ESCALATE_DAYS]
    return (terms.renewal, min(earlier)) if earlier else None


def _pages(decided: Sequence[Decided], reads: BatchReads, s: Session, now: datetime) -> dict[int, LicensePage]:
    """The license page of each account that gets a message, as `page_of` builds it for these messages (the
    roster: every active admin and the newest others a preview names)."""
    depths: dict[int, int] = {}
    for d in decided:
        a = d.account
        admins = reads.admins.get(a.id, [])
        new = new_seat_count(terms_of(a), reads.pending.get(a.id))
        depths[a.id] = policy.roster_depth(reads.active.get(a.id, 0), len(admins), new, PREVIEW)
    newest = newest_members(s, depths)
    pages: dict[int, LicensePage] = {}
    for d in decided:
        a = d.account
        admins = reads.admins.get(a.id, [])
        members = [
            policy.Member(id=m.id, name=m.name, added_at=m.added_at, is_admin=True, consented=m.consented)
            for m in admins
        ]
        members += newest.get(a.id, [])
        roster = policy.Roster(
            active=reads.active.get(a.id, 0), members=tuple(sorted(members, key=lambda m: (m.added_at, m.id)))
        )
        pages[a.id] = build_page(
            terms_of(a),
            roster,
            reads.pending.get(a.id),
            now,
            preview=PREVIEW,
            unreachable_admins=tuple(m.name for m in admins if not m.slack_user_id),
        )
    return pages


def reminder_note(
    r: schedule.ReminderDue, now: datetime, *, account_tz: str, today: date, admins: tuple[str, ...]
) -> ReminderNote:
    """How one recipient's reminder is worded: the channel's names `admins` when escalated; an admin's DM offers
    its snooze choices (not when escalated or all set)."""
    channel = r.member_id is None
    choices: tuple[int, ...] = ()
    if not channel and not r.escalated and not r.all_set:
        choices = schedule.snooze_choices(
            r.days_before, now, renewal=r.renewal, account_tz=account_tz, recipient_tz=r.timezone
        )
    return ReminderNote(
        days_before=r.days_before,
        days_left=(r.renewal - today).days,
        for_channel=channel,
        escalated=r.escalated,
        admins=admins if channel and r.escalated else (),
        snooze_choices=choices,
        snoozed=r.snoozed,
        renewal=r.renewal,
    )


def _messages(
    d: Decided, page: LicensePage | None, reads: BatchReads, now: datetime, notices: Notices
) -> list[Planned]:
    """The outbox rows of one decided account: its recipients' reminders and the unused-seats note."""
    account, due = d.account, d.due
    out: list[Planned] = []
    if page is None:
        return out
    admins = sorted(a.slack_user_id for a in reads.admins.get(account.id, []) if a.slack_user_id)
    stored = page_data(page)  # the page once for every notice of the account
    if due.reminders:
        mentioned = tuple(t for t in dict.fromkeys(admins) if t != account.admin_channel)
        built: dict[tuple[object, ...], Message] = {}
        for r in due.reminders:
            channel = r.member_id is None
            note = reminder_note(r, now, account_tz=account.timezone, today=page.today, admins=mentioned)
            wording = (r.all_set, note)
            if wording not in built:
                built[wording] = encode(AllSet(page) if r.all_set else Reminder(page, r.days_before, note), page=stored)
            out.append(
                Planned(account.id, r.key, r.target, MessageKind.REMINDER, built[wording], counted=channel, note=r)
            )
    if due.unused_note:
        message = encode(UnusedSeats(page), page=stored)
        targets = ([account.admin_channel] if account.admin_channel else []) + admins
        for target in dict.fromkeys(targets):
            out.append(Planned(account.id, due.unused_note.key, target, MessageKind.UNUSED, message, counted=True))
    return out


def _report(
    s: Session, done: Sequence[Decided], planned: Sequence[Planned], added: set[tuple[int, str, str]], now: datetime
) -> None:
    """What each account queued (as the per-account path reports and audits it), and its next wakeup."""
    entries: list[tuple[int | None, Actor, AuditAction, datetime, dict[str, Any]]] = []
    by_account: dict[int, list[Planned]] = {}
    for p in planned:
        by_account.setdefault(p.account_id, []).append(p)
    for d in done:
        escalated = 0
        for p in by_account.get(d.account.id, []):
            n = 1 if (p.account_id, p.key, p.target) in added else 0
            if n or p.counted:  # a DM queued before is no news; the channel's says it was queued
                d.queued[p.key] = d.queued.get(p.key, 0) + n
            escalated += n if p.note is not None and p.note.escalated else 0
        if escalated:
            first = next(p.note for p in by_account[d.account.id] if p.note is not None)
            assert first is not None
            key = schedule.reminder_key(first.renewal, schedule.ESCALATE_DAYS)
            entries.append(
                (d.account.id, WORKER, AuditAction.REMINDER_ESCALATED, now, {"key": key, "recipients": escalated})
            )
        for key, n in d.queued.items():
            if n:
                entries.append((d.account.id, WORKER, AuditAction.MESSAGE_QUEUED, now, {"key": key, "recipients": n}))
    audit_many(s, entries)
    if done:  # one executemany UPDATE (Core: the ORM's flush of 200 dirty accounts cost as much again)
        s.connection().execute(_WAKEUP, [{"i": d.account.id, "w": d.due.next_wakeup} for d in done])


_ACCOUNTS = models.Base.metadata.tables[models.Account.__tablename__]
_WAKEUP = update(_ACCOUNTS).where(_ACCOUNTS.c.id == bindparam("i")).values(next_tick_at=bindparam("w"))
