"""What the Web API stand-in (bot/testing/slack_standin.py) records of each call, and a failure it was told to give."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

ACK_MESSAGE = "command_ack"
"""The `method` of a message shown from a slash command's ack body (`ack_message`)."""


@dataclass(frozen=True)
class Call:
    method: str
    """Web API method (e.g. `views.open`), or `response_url` for posts to a response URL."""
    params: dict[str, Any]
    path: str
    token: str | None
    ok: bool = True
    """False when the stand-in answered with a failure (see `fail`)."""
    at: float = field(default_factory=time.monotonic)
    """When it was answered (time.monotonic() of the stand-in's process): pacing checks."""


@dataclass
class Failure:
    error: str
    match: dict[str, Any]
    times: int | None
    status: int = 200
    retry_after: int | None = None
    """Sent as the Retry-After header (with status 429: a rate limit)."""
