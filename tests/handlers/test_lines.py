"""An account with a package and an add-on line, end to end with signed requests: the page lists each line,
Remove licenses asks which line, an add-on reduction and a package switch are stored, shown and cancelled."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.testing.blocktext import message_to_text, view_to_text
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from handlers.ids import Action, View
from store import models
from store.db import Database
from store.models_lines import PackageChange
from tests.handlers.conftest import ADMIN, TEAM, USER
from tests.handlers.helpers import action_ids, home_text, last_reply, posts, requests, seats
from tests.line_factories import ADDON, package_team


@pytest.fixture
def addon(db: Database) -> int:
    """10 licenses (Grow package), 8 users (0 and 1 admins); users 0, 2, 3, 4, 5 hold the 5-license add-on."""
    return package_team(db, TEAM, members=8, holders=(0, 2, 3, 4, 5), addon_seats=5)


def test_the_page_lists_the_package_and_every_line(slack: SlackSim, standin: SlackStandIn, addon: int) -> None:
    slack.command(ADMIN, "")
    text = last_reply(standin)
    assert "Package: Grow" in text
    assert "User licenses (Grow package): no pending request" in text
    assert f"{ADDON}\n5 licensed · 5 assigned · 0 unused" in text
    assert "Switch package" in text


def test_reducing_the_addon_line_asks_which_line_then_stores_it_for_that_line(
    slack: SlackSim, standin: SlackStandIn, db: Database, addon: int
) -> None:
    slack.command(ADMIN, "reduce")
    chooser = slack.modal()
    assert chooser["callback_id"] == View.CHOOSE_LINE
    assert "User licenses (Grow package)" in view_to_text(chooser) and ADDON in view_to_text(chooser)
    slack.click(ADMIN, Action.CHOOSE_LINE, str(addon), where="modal")
    form = slack.modal()
    assert form["callback_id"] == View.REDUCE
    text = view_to_text(form)
    assert "you have 5 licenses, 5 assigned" in text and "lose the add-on automatically (not their account)" in text
    assert "There is no credit note" in text and "Each license removed saves €30.00 per quarterly period" in text

    assert slack.submit(ADMIN, slack.last_modal_id(), seats("2")).status == 200
    (stored,) = requests(db)
    assert (stored.line_id, stored.seats_removed, stored.seats_before) == (addon, 2, 5)
    dm = message_to_text([c for c in standin.posts() if c.params["channel"] == ADMIN][-1].params)
    assert f"remove 2 licenses of {ADDON}" in dm and "(5 → 3)" in dm
    assert "lose the add-on (not their account)" in dm and "User 5" in dm and "User 4" in dm
    assert any(ADDON in p for p in posts(standin, "C0ADMINS"))
    home = home_text(standin, ADMIN)
    assert "Pending request #1: remove 2 licenses at the renewal of Fri 01 Jan 2027 (5 → 3)" in home
    assert "User licenses (Grow package): no pending request" in home  # the add-on's request is not the package's

    # A second request for the same line is refused; the package line is free.
    slack.command(ADMIN, "reduce")
    slack.click(ADMIN, Action.CHOOSE_LINE, str(addon), where="modal")
    refused = slack.submit(ADMIN, slack.last_modal_id(), seats("1")).json()
    assert refused["response_action"] == "errors" and "already pending" in str(refused["errors"])

    slack.click(ADMIN, Action.CANCEL_REQUEST, str(stored.id))
    assert "is cancelled" in last_reply(standin)
    assert [r.status for r in requests(db)] == ["cancelled"]


def test_a_member_who_is_not_an_admin_cannot_reduce_a_line(slack: SlackSim, standin: SlackStandIn, addon: int) -> None:
    slack.command(USER, "reduce")
    assert "Only account admins can change licenses" in view_to_text(slack.modal())


def test_plan_shows_the_package_and_switches_to_a_smaller_one(
    slack: SlackSim, standin: SlackStandIn, db: Database, addon: int
) -> None:
    slack.command(ADMIN, "plan")
    answer = standin.calls_to("response_url")[-1].params
    assert "Grow" in message_to_text(answer) and "Lead capture, Projects, Invoicing" in message_to_text(answer)
    assert Action.OPEN_SWITCH in action_ids(answer["blocks"])

    slack.click(ADMIN, Action.OPEN_SWITCH)
    form = view_to_text(slack.modal())
    assert slack.modal()["callback_id"] == View.SWITCH
    assert "Go: loses Lead capture, Projects; saves €450.00 per quarterly period" in form
    assert "Boost" not in form  # only smaller packages
    assert "Deadline to remove licenses: Thu 17 Dec 2026" in form

    values = {"licenses_package": {"licenses_package_input": {"selected_option": {"value": "Go"}}}}
    slack.submit(ADMIN, slack.last_modal_id(), values)
    with db.transaction() as s:
        change = s.scalars(select(PackageChange)).one()
        assert change.status == "pending"
    dm = message_to_text([c for c in standin.posts() if c.params["channel"] == ADMIN][-1].params)
    assert "from Grow to Go at the renewal of Fri 01 Jan 2027" in dm and "loses: Lead capture, Projects" in dm
    assert "Saving: €450.00" in dm

    slack.command(ADMIN, "")
    assert "Pending switch #1: to Go" in last_reply(standin)
    slack.command(ADMIN, "plan")
    assert "loses: Lead capture, Projects" in last_reply(standin)

    slack.click(ADMIN, Action.CANCEL_SWITCH, str(change.id))
    assert "is cancelled: the package stays as it is" in last_reply(standin)
    with db.transaction() as s:
        assert s.scalars(select(PackageChange)).one().status == "cancelled"


def test_a_switch_to_a_bigger_package_is_refused_under_the_field(
    slack: SlackSim, standin: SlackStandIn, db: Database, addon: int
) -> None:
    slack.click(ADMIN, Action.OPEN_SWITCH)
    values = {"licenses_package": {"licenses_package_input": {"selected_option": {"value": "Boost"}}}}
    answer = slack.submit(ADMIN, slack.last_modal_id(), values).json()
    assert answer["response_action"] == "errors" and "not smaller" in str(answer["errors"])
    with db.transaction() as s:
        assert s.scalars(select(PackageChange)).first() is None
        assert (
            s.scalars(select(models.AuditEntry).where(models.AuditEntry.action.like("package.switch%"))).first() is None
        )


def test_plan_without_a_package_says_who_sets_it(slack: SlackSim, standin: SlackStandIn, team: str) -> None:
    slack.command(ADMIN, "plan")
    assert "No package from the catalog is set for this account" in last_reply(standin)


def test_a_single_line_account_opens_the_form_at_once(slack: SlackSim, standin: SlackStandIn, team: str) -> None:
    slack.command(ADMIN, "reduce")
    assert slack.modal()["callback_id"] == View.REDUCE


def test_a_late_addon_request_moves_to_the_following_renewal_and_says_so(
    slack: SlackSim, standin: SlackStandIn, db: Database, addon: int, clock: object
) -> None:
    from datetime import UTC, date, datetime

    clock.now = datetime(2026, 12, 18, 9, 0, tzinfo=UTC)  # type: ignore[attr-defined]  # the day after the deadline
    slack.command(ADMIN, "reduce")
    slack.click(ADMIN, Action.CHOOSE_LINE, str(addon), where="modal")
    text = view_to_text(slack.modal())
    assert "The 15-day deadline for the renewal of Fri 01 Jan 2027 has passed." in text
    assert "This request applies to the renewal after it: Thu 01 Apr 2027." in text
    slack.submit(ADMIN, slack.last_modal_id(), seats("1"))
    (stored,) = requests(db)
    assert stored.renewal_date == date(2027, 4, 1) and stored.line_id == addon


def test_many_addon_lines_stay_within_block_kit_limits(
    slack: SlackSim, standin: SlackStandIn, db: Database, addon: int
) -> None:
    from bot.usecases import lines
    from tests.conftest import NOW

    for i in range(9):
        lines.add_line(db, team=TEAM, name=f"Add-on {i} · " + "x" * 100, seats=3, price="1.00", now=NOW)
    slack.command(ADMIN, "")
    answer = standin.calls_to("response_url")[-1].params
    assert len(answer["blocks"]) <= 50 and "Add-on 8" in message_to_text(answer)
    slack.open_home(ADMIN)
    assert len(standin.homes[ADMIN]["blocks"]) <= 100 and "Add-on 8" in home_text(standin, ADMIN)


def test_a_refused_switch_is_worded_in_the_readers_language(slack: SlackSim, db: Database, addon: int) -> None:
    slack.command(ADMIN, "language nl")
    slack.click(ADMIN, Action.OPEN_SWITCH)
    values = {"licenses_package": {"licenses_package_input": {"selected_option": {"value": "Boost"}}}}
    answer = slack.submit(ADMIN, slack.last_modal_id(), values).json()
    assert "Boost is niet kleiner dan Grow" in str(answer["errors"])
    with db.transaction() as s:
        assert s.scalars(select(PackageChange)).first() is None


def test_lines_and_the_switch_in_dutch_and_french(
    slack: SlackSim, standin: SlackStandIn, db: Database, addon: int
) -> None:
    """The lines, the package and the switch come from the catalogs (nl, fr); the switch's messages queued in the
    outbox reach the requester in their language and the admin channel in the account's (English here)."""
    slack.command(ADMIN, "language nl")
    slack.command(ADMIN, "")
    page = last_reply(standin)
    assert "Pakket: Grow" in page and "Gebruikerslicenties (pakket Grow): geen lopende aanvraag" in page
    assert f"{ADDON}\n5 gelicentieerd · 5 toegewezen · 0 ongebruikt" in page
    assert "Geen lopende aanvraag: deze lijn behoudt haar licenties bij de hernieuwing." in page
    slack.command(ADMIN, "reduce")
    assert "Welke licenties wil je schrappen?" in view_to_text(slack.modal())
    slack.command(ADMIN, "plan")
    assert "Overstappen naar een kleiner pakket" in last_reply(standin)

    slack.command(ADMIN, "language fr")
    slack.click(ADMIN, Action.OPEN_SWITCH)
    form = view_to_text(slack.modal())
    assert "Votre formule : Grow." in form and "Go : perd Lead capture, Projects" in form
    assert "pas de note de crédit" in form
    values = {"licenses_package": {"licenses_package_input": {"selected_option": {"value": "Go"}}}}
    slack.submit(ADMIN, slack.last_modal_id(), values)
    dm = message_to_text([c for c in standin.posts() if c.params["channel"] == ADMIN][-1].params)
    assert "Le changement n° 1 est enregistré : de Grow à Go" in dm and "Le compte perd : Lead capture, Projects." in dm
    assert "requested to switch from Grow to Go" in posts(standin, "C0ADMINS")[-1]


def test_the_number_typed_with_reduce_is_carried_to_the_chosen_line(
    slack: SlackSim, standin: SlackStandIn, addon: int
) -> None:
    slack.command(ADMIN, "reduce 2")
    slack.click(ADMIN, Action.CHOOSE_LINE, f"{addon}:2", where="modal")
    assert "Number of licenses to remove: [ 2 ]" in view_to_text(slack.modal())
    chooser_values = [
        b["accessory"]["value"]
        for b in standin.calls_to("views.update")[0].params["view"]["blocks"]
        if "accessory" in b
    ]
    assert chooser_values == ["package:2", f"{addon}:2"]
