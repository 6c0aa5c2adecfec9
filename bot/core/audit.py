"""Who acts, what the audit log records, and the kinds of messages the outbox carries.

Every change is written to the audit log as an `AuditAction` with its details; the activity lists of
the license page render `ActivityEntry` values (never database rows).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Actor:
    """Who acts: an operator at the CLI (trusted), or a Slack user (must be an admin to change things)."""

    label: str
    slack_user_id: str | None = None
    operator: bool = False

    @classmethod
    def slack(cls, user_id: str) -> Actor:
        return cls(label=user_id, slack_user_id=user_id)


OPERATOR = Actor(label="cli", operator=True)
"""The operator at the command line."""
WORKER = Actor(label="worker")
"""The background handler (reminders, renewals, the outbox)."""


class AuditAction(enum.StrEnum):
    ACCOUNT_ADDED = "account.added"
    ACCOUNT_CHANGED = "account.changed"
    MEMBERS_IMPORTED = "members.imported"
    MEMBER_LINKED = "member.linked"
    MEMBER_DEACTIVATED = "member.deactivated"
    MEMBER_REACTIVATED = "member.reactivated"
    REQUEST_SUBMITTED = "request.submitted"
    REQUEST_CANCELLED = "request.cancelled"
    LINE_REDUCED = "line.reduced"
    LINE_ADDED = "line.added"
    LINE_CHANGED = "line.changed"
    PACKAGE_TIER_SAVED = "package.tier_saved"
    PACKAGE_SET = "package.set"
    PACKAGE_SWITCH_REQUESTED = "package.switch_requested"
    PACKAGE_SWITCH_CANCELLED = "package.switch_cancelled"
    PACKAGE_SWITCHED = "package.switched"
    RENEWAL_PROCESSED = "renewal.processed"
    RENEWAL_INCOMPLETE = "renewal.incomplete"
    CONSENT_REQUESTED = "consent.requested"
    CONSENT_GRANTED = "consent.granted"
    CONSENT_DECLINED = "consent.declined"
    CONSENT_REVOKED = "consent.revoked"
    CONSENT_REFUSED = "consent.refused"
    CONSENTS_EXPORTED = "consents.exported"
    AUDIT_EXPORTED = "audit.exported"
    MESSAGE_QUEUED = "message.queued"
    REMINDER_SNOOZED = "reminder.snoozed"
    REMINDER_ESCALATED = "reminder.escalated"
    MEMBER_TIMEZONE_CHANGED = "member.timezone_changed"
    MESSAGE_FAILED = "message.failed"
    WORKER_FAILED = "worker.failed"
    TEAMLEADER_CONNECT_STARTED = "teamleader.connect_started"
    TEAMLEADER_CONNECT_REFUSED = "teamleader.connect_refused"
    TEAMLEADER_CONNECTED = "teamleader.connected"
    TEAMLEADER_SYNCED = "teamleader.synced"
    TEAMLEADER_INTERVAL_CHANGED = "teamleader.interval_changed"
    TEAMLEADER_RECONNECT_NEEDED = "teamleader.reconnect_needed"
    SLACK_INSTALLED = "slack.installed"
    SLACK_UNINSTALLED = "slack.uninstalled"
    SLACK_LINKED = "slack.linked"
    SLACK_LINK_REFUSED = "slack.link_refused"
    LINK_CODE_ISSUED = "slack.link_code_issued"


INTERNAL: frozenset[str] = frozenset({AuditAction.MESSAGE_QUEUED.value})
"""Entries for the operator's audit export only: the history and "Recent activity" people read leave them out."""


class MessageKind(enum.StrEnum):
    """What an outbox message is about (stored with it; `licensebot status` and the logs show it)."""

    REMINDER = "reminder"
    UNUSED = "unused"
    RENEWAL = "renewal"
    TEAMLEADER = "teamleader"
    # Announcements of a change people made, queued in the change's own transaction:
    REQUEST = "request"
    CANCELLATION = "cancellation"
    DEACTIVATION = "deactivation"
    CONSENT = "consent"
    CHANNEL = "channel"
    SWITCH = "switch"
    SWITCH_CANCELLATION = "switch_cancel"
    REQUEST_CHANGED = "request_changed"
    """An operator changed the seats or the renewal under a pending request (bot/usecases/pending.py)."""


def announcement_key(kind: MessageKind, account_id: int, ref: object) -> str:
    """The outbox key of the messages announcing one change, unique across accounts (e.g. `request:3:17`)."""
    return f"{kind.value}:{account_id}:{ref}"[:64]


def announcement_account(key: str) -> int | None:
    """The account id in an announcement key (`request:3:17` -> 3); None for another kind of key."""
    kind, _sep, rest = key.partition(":")
    account, sep, _ref = rest.partition(":")
    return int(account) if sep and kind in _ANNOUNCED and account.isdigit() else None


_ANNOUNCED = frozenset(
    k.value
    for k in MessageKind
    if k not in {MessageKind.REMINDER, MessageKind.UNUSED, MessageKind.RENEWAL, MessageKind.TEAMLEADER}
)
"""The kinds whose keys are `announcement_key`s (a change people made)."""


@dataclass(frozen=True)
class ActivityEntry:
    """One audit-log entry as people read it (history, recent activity)."""

    at: datetime
    actor: str
    action: str
    """An AuditAction value; kept as text so that entries written by older versions still render."""
    details: Mapping[str, Any] = field(default_factory=dict)
