"""The rules per license line: deadline and late requests, validation, the newest-first removal per line,
prices and savings per line, the package catalog (lost features, saving, smaller tiers only)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot.core import lines, page, policy
from bot.core.lines import PACKAGE_LINE, LicenseLine, PackageTier
from bot.core.policy import Member, Plan, Roster

T0 = datetime(2024, 1, 1, tzinfo=UTC)
BOOST = PackageTier("Boost", 3, Decimal("60.00"), ("Lead capture", "Projects", "Invoicing", "API"))
GROW = PackageTier("Grow", 2, Decimal("45.00"), ("Lead capture", "Projects", "Invoicing"))
GO = PackageTier("Go", 1, Decimal("30.00"), ("invoicing",))
ADDON = LicenseLine(key="7", name="Lead capture Booster · Beyond users", licensed=4, price_per_seat=Decimal("10.00"))


def holders(*days: int, admin: tuple[int, ...] = ()) -> list[Member]:
    """Add-on holders assigned `days` after T0 (member id = position), some of them admins."""
    return [Member(id=i, name=f"H{i}", added_at=T0.replace(day=1 + d), is_admin=i in admin) for i, d in enumerate(days)]


def test_line_keys() -> None:
    assert lines.parse_line_key("package") is None and lines.parse_line_key("") is None
    assert lines.parse_line_key(" 7 ") == 7 and lines.line_key(7) == "7" and lines.line_key(None) == PACKAGE_LINE
    assert ADDON.line_id == 7 and not ADDON.is_package
    with pytest.raises(policy.PolicyError):
        lines.parse_line_key("beyond")


@pytest.mark.parametrize(
    ("today", "renewal", "missed"),
    [
        (date(2026, 12, 17), date(2027, 1, 1), None),  # the deadline day itself counts
        (date(2026, 12, 18), date(2027, 4, 1), date(2027, 1, 1)),  # late: the following renewal, said plainly
    ],
)
def test_deadline_and_late_are_the_accounts_for_every_line(today: date, renewal: date, missed: date | None) -> None:
    now = datetime(today.year, today.month, today.day, 12, tzinfo=UTC)
    target = policy.request_target(date(2027, 1, 1), Plan.QUARTERLY, now, "UTC")
    assert (target.renewal, target.missed) == (renewal, missed)


@pytest.mark.parametrize(
    ("raw", "code"),
    [("x", policy.Violation.NOT_A_NUMBER), (0, policy.Violation.TOO_FEW), (4, policy.Violation.NONE_LEFT), (3, None)],
)
def test_an_addon_line_is_validated_against_its_own_count(raw: object, code: policy.Violation | None) -> None:
    members = lines.addon_roster_members(holders(1, 2, 3, 4, admin=(0, 1)))
    problems = policy.validate_reduction(raw, ADDON.licensed, members)
    assert [p.code for p in problems] == ([code] if code else [])


def test_admins_lose_an_addon_like_anybody_and_the_newest_assignment_goes_first() -> None:
    """On the package line admins without consent are protected; on an add-on line they only lose the add-on."""
    members = holders(1, 5, 3, 9, admin=(1, 3))
    roster = Roster.of(lines.addon_roster_members(members))
    chosen = policy.automatic_deactivations(roster, 2).chosen
    assert [m.id for m in chosen] == [3, 1]  # assigned on day 10 and day 6: the two newest, admins or not
    package = policy.automatic_deactivations(Roster.of(members), 2).chosen
    assert [m.id for m in package] == [2, 0]  # the same people on the package line: admins skipped


def test_price_and_saving_per_line() -> None:
    assert lines.line_saving(2, ADDON, Plan.QUARTERLY) == Decimal("60.00")
    assert lines.line_saving(2, ADDON, Plan.ANNUAL) == Decimal("240.00")
    assert lines.line_saving(2, LicenseLine("8", "No price", 3), Plan.ANNUAL) is None


def test_lost_features_and_saving_of_a_switch() -> None:
    assert lines.lost_features(BOOST, GROW) == ("API",)
    assert lines.lost_features(GROW, GO) == ("Lead capture", "Projects")  # "invoicing" is kept, whatever the case
    assert lines.package_saving(Decimal("45.00"), GO, 10, Plan.QUARTERLY) == Decimal("450.00")
    assert lines.package_saving(None, GO, 10, Plan.QUARTERLY) is None


def test_only_a_smaller_package() -> None:
    assert lines.smaller_tiers(BOOST, [GO, BOOST, GROW]) == (GROW, GO)
    assert lines.smaller_tiers(None, [GO]) == ()
    assert lines.switch_problem(GROW, GO) is None
    assert lines.switch_problem(GROW, BOOST) is lines.SwitchProblem.NOT_SMALLER
    assert lines.switch_problem(GROW, GROW) is lines.SwitchProblem.SAME
    assert lines.switch_problem(None, GO) is lines.SwitchProblem.NO_PACKAGE


@pytest.mark.parametrize(
    ("name", "rank", "price"),
    [("", 1, "1"), ("x" * 81, 1, "1"), ("Go", -1, "1"), ("Go", 1, "-1"), ("Go", 1, "1.005"), ("Go", 1, "NaN")],
)
def test_a_bad_catalog_entry_is_refused(name: str, rank: int, price: str) -> None:
    with pytest.raises(policy.PolicyError):
        lines.check_tier(name, rank, Decimal(price), [])


def test_catalog_features_are_cleaned_and_deduplicated() -> None:
    tier = lines.check_tier("  Grow  ", 2, Decimal("45"), ["Projects", " projects ", "", "Lead  capture"])
    assert tier.name == "Grow" and tier.features == ("Projects", "Lead capture")


def test_the_page_of_an_addon_line() -> None:
    roster = Roster.of(lines.addon_roster_members(holders(1, 2, 3)))
    pending = page.PendingRequest(1, 2, date(2027, 1, 1), "U1", T0, line_id=7)
    state = page.addon_state(ADDON, roster, pending, Plan.QUARTERLY)
    assert (state.assigned, state.unused, state.new_seat_count) == (3, 1, 2)
    assert state.deactivation is not None and [m.id for m in state.deactivation.chosen] == [2]
    assert state.saving == Decimal("60.00")
