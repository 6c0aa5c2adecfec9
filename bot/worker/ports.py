"""What the worker needs from the outside to deliver its messages (implemented in handlers/webapi.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.core.errors import Unavailable
from bot.core.page import AccountTerms, LicensePage, LineState, TeamleaderLink
from bot.core.results import RenewalOutcome, RequestChange

Message = dict[str, Any]
"""What the outbox stores and the Poster sends: the fallback `text` and the `blocks`."""


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str | None


class DeliveryError(Exception):
    """Posting failed; the message is one line (it is stored in `last_error`)."""


class Postponed(DeliveryError):
    """Not sent, and not a failed attempt: the message waits `wait` seconds, its attempts unchanged.

    `workspace`: the whole workspace waits (it answered 429 with Retry-After, or the app is not
    installed there / its token was refused): the sender posts nothing else to it in this pass, and the
    other workspaces' messages go on.
    """

    def __init__(self, message: str, *, wait: float, workspace: bool = True) -> None:
        super().__init__(message)
        self.wait = max(1.0, wait)
        self.workspace = workspace


class Directory(Protocol):
    """Slack's user directory: the Slack user id of an email (users.lookupByEmail, users:read.email)."""

    def user_id_for_email(self, email: str) -> str | None:
        """None when Slack has no user with that email (or cannot say now)."""
        ...


class Poster(Protocol):
    def post(self, target: str, message: dict[str, Any]) -> Posted: ...


Render = Callable[[dict[str, Any], str], Message]
"""A queued notice (bot/core/notice.py: kind and parameters) in Block Kit, in a language: the sender renders
it at send time in its reader's language (bot/cli/wiring.py gives handlers/blocks/rendered.py's)."""

PosterFor = Callable[[str], Poster]
"""Many workspaces: the Poster of a workspace (by Slack team id), posting with that workspace's token."""


@dataclass(frozen=True)
class Notices:
    """How the worker words the messages it queues whole (every language); bot/cli/wiring.py gives it the
    Block Kit builders of handlers/blocks/notices.py (the worker never imports Slack code). Reminders, "all
    set" and the unused-seats note are queued as notices instead and rendered at send time (`Render`)."""

    renewal_summary: Callable[[RenewalOutcome], Message]
    teamleader_reconnect: Callable[[AccountTerms, TeamleaderLink], Message]
    request_changed: Callable[[RequestChange], Message]
    """An operator changed the seats or the renewal under the pending request (bot/usecases/pending.py)."""
    line_reminder: Callable[[LicensePage, LineState, int], Message] | None = None
    """Holders of an add-on line must give it up before the renewal (the page, the line, days before)."""


def log_failure(log: logging.Logger, exc: BaseException, message: str, *args: object) -> None:
    """Log a failure of the worker: one line while the database is away (it is the same cause every pass;
    the traceback at DEBUG only), the whole traceback for anything else."""
    if isinstance(exc, Unavailable):
        log.error(message + ": the database is unavailable (%s)", *args, exc, exc_info=log.isEnabledFor(logging.DEBUG))
    else:
        log.error(message, *args, exc_info=exc)


class Timezones(Protocol):
    """Who people are in Slack: the worker refreshes admins' timezones through it (handlers/directory.py)."""

    def timezone(self, team: str, user_id: str) -> str | None:
        """The user's IANA timezone (users.info `tz`); None when Slack does not say. Raises when unreachable."""
        ...
