"""Pacing the posts into one channel: Slack allows about one message per second per channel, with short
bursts (api.slack.com/docs/rate-limits: "Posting messages: 1 per second, short bursts >1 allowed")."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

BURST = 2
"""Posts the worker makes into one channel at once before it keeps to one per `interval` (Slack's burst)."""


class Pacer:
    """At most `burst` posts at once into any one channel, then one per `interval` seconds (within this
    process): a token bucket of `burst` tokens refilled at one per `interval`."""

    def __init__(
        self,
        interval: float = 1.0,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if burst < 1:
            raise ValueError("burst must be >= 1")
        self.interval = interval
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        """Channel -> when its bucket is full again minus one token's time (the next slot at one per interval)."""
        self._lock = threading.Lock()

    def delay(self, channel: str) -> float:
        """Seconds until `channel` has a free slot (0: now), without reserving it."""
        with self._lock:
            now = self._clock()
            due = max(now, self._next.get(channel, now))
            return max(0.0, due - (self.burst - 1) * self.interval - now)

    def sleep(self, seconds: float) -> None:
        """Sleep on the Pacer's clock (a delivery pass with nothing to post before the next free slot)."""
        self._sleep(seconds)

    def wait(self, channel: str) -> float:
        """Reserve the next slot of `channel` and sleep until it; returns the seconds slept."""
        with self._lock:
            now = self._clock()
            due = max(now, self._next.get(channel, now))
            at = max(now, due - (self.burst - 1) * self.interval)
            self._next[channel] = due + self.interval
            if len(self._next) > 10_000:
                self._next = {c: t for c, t in self._next.items() if t > now}
        if at > now:
            self._sleep(at - now)
        return at - now
