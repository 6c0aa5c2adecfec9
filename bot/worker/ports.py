"""What the worker needs from the outside to deliver its messages (implemented in handlers/webapi.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str | None


class DeliveryError(Exception):
    """Posting failed; the message is one line (it is stored in `last_error`)."""


class Poster(Protocol):
    def post(self, target: str, message: dict[str, Any]) -> Posted: ...
