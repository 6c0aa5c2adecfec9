"""An account with a package from the catalog and one add-on line, built through the real use cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from bot import usecases
from bot.usecases import lines
from store.db import Database
from tests.conftest import NOW
from tests.factories import add_account, member_rows

ADDON = "Lead capture Booster · Beyond users"
GROW_FEATURES = ("Lead capture", "Projects", "Invoicing")


def add_catalog(db: Database, now: datetime = NOW) -> None:
    lines.save_tier(db, name="Boost", rank=3, price="60.00", features=[*GROW_FEATURES, "API"], now=now)
    lines.save_tier(db, name="Grow", rank=2, price="45.00", features=GROW_FEATURES, now=now)
    lines.save_tier(db, name="Go", rank=1, price="30.00", features=["Invoicing"], now=now)


def package_team(
    db: Database,
    team: str = "T0001",
    *,
    members: int = 6,
    holders: tuple[int, ...] = (0, 2, 3, 4),
    addon_seats: int = 4,
    seats: int = 10,
    renews: date = date(2027, 1, 1),
    admin_channel: str | None = "C0ADMINS",
) -> int:
    """Member i added i days apart (0 and 1 admins); `holders` hold the add-on line. Returns its id."""
    add_account(db, team, seats=seats, renews=renews, admin_channel=admin_channel)
    add_catalog(db)
    lines.set_package(db, team=team, name="Grow", now=NOW)
    line = lines.add_line(db, team=team, name=ADDON, seats=addon_seats, price="10.00", now=NOW)
    rows = [
        replace(r, addons=(ADDON,) if i in holders else ()) for i, r in enumerate(member_rows(members, admins=(0, 1)))
    ]
    usecases.import_members(db, team=team, rows=rows, now=NOW)
    assert line.line_id is not None
    return line.line_id
