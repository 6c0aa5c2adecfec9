"""Errors a person can act on. Their message is shown as it is (CLI line, Slack message)."""

from __future__ import annotations

from datetime import date

from bot.core.policy import Problem


class UserError(Exception):
    """Bad input or a refused action: the message says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(UserError):
    pass


class NotLinked(NotFound):
    """No account is linked to this Slack workspace (`team`): the adapter says how to link one."""

    def __init__(self, team: str, message: str) -> None:
        super().__init__(message)
        self.team = team


class NotAllowed(UserError):
    pass


class Conflict(UserError):
    pass


class Invalid(UserError):
    """A request broke one or more policy rules; each problem has its own message."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        super().__init__(" ".join(p.message for p in problems))
        self.problems = problems


class TargetMoved(Exception):
    """A form was filled in for the renewal `shown`, whose deadline has passed since: a request now applies to
    `renewal`. Nothing was stored; the person checks and submits again."""

    def __init__(self, shown: date, renewal: date) -> None:
        super().__init__(f"the request now applies to the renewal of {renewal}, not {shown}")
        self.shown, self.renewal = shown, renewal


class Unavailable(Exception):
    """The database could not be reached: nothing was saved, the caller may try again."""


class Busy(Unavailable):
    """The database did not give the lock in time (another change holds it): nothing was saved; the caller
    may try again in a moment."""
