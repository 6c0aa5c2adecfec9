"""License lines and the package catalog: pure rules, no Slack, no database, no clock.

An account holds its package (a tier of the operator's catalog, or none named) and one or more license
lines, each with its own licensed count and price: the package's user licenses (`PACKAGE_LINE`, kept on
the account itself) and add-on lines such as "Lead capture Booster · Beyond users". Every line is reduced
with the same rules (bot/core/policy.py), per line: the line's roster is who holds its licenses. For the
package line that is every active member (admins with their consent); for an add-on line it is the members
assigned to it, and losing an add-on license never touches anyone's account or admin rights, so every
assignee counts as a plain member there (no consent rule) and the newest assignment goes first.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bot.core.policy import Member, Plan, PolicyError

PACKAGE_LINE = "package"
"""The key of the package's user-license line (an add-on line's key is its id, as text)."""
MAX_FEATURES = 30
MAX_NAME = 80


class LineKind(enum.StrEnum):
    PACKAGE = "package"
    ADDON = "addon"


@dataclass(frozen=True)
class LicenseLine:
    """One count of licenses on the vendor's license page."""

    key: str
    """`PACKAGE_LINE`, or the add-on line's id as text (what buttons and the CLI carry)."""
    name: str
    licensed: int
    price_per_seat: Decimal | None = None
    """Per license per month."""

    @property
    def kind(self) -> LineKind:
        return LineKind.PACKAGE if self.key == PACKAGE_LINE else LineKind.ADDON

    @property
    def is_package(self) -> bool:
        return self.key == PACKAGE_LINE

    @property
    def line_id(self) -> int | None:
        """The add-on line's id; None for the package line."""
        return None if self.is_package else int(self.key)


def line_key(line_id: int | None) -> str:
    return PACKAGE_LINE if line_id is None else str(line_id)


def parse_line_key(text: str) -> int | None:
    """The add-on line id a key names (None: the package line); PolicyError when it names neither."""
    text = text.strip().lower()
    if text in ("", PACKAGE_LINE):
        return None
    if text.isascii() and text.isdigit() and len(text) <= 12:
        return int(text)
    raise PolicyError(f"unknown license line {text!r}: use 'package' or the number of an add-on line")


def addon_roster_members(assignees: Sequence[Member]) -> tuple[Member, ...]:
    """The members holding an add-on line as its rules read them: nobody is protected (an admin who loses
    the add-on keeps the account and the admin rights), `added_at` is when they were assigned."""
    return tuple(Member(id=m.id, name=m.name, added_at=m.added_at) for m in assignees if m.active)


def line_saving(seats_removed: int, line: LicenseLine, plan: Plan) -> Decimal | None:
    """What removing `seats_removed` licenses of `line` saves per billing period (price per month)."""
    if line.price_per_seat is None:
        return None
    return (Decimal(seats_removed) * line.price_per_seat * plan.months).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


# --- the package catalog ------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageTier:
    """One package of the operator's catalog: a higher rank is a bigger package."""

    name: str
    rank: int
    price_per_seat: Decimal
    """Per user license per month."""
    features: tuple[str, ...] = ()


def check_tier(name: str, rank: int, price: Decimal, features: Sequence[str]) -> PackageTier:
    """A catalog entry from operator input, or PolicyError saying what is wrong."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise PolicyError(f"a package name has 1 to {MAX_NAME} characters")
    if rank < 0:
        raise PolicyError("a package rank is a whole number >= 0 (a higher rank is a bigger package)")
    if not price.is_finite() or price < 0 or price != price.quantize(Decimal("0.01")):
        raise PolicyError(f"price {price} is not an amount >= 0 with at most 2 decimals")
    cleaned: list[str] = []
    for feature in features:
        f = " ".join(feature.split())
        if not f:
            continue
        if len(f) > MAX_NAME:
            raise PolicyError(f"feature {f[:20]!r}… is longer than {MAX_NAME} characters")
        if f.lower() not in (c.lower() for c in cleaned):
            cleaned.append(f)
    if len(cleaned) > MAX_FEATURES:
        raise PolicyError(f"a package lists at most {MAX_FEATURES} features")
    return PackageTier(name=name, rank=rank, price_per_seat=price, features=tuple(cleaned))


def lost_features(current: PackageTier, new: PackageTier) -> tuple[str, ...]:
    """What the account loses by switching: the features listed for `current` but not for `new`
    (compared without case), in the catalog's order."""
    kept = {f.lower() for f in new.features}
    return tuple(f for f in current.features if f.lower() not in kept)


def package_saving(current_price: Decimal | None, new: PackageTier, seats: int, plan: Plan) -> Decimal | None:
    """What the switch saves per billing period on the package's `seats` user licenses (None: no price known)."""
    if current_price is None:
        return None
    return (Decimal(seats) * (current_price - new.price_per_seat) * plan.months).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def smaller_tiers(current: PackageTier | None, catalog: Sequence[PackageTier]) -> tuple[PackageTier, ...]:
    """The tiers an account may switch to: every one ranked below its package, biggest first."""
    if current is None:
        return ()
    return tuple(sorted((t for t in catalog if t.rank < current.rank), key=lambda t: -t.rank))


class SwitchProblem(enum.StrEnum):
    """Why a package switch is refused (the adapter words it in the reader's language)."""

    NO_PACKAGE = "no_package"
    """The account has no package from the catalog yet: an operator sets it (`licensebot account set --package`)."""
    SAME = "same"
    """The account already has that package."""
    NOT_SMALLER = "not_smaller"
    """Only a smaller package can be chosen from Slack; a bigger one is ordered from the vendor."""


def switch_problem(current: PackageTier | None, new: PackageTier) -> SwitchProblem | None:
    """Why switching from `current` to `new` is refused (None: allowed): only to a smaller package."""
    if current is None:
        return SwitchProblem.NO_PACKAGE
    if new.name.lower() == current.name.lower():
        return SwitchProblem.SAME
    if new.rank >= current.rank:
        return SwitchProblem.NOT_SMALLER
    return None
