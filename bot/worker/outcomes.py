"""What a delivery pass did: one Outcome per message, gathered in a DeliveryReport (bot/worker/sender.py)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


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
