"""The Remove user licenses modal: opened before any slow work, validated again on submit."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot import i18n, usecases
from bot.core import notice
from bot.testing.blocktext import message_to_text, view_to_text
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from bot.usecases import languages
from handlers.ids import Action, Block, View
from store import models
from store.db import Database
from tests.conftest import NOW
from tests.handlers.conftest import ADMIN, ADMIN2, USER, Clock
from tests.handlers.helpers import action_ids, posts, requests, seats


def open_modal(slack: SlackSim, user: str = ADMIN, text: str = "reduce") -> str:
    assert slack.command(user, text).status == 200
    return slack.last_modal_id()


def test_the_modal_opens_at_once_with_a_loading_view_then_shows_the_form(
    slack: SlackSim, standin: SlackStandIn, team: str
) -> None:
    view_id = open_modal(slack, text="reduce 3")
    calls = [c for c in standin.calls if c.method not in ("auth.test", "users.info")]  # users.info: the locale
    assert [c.method for c in calls] == ["views.open", "views.update"]
    assert "⏳" in view_to_text(calls[0].params["view"])  # no words: no language lookup before views.open
    assert calls[0].params["trigger_id"].endswith(".trigger")
    assert calls[1].params["view_id"] == view_id and calls[1].params["hash"]
    modal = slack.modal()
    assert modal["callback_id"] == View.REDUCE
    text = view_to_text(modal)
    assert (
        "This request applies to the renewal of Fri 01 Jan 2027. "
        "Deadline to remove licenses: Thu 17 Dec 2026 (21 days left)." in text
    )
    assert "Number of licenses to remove: [ 3 ]" in text
    assert "After removing 3: 7 licenses from Fri 01 Jan 2027. Saving: €270.00 per quarterly period." in text
    assert "Charges for the removed licenses stop from the renewal date (Fri 01 Jan 2027)" in text
    assert "There is no credit note for the rest of the current period." in text
    assert "the most recently added first" in text
    assert "You can remove at most 8" in text  # 10 licenses, two admins without consent keep 2


def test_the_modal_says_plainly_when_the_deadline_has_passed(slack: SlackSim, team: str, clock: Clock) -> None:
    clock.now = datetime(2026, 12, 18, 9, 0, tzinfo=UTC)  # the day after the deadline of 2027-01-01
    open_modal(slack)
    text = view_to_text(slack.modal())
    assert "The 15-day deadline for the renewal of Fri 01 Jan 2027 has passed." in text
    assert "This request applies to the renewal after it: Thu 01 Apr 2027." in text


def test_the_remove_licenses_button_opens_the_modal(slack: SlackSim, standin: SlackStandIn, team: str) -> None:
    slack.click(ADMIN, Action.OPEN_REDUCE, where="home")
    assert slack.modal()["callback_id"] == View.REDUCE


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        (None, "Enter a whole number of licenses to remove"),
        ("three", "Enter a whole number of licenses to remove"),
        ("2.5", "Enter a whole number of licenses to remove"),
        ("0", "Remove at least 1 license."),
        ("-2", "Remove at least 1 license."),
        ("10", "You have 10 licenses and at least 1 must remain, so you can remove at most 8."),
        ("9", "2 admins have not consented to losing admin rights, so at least 2 licenses must remain"),
    ],
)
def test_each_problem_is_shown_under_the_field_and_nothing_is_stored(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database, typed: str | None, problem: str
) -> None:
    view_id = open_modal(slack)
    response = slack.submit(ADMIN, view_id, seats(typed))
    assert response.status == 200
    body = response.json()
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == [Block.SEATS]
    assert problem in body["errors"][Block.SEATS]
    assert requests(db) == []
    assert standin.calls_to("chat.postMessage") == [] and standin.calls_to("views.publish") == []


def test_success_stores_the_request_confirms_posts_and_refreshes_every_admin_home(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    view_id = open_modal(slack, text="reduce 3")
    response = slack.submit(ADMIN, view_id, seats("3"))
    assert response.status == 200 and response.body == b""  # the modal closes
    [row] = requests(db)
    assert (row.seats_removed, row.renewal_date, row.requested_by, row.status) == (
        3,
        date(2027, 1, 1),
        ADMIN,
        "pending",
    )
    [dm] = [c for c in standin.calls_to("chat.postMessage") if c.params["channel"] == ADMIN]
    assert action_ids(dm.params["blocks"]) == [Action.CANCEL_REQUEST]
    assert "Request #1 is saved: remove 3 licenses at the renewal of Fri 01 Jan 2027 (10 → 7)" in dm.params["blocks"][
        0
    ]["text"]["text"].replace("*", "")
    [post] = posts(standin, "C0ADMINS")
    assert post.startswith("@U0000 requested to remove 3 licenses at the renewal of Fri 01 Jan 2027 (10 → 7) (#1).")
    assert sorted(standin.homes) == [ADMIN, ADMIN2]
    assert "Pending request #1" in view_to_text(standin.homes[ADMIN2])


def test_a_double_submit_creates_one_request_and_names_it_under_the_field(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    view_id = open_modal(slack)
    assert slack.submit(ADMIN, view_id, seats("2")).body == b""
    again = slack.submit(ADMIN, view_id, seats("2")).json()
    assert again["response_action"] == "errors"
    assert "already pending (request #1)" in again["errors"][Block.SEATS]
    assert "Cancel it first (`/licenses cancel`)" in again["errors"][Block.SEATS]
    assert len(requests(db)) == 1
    assert len(posts(standin, ADMIN)) == 1


def test_a_second_admin_asking_for_another_number_is_refused_with_the_existing_request(
    slack: SlackSim, team: str, db: Database
) -> None:
    slack.submit(ADMIN, open_modal(slack), seats("2"))
    other = slack.submit(ADMIN2, open_modal(slack, ADMIN2), seats("4")).json()
    assert (
        "A request to remove 2 licenses at the renewal of 2027-01-01 is already pending" in other["errors"][Block.SEATS]
    )
    assert [r.seats_removed for r in requests(db)] == [2]


def test_when_the_deadline_passes_while_the_modal_is_open_it_is_shown_again_for_the_later_renewal(
    slack: SlackSim, team: str, db: Database, clock: Clock
) -> None:
    view_id = open_modal(slack)
    clock.now = datetime(2026, 12, 18, 9, 0, tzinfo=UTC)
    body = slack.submit(ADMIN, view_id, seats("2")).json()
    assert body["response_action"] == "update"
    text = view_to_text(body["view"])
    assert "passed while this form was open: the request now applies to the renewal of Thu 01 Apr 2027" in text
    assert "Number of licenses to remove: [ 2 ]" in text
    assert requests(db) == []


def test_a_non_admin_gets_no_form_and_a_forged_submit_stores_nothing(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    open_modal(slack, USER)
    modal = slack.modal()
    assert "submit" not in modal
    assert "Only account admins can change licenses. The admins of Account T0001 are: User 0, User 1." in (
        view_to_text(modal)
    )
    view_id = open_modal(slack)  # an admin's form, submitted by somebody else
    body = slack.submit(USER, view_id, seats("2")).json()
    assert body["response_action"] == "errors"
    assert body["errors"][Block.SEATS].startswith("Only account admins can change licenses.")
    assert requests(db) == []


def test_an_unlinked_workspace_gets_the_operator_message_in_the_modal(slack: SlackSim, team: str) -> None:
    slack.command(ADMIN, "reduce", team="T0NOPE")
    assert "An operator links it with `licensebot account add --team T0NOPE" in view_to_text(slack.modal())


def test_a_failing_admin_channel_post_does_not_stop_the_confirmation_or_the_homes(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    standin.fail("chat.postMessage", "channel_not_found", channel="C0ADMINS")
    standin.fail("views.publish", "internal_error", times=1, user_id=ADMIN)
    assert slack.submit(ADMIN, open_modal(slack), seats("1")).body == b""
    assert len(requests(db)) == 1
    assert len(posts(standin, ADMIN)) == 1
    assert list(standin.homes) == [ADMIN2]  # the failed publish for ADMIN did not stop the next one


def test_two_submits_at_the_same_moment_store_one_request(slack: SlackSim, team: str, db: Database) -> None:
    view_id = open_modal(slack)
    start = threading.Barrier(2)
    bodies: list[bytes] = []

    def submit() -> None:
        start.wait(timeout=10)
        bodies.append(slack.submit(ADMIN, view_id, seats("2")).body)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(requests(db)) == 1
    assert sorted(bodies, key=len)[0] == b""  # one succeeded
    assert b"already pending (request #1)" in sorted(bodies, key=len)[1]  # the other is told which one


def test_a_late_request_says_the_nearer_deadline_passed_in_the_dm_and_the_channel_post(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database, clock: Clock
) -> None:
    clock.now = datetime(2026, 12, 18, 9, 0, tzinfo=UTC)  # the day after the deadline of 2027-01-01
    assert slack.submit(ADMIN, open_modal(slack), seats("2")).body == b""
    assert [r.renewal_date for r in requests(db)] == [date(2027, 4, 1)]
    late = (
        "The deadline for the renewal of Fri 01 Jan 2027 (Thu 17 Dec 2026) had passed, so this request applies to "
        "the renewal of Thu 01 Apr 2027 instead"
    )
    assert any(late in text for text in posts(standin, ADMIN)), posts(standin, ADMIN)
    assert any(late in text for text in posts(standin, "C0ADMINS")), posts(standin, "C0ADMINS")


def test_the_announcements_are_queued_as_notices_and_worded_in_each_readers_language_when_sent(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    """The DM and the channel post are queued as a notice (no Block Kit in every language before the commit)
    and worded when sent: the requester in their own language, the admin channel in the account's."""
    languages.choose_language(db, team=team, user_id=ADMIN, language="fr", now=NOW)
    usecases.update_account(db, team=team, changes=usecases.AccountChanges(language="nl"), now=NOW)
    slack.submit(ADMIN, open_modal(slack), seats("3"))
    with db.transaction(read_only=True) as s:
        payloads = {d.target: d.payload for d in s.scalars(select(models.Delivery))}
    assert {p[notice.NOTICE] for p in payloads.values()} == {"request_submitted"}
    assert all(i18n.VARIANTS not in p and "blocks" not in p for p in payloads.values())
    [dm] = [c for c in standin.calls_to("chat.postMessage") if c.params["channel"] == ADMIN]
    assert "La demande n° 1 est enregistrée" in message_to_text(dm.params)
    [post] = posts(standin, "C0ADMINS")
    assert post.startswith("@U0000 vroeg aan: ") and "(#1)" in post
