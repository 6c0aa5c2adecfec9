"""Pacing the posts into one channel (Slack allows about one message per second per channel)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """At most one post per `interval` seconds into any one channel (within this process)."""

    def __init__(
        self,
        interval: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel: str) -> float:
        """Reserve the next slot of `channel` and sleep until it; returns the seconds slept."""
        with self._lock:
            now = self._clock()
            at = max(now, self._next.get(channel, now))
            self._next[channel] = at + self.interval
            if len(self._next) > 10_000:
                self._next = {c: t for c, t in self._next.items() if t > now}
        if at > now:
            self._sleep(at - now)
        return at - now
