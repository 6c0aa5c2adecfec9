"""Table tests: what a pending request becomes when the seats or the renewal schedule change under it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.core.policy import Member, Plan
from bot.core.rebase import Rebase, rebase_request, retarget_request

NOBODY: tuple[Member, ...] = ()
ADMINS = tuple(
    Member(id=i, name=f"A{i}", added_at=datetime(2024, 1, 1, tzinfo=UTC), is_admin=True) for i in (1, 2, 3, 4)
)


@pytest.mark.parametrize(
    ("before", "removed", "new_seats", "members", "outcome", "now_removes", "keeps"),
    [
        (10, 7, 10, NOBODY, Rebase.UNCHANGED, 7, 3),  # nothing changed
        (10, 7, 5, NOBODY, Rebase.ADJUSTED, 2, 3),  # the case: still goes to 3, removes 2 (not 5 -> 1)
        (10, 7, 12, NOBODY, Rebase.ADJUSTED, 9, 3),  # more seats bought: still pays for 3
        (10, 7, 4, NOBODY, Rebase.ADJUSTED, 1, 3),
        (10, 7, 3, NOBODY, Rebase.REFUSED, 7, 3),  # nothing left to remove
        (10, 7, 2, NOBODY, Rebase.REFUSED, 7, 3),
        (10, 2, 9, ADMINS, Rebase.ADJUSTED, 1, 8),
        # consent withdrawn since: 4 admins without consent need 4 licenses, the request keeps 3
        (10, 7, 9, ADMINS, Rebase.REFUSED, 7, 3),
    ],
)
def test_a_request_goes_to_m_licenses(
    before: int,
    removed: int,
    new_seats: int,
    members: tuple[Member, ...],
    outcome: Rebase,
    now_removes: int,
    keeps: int,
) -> None:
    r = rebase_request(before, removed, new_seats, members)
    assert (r.outcome, r.seats_removed, r.keeps) == (outcome, now_removes, keeps)
    assert bool(r.reason) == (outcome is Rebase.REFUSED)


NOW = datetime(2027, 1, 10, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("renewal", "requested", "anchor", "plan", "expected", "missed"),
    [
        # still a renewal on the new schedule: stays
        (date(2027, 3, 1), date(2027, 1, 5), date(2027, 3, 1), Plan.ANNUAL, None, None),
        (date(2027, 3, 1), date(2027, 1, 5), date(2026, 12, 1), Plan.QUARTERLY, None, None),
        # renewal moved later: follows it
        (date(2027, 3, 1), date(2027, 1, 5), date(2027, 4, 1), Plan.ANNUAL, date(2027, 4, 1), None),
        # moved earlier, its deadline (Jan 16) not passed when the request was made (Jan 5): applies to it
        (date(2027, 3, 1), date(2027, 1, 5), date(2027, 1, 31), Plan.ANNUAL, date(2027, 1, 31), None),
        # moved earlier, the deadline (Jan 5) had passed at the request (Jan 8): the renewal after it
        (date(2027, 3, 1), date(2027, 1, 8), date(2027, 1, 20), Plan.QUARTERLY, date(2027, 4, 20), date(2027, 1, 20)),
    ],
)
def test_a_moved_renewal_retargets_by_the_deadline_when_the_request_was_made(
    renewal: date, requested: date, anchor: date, plan: Plan, expected: date | None, missed: date | None
) -> None:
    at = datetime(requested.year, requested.month, requested.day, 10, tzinfo=UTC)
    target = retarget_request(renewal, at, anchor, plan, NOW, "UTC")
    assert (target.renewal if target else None) == expected
    assert (target.missed if target else None) == missed
