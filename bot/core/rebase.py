"""Changes under a pending request: what a request becomes when the licensed seat count or the renewal
schedule changes under it (bot/usecases/pending.py applies them)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.policy import (
    Member,
    Plan,
    Target,
    local_date,
    plural_of,
    renewal_on_or_after,
    request_target,
    validate_reduction,
)


class Rebase(enum.StrEnum):
    UNCHANGED = "unchanged"
    ADJUSTED = "adjusted"
    REFUSED = "refused"


@dataclass(frozen=True)
class SeatRebase:
    """What a pending request becomes when the licensed seat count changes under it."""

    outcome: Rebase
    seats_removed: int
    """What the request removes from the new seat count (the old number when refused)."""
    keeps: int
    """The seat count the request goes to at its renewal: what the admins asked to pay for."""
    reason: str = ""
    """Why it was refused (one line)."""


def rebase_request(seats_before: int, seats_removed: int, new_seats: int, members: Sequence[Member]) -> SeatRebase:
    """The rule for a seat change under a pending request: a request is "go to M licenses".

    The admins asked to pay for M = seats_before - seats_removed licenses from the renewal. When the licensed
    count changes to `new_seats`, the request keeps M and removes new_seats - M: the customer pays for what they
    asked, and no more users are deactivated than they planned for. When new_seats <= M nothing is left to
    remove (the change is refused: cancel the request first); a changed request is validated again.
    """
    keeps = seats_before - seats_removed
    if new_seats == seats_before:
        return SeatRebase(Rebase.UNCHANGED, seats_removed, keeps)
    removed = new_seats - keeps
    if removed < 1:
        return SeatRebase(
            Rebase.REFUSED,
            seats_removed,
            keeps,
            f"the pending request goes to {plural_of(keeps, 'license')}; with {new_seats} there is nothing left to "
            "remove: cancel the request first",
        )
    problems = validate_reduction(removed, new_seats, members)
    if problems:
        return SeatRebase(
            Rebase.REFUSED, seats_removed, keeps, f"the pending request would break a rule: {problems[0].message}"
        )
    return SeatRebase(Rebase.ADJUSTED, removed, keeps)


def retarget_request(
    renewal: date,
    requested_at: datetime,
    anchor: date,
    plan: Plan,
    now: datetime,
    timezone: str,
    last_processed: date | None = None,
) -> Target | None:
    """The renewal a pending request applies to after the renewal schedule changed; None: it stays on `renewal`.

    The same rule as for a new request, with the instant the request was made: the first renewal on the new
    schedule whose deadline (15 days before) had not passed when the request arrived. A renewal already
    behind us (or processed) cannot be a target: then the rule is applied at `now`.
    """

    def on_schedule(day: date) -> bool:
        return renewal_on_or_after(anchor, plan, day) == day

    today = local_date(now, timezone)
    if on_schedule(renewal) and (last_processed is None or renewal > last_processed):
        return None  # still a renewal of the schedule, not processed yet (even if its day is over: it will be)
    target = request_target(anchor, plan, requested_at, timezone)
    if target.renewal < today or (last_processed is not None and target.renewal <= last_processed):
        target = request_target(anchor, plan, now, timezone)
    return target
