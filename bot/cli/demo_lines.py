"""Part 2 of `licensebot demo`: the whole license page. The account gets a package from the operator's catalog
and an add-on line ("Lead capture Booster · Beyond users"); Ann removes add-on licenses (Remove licenses asks
which line), switches to a smaller package, and the next renewal applies both in one pass."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from importlib import resources
from typing import TYPE_CHECKING, Any

from bot import usecases
from bot.cli.demo_cast import ANN, TEAM, TIMEZONE
from bot.core import policy
from bot.core.members_csv import parse_members_csv
from bot.i18n import N_, _, formats
from bot.usecases import lines
from handlers.ids import Action, Block, View

if TYPE_CHECKING:
    from bot.cli.demo import Scene, Step

ADDON = "Lead capture Booster · Beyond users"
HOLDERS = (
    "ann.peeters@example.com",
    "dries.wouters@example.com",
    "hasan.yilmaz@example.com",
    "ines.dubois@example.com",
)


def operator_adds_a_package_and_an_addon(scene: Scene) -> None:
    now = scene.clock()
    lines.save_tier(scene.db, name="Grow", rank=2, price="39.00", features=["Lead capture", "Projects"], now=now)
    lines.save_tier(scene.db, name="Go", rank=1, price="29.00", features=["Projects"], now=now)
    lines.set_package(scene.db, team=TEAM, name="Grow", now=now)
    lines.add_line(scene.db, team=TEAM, name=ADDON, seats=4, price="15.00", now=now)
    csv_text = resources.files("bot.sample").joinpath("members.csv").read_text(encoding="utf-8")
    rows = [replace(r, addons=(ADDON,) if r.email in HOLDERS else ()) for r in parse_members_csv(csv_text, TIMEZONE)]
    usecases.import_members(scene.db, team=TEAM, rows=rows, now=now)
    scene.out(
        " » operator: licensebot package add --name Grow --rank 2 --price 39.00 --feature 'Lead capture;Projects'"
    )
    scene.out(" » operator: licensebot package add --name Go --rank 1 --price 29.00 --feature Projects")
    scene.out(f" » operator: licensebot account set --team {TEAM} --package Grow")
    scene.out(f" » operator: licensebot lines add --team {TEAM} --name '{ADDON}' --seats 4 --price-per-seat 15.00")
    held = _("(an addons column: {n} users hold it)", n=len(HOLDERS))
    scene.out(f" » operator: licensebot users import --team {TEAM} members.csv   {held}")


def ann_removes_addon_licenses(scene: Scene) -> None:
    scene.command(_ann(), "reduce")
    scene.out("\n » " + _("Ann clicks [Choose] next to the add-on line"))
    scene.modals.discard(View.REDUCE)  # the add-on's form is its own: shown in full
    mark = scene.standin.mark()
    scene.slack.click(_ann(), Action.CHOOSE_LINE, "1", where="modal")
    scene.show(scene.standin.since(mark), _ann())
    scene.submit(_ann(), "2")


def ann_switches_to_a_smaller_package(scene: Scene) -> None:
    scene.command(_ann(), "plan")
    scene.out("\n » " + _("Ann clicks [Switch to a smaller package]"))
    mark = scene.standin.mark()
    scene.slack.click(_ann(), Action.OPEN_SWITCH)
    scene.show(scene.standin.since(mark), _ann())
    scene.out("\n » " + _("Ann picks {package} and clicks [Request]", package="Go"))
    mark = scene.standin.mark()
    values: dict[str, Any] = {Block.PACKAGE: {Action.PACKAGE_INPUT: {"selected_option": {"value": "Go"}}}}
    scene.slack.submit(_ann(), scene.slack.last_modal_id(), values)
    scene.show(scene.standin.since(mark), _ann())


def the_next_renewal_applies_both(scene: Scene) -> None:
    renewal = scene.renewal()
    day = formats.day(renewal)
    scene.note(_("At the end of the renewal day, {day}, the worker processes it in one transaction.", day=day))
    scene.run_worker(policy.start_of_local_day(renewal + timedelta(days=1), TIMEZONE))


def _ann() -> str:
    """Ann of the demo (bot/cli/demo_cast.py)."""
    return ANN


STEPS: list[tuple[str, Step]] = [
    (N_("Part 2. The operator gives the account a package and an add-on line"), operator_adds_a_package_and_an_addon),
    (N_("Ann removes 2 add-on licenses: Remove licenses asks which line"), ann_removes_addon_licenses),
    (N_("Ann switches to a smaller package at the next renewal"), ann_switches_to_a_smaller_package),
    (N_("The next renewal applies the add-on reduction and the package switch"), the_next_renewal_applies_both),
]
