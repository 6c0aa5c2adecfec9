"""policy.Roster: a partial read of the members (admins + the newest `roster_depth`) decides exactly as
the whole member list does. Table tests for the depth and the seat count, a property test for the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.policy import Member, PolicyError, Roster, automatic_deactivations, roster_depth, seats_after

START = datetime(2024, 1, 1, tzinfo=UTC)


def member(id: int, hours: int, *, admin: bool = False, consented: bool = False, active: bool = True) -> Member:
    return Member(
        id=id,
        name=f"m{id}",
        added_at=START + timedelta(hours=hours),
        is_admin=admin,
        consented=consented,
        active=active,
    )


def partial(members: list[Member], new_seats: int | None) -> Roster:
    """What a store reads (bot/usecases/common.roster_of): the count, every active admin, and the
    `roster_depth` most recently added other active members."""
    active = [m for m in members if m.active]
    admins = [m for m in active if m.is_admin]
    depth = roster_depth(len(active), len(admins), new_seats)
    others = sorted((m for m in active if not m.is_admin), key=lambda m: (m.added_at, m.id), reverse=True)
    return Roster(active=len(active), members=tuple(admins + others[:depth]))


@pytest.mark.parametrize(
    ("licensed", "removed", "after"),
    [
        pytest.param(10, 3, 7, id="plain"),
        pytest.param(10, 9, 1, id="one-left"),
        pytest.param(10, 10, 1, id="never-below-one"),
        pytest.param(4, 9, 1, id="licensed-lowered-since"),
    ],
)
def test_seats_after(licensed: int, removed: int, after: int) -> None:
    assert seats_after(licensed, removed) == after


@pytest.mark.parametrize(
    ("active", "admins", "new_seats", "depth"),
    [
        pytest.param(1000, 3, None, 0, id="no-request-reads-no-one"),
        pytest.param(1000, 3, 1099, 3, id="fits-admins-only"),
        pytest.param(1000, 3, 1000, 3, id="exactly-fits"),
        pytest.param(1000, 3, 990, 13, id="ten-over"),
        pytest.param(5, 0, 1, 4, id="no-admins"),
    ],
)
def test_roster_depth(active: int, admins: int, new_seats: int | None, depth: int) -> None:
    assert roster_depth(active, admins, new_seats) == depth


def test_a_roster_too_shallow_for_the_seat_count_is_refused() -> None:
    members = [member(i, i) for i in range(10)]
    shallow = Roster(active=10, members=tuple(members[-2:]))  # 2 read, 3 needed for 7 seats
    with pytest.raises(PolicyError, match="needs 3"):
        automatic_deactivations(shallow, 7)
    assert [m.id for m in automatic_deactivations(partial(members, 7), 7).chosen] == [9, 8, 7]


def test_roster_of_keeps_active_members_only() -> None:
    roster = Roster.of([member(1, 1, admin=True), member(2, 2, active=False), member(3, 3)])
    assert (roster.active, [m.id for m in roster.members], [m.id for m in roster.admins]) == (2, [1, 3], [1])


@st.composite
def accounts(draw: st.DrawFn) -> list[Member]:
    """Up to 40 members; few distinct added hours (ties), admins consented or not, some deactivated."""
    n = draw(st.integers(min_value=0, max_value=40))
    return [
        member(
            i,
            draw(st.integers(min_value=0, max_value=12)),
            admin=draw(st.booleans()) and draw(st.booleans()),
            consented=draw(st.booleans()),
            active=draw(st.integers(min_value=0, max_value=5)) > 0,
        )
        for i in range(n)
    ]


@settings(max_examples=400, deadline=None)
@given(members=accounts(), new_seats=st.integers(min_value=0, max_value=45))
def test_a_roster_read_to_its_depth_chooses_as_the_whole_list(members: list[Member], new_seats: int) -> None:
    whole = automatic_deactivations(Roster.of(members), new_seats)
    assert automatic_deactivations(partial(members, new_seats), new_seats) == whole
