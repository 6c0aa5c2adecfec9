"""What a delivery pass did: one Outcome per message, gathered in a DeliveryReport (bot/worker/sender.py)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from bot.core.ids import USER_ID
from bot.worker.ports import Posted


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    account_id: int
    key: str
    target: str
    error: str | None = None
    failed: bool = False
    """Failed for good (MAX_ATTEMPTS reached)."""


@dataclass
class DeliveryReport:
    sent: list[Outcome] = field(default_factory=list)
    retrying: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Unexpected errors (the rows concerned stay pending and are retried on a later pass)."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def add(self, outcome: Outcome) -> None:
        with self._lock:
            if outcome.error is None:
                self.sent.append(outcome)
            elif outcome.failed:
                self.failed.append(outcome)
            else:
                self.retrying.append(outcome)

    def error(self, text: str) -> None:
        with self._lock:
            self.errors.append(text[:300])


def dm_channel_change(account_id: int, target: str, result: object, known: str | None) -> dict[str, Any] | None:
    """The DM channel to store for a user target after a post (the one it went to; None: forget a stored one
    that failed), or None when nothing changes."""
    if not USER_ID.match(target):
        return None
    if isinstance(result, Posted):
        found = result.channel if result.channel.startswith("D") else None
        if found is None or found == known:
            return None
    elif known is None:
        return None
    else:
        found = None
    return {"a": account_id, "u": target, "c": found}
