"""Part 1 of `licensebot demo` (bot/cli/demo.py): the operator links the workspace, a request, reminders, the
escalation, the renewal. Narration in the demo's language (`_()`); operator commands stay literal."""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import resources
from typing import TYPE_CHECKING

import pendulum

from bot import i18n, usecases
from bot.cli.demo_cast import ADMIN_CHANNEL, ANN, BRAM, CHLOE, JONAS, NEW_YORK, TEAM, TIMEZONE
from bot.core import policy
from bot.core.members_csv import parse_members_csv
from bot.i18n import _, formats
from bot.usecases import AccountChanges
from handlers.blocks.notices import snooze_value
from handlers.ids import Action

if TYPE_CHECKING:
    from bot.cli.demo import Scene


def operator_links_the_workspace(scene: Scene) -> None:
    now = scene.clock()
    renews = (pendulum.instance(now).in_timezone(TIMEZONE) + timedelta(days=30)).date()
    changes = AccountChanges(
        name="Acme Demo BV",
        plan="quarterly",
        seats=12,
        renews=renews,
        timezone=TIMEZONE,
        price_per_seat="39.00",
        currency="EUR",
        language=scene.lang,
    )
    usecases.add_account(scene.db, team=TEAM, now=now, changes=changes)
    csv_text = resources.files("bot.sample").joinpath("members.csv").read_text(encoding="utf-8")
    rows = parse_members_csv(csv_text, TIMEZONE)
    usecases.import_members(scene.db, team=TEAM, rows=rows, now=now)
    scene.out(f" » operator: licensebot account add --team {TEAM} --name 'Acme Demo BV' --plan quarterly \\")
    language = f" --language {scene.lang}" if scene.lang != "en" else ""
    scene.out(f"       --seats 12 --renews {renews} --timezone {TIMEZONE} --price-per-seat 39.00{language}")
    imported = _("({n} users, 2 admins)", n=len(rows))
    scene.out(f" » operator: licensebot users import --team {TEAM} members.csv   {imported}")


def ann_opens_the_home_tab(scene: Scene) -> None:
    scene.open_home(ANN)


def jonas_looks_at_the_page(scene: Scene) -> None:
    scene.note(_("Jonas has no Slack id in the member list yet: licensebot finds him by his email."))
    scene.command(JONAS, "")


def ann_sets_the_admin_channel(scene: Scene) -> None:
    scene.command(ANN, "channel", channel=ADMIN_CHANNEL)


def ann_requests_fewer_licenses(scene: Scene) -> None:
    scene.command(ANN, "reduce 5")
    scene.submit(ANN, "11")
    scene.submit(ANN, "5")


def bram_cancels_and_ann_asks_again(scene: Scene) -> None:
    scene.note(_("Bram thinks 5 is too many: he cancels the request, and Ann asks for 4."))
    where = _("on his Home tab and confirms")
    scene.click(BRAM, _("Cancel request"), Action.CANCEL_REQUEST, "1", where=where)
    scene.command(ANN, "reduce 4")
    scene.submit(ANN, "4")


def reminder_at(scene: Scene, days_before: int, timezone: str = TIMEZONE) -> datetime:
    return policy.local_instant(scene.renewal() - timedelta(days=days_before), 9, timezone)


def the_worker_reminds_the_admins(scene: Scene) -> None:
    scene.note(_("Bram works from New York (Slack's user_change event told licensebot: {tz}).", tz=NEW_YORK))
    scene.slack.event({"type": "user_change", "user": {"id": BRAM, "team_id": TEAM, "tz": NEW_YORK}})
    scene.run_worker(reminder_at(scene, 7))
    scene.note(_("Bram's DM waits for 09:00 his time:"))
    scene.run_worker(reminder_at(scene, 7, NEW_YORK))


def ann_snoozes_her_reminder(scene: Scene) -> None:
    scene.clock.now += timedelta(hours=2)
    value = snooze_value(scene.renewal(), 7, 3)
    scene.click(
        ANN,
        i18n.n_("Remind me later: in {n} day", "Remind me later: in {n} days", 3),
        Action.SNOOZE,
        value,
        where=_("in her DM"),
    )
    scene.run_worker(reminder_at(scene, 4))


def the_worker_escalates(scene: Scene) -> None:
    scene.note(_("Nobody deactivated anyone or changed the request since the reminder of a week before."))
    scene.run_worker(reminder_at(scene, 3))


def ann_deactivates_a_user(scene: Scene) -> None:
    scene.clock.now += timedelta(hours=1)
    scene.command(ANN, f"deactivate <@{CHLOE}|chloe.maes>")  # licensebot asks first
    scene.click_last_button(ANN)


def the_worker_processes_the_renewal(scene: Scene) -> None:
    renewal = scene.renewal()
    scene.note(_("Nobody else was deactivated by the end of the renewal day, {day}.", day=formats.day(renewal)))
    scene.run_worker(policy.start_of_local_day(renewal + timedelta(days=1), TIMEZONE))
