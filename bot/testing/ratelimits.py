"""Slack's documented Web API rate limits, for the stand-in (bot/testing/slack_standin.py).

Slack applies its limits per method, per app, per workspace, in tiers of requests per minute, and
tolerates bursts (api.slack.com/docs/rate-limits): Tier 1 1+/min, Tier 2 20+/min, Tier 3 50+/min,
Tier 4 100+/min. chat.postMessage is special: about one message per second per channel, short bursts
allowed. Past a limit Slack answers HTTP 429 `{"ok": false, "error": "ratelimited"}` with a
`Retry-After` header (seconds). The figures are the documented minimums ("+"), so a benchmark against
them gives the slowest delivery Slack may impose: the honest "ideal".

Each limit is a token bucket: `per_minute` requests a minute on average, up to `burst` at once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.worker.pacing import BURST

TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
METHOD_TIERS = {
    "conversations.open": 3,
    "users.info": 4,
    "users.lookupByEmail": 3,
    "views.open": 4,
    "views.push": 4,
    "views.update": 4,
    "views.publish": 4,
    "chat.update": 3,
    "chat.postEphemeral": 4,
}
"""The tier of each method licensebot calls (its page in Slack's method reference)."""
POST_PER_CHANNEL_SECONDS = 1.0
POST_BURST = BURST
"""chat.postMessage: one per second per channel, a burst of two tolerated (what the worker's Pacer does)."""


@dataclass
class Bucket:
    per_second: float
    burst: float
    tokens: float
    at: float

    def take(self, now: float, grace: float = 0.0) -> float:
        """0 when a request may go now (it takes a token), else the seconds until one may. `grace`: seconds of
        timing jitter forgiven (a request sent on time may arrive a little early)."""
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.per_second)
        self.at = now
        if self.tokens >= 1 - grace * self.per_second:
            self.tokens = max(0.0, self.tokens - 1)
            return 0.0
        return (1 - self.tokens) / self.per_second


@dataclass
class RateLimits:
    """The limits the stand-in enforces. `tiers` overrides requests per minute by tier (tests use small
    ones); `burst_minutes`: a tier's burst is this many minutes' worth (at least 1 request)."""

    tiers: dict[int, float] = field(default_factory=lambda: dict(TIER_PER_MINUTE))
    burst_minutes: float = 0.25
    post_interval: float = POST_PER_CHANNEL_SECONDS
    post_burst: int = POST_BURST
    clock: Callable[[], float] = time.monotonic
    grace: float = 0.05
    """Seconds by which a request may come early (network and thread jitter) without a 429."""
    limited: int = 0
    """How many calls were answered 429."""

    def __post_init__(self) -> None:
        self._buckets: dict[tuple[str, ...], Bucket] = {}

    def retry_after(self, method: str, workspace: str, channel: str | None) -> int | None:
        """None when the call may go now; else the Retry-After (whole seconds, at least 1) of its 429.
        The caller holds the stand-in's lock."""
        now = self.clock()
        if method == "chat.postMessage":
            key: tuple[str, ...] = (method, workspace, channel or "")
            rate, burst = 1 / self.post_interval, float(self.post_burst)
        elif method in METHOD_TIERS:
            per_minute = self.tiers[METHOD_TIERS[method]]
            key, rate = (method, workspace), per_minute / 60
            burst = float(max(1, math.floor(per_minute * self.burst_minutes)))
        else:
            return None
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(rate, burst, burst, now)
        wait = bucket.take(now, self.grace)
        if not wait:
            return None
        self.limited += 1
        return max(1, math.ceil(wait))
