"""Slack failing us: 429 (with Retry-After) and 500 on views.open, views.publish, chat.postMessage and
conversations.open. A modal Slack did not open is followed by "try again"; a brief rate limit is waited
out; reminders still reach everybody exactly once (the worker's outbox retries on later passes)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from bot.testing.blocktext import message_to_text
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from bot.worker.sender import Sender
from handlers.ids import Action, View
from store.db import Database
from tests.bot.worker.conftest import stand_in_sender
from tests.bot.worker.scenario import D7, deliveries, run
from tests.dbsnapshot import changes, snapshot
from tests.handlers.conftest import ADMIN
from tests.handlers.helpers import last_reply, requests, seats

TRY_AGAIN = "Slack could not open the form just now"
FAULTS = [(500, "internal_error", None), (429, "ratelimited", 30)]


def test_a_modal_slack_does_not_open_is_followed_by_try_again(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    before = snapshot(db)
    for status, error, retry_after in FAULTS:  # 500, then a 429 asking to wait longer than a trigger id lives
        standin.fail("views.open", error, status=status, retry_after=retry_after, times=3)
        mark = standin.mark()
        for text in ("reduce 2", "deactivate"):
            assert slack.command(ADMIN, text).status == 200
            told = last_reply(standin)
            assert TRY_AGAIN in told and f"`{error}`" in told and "Nothing was changed: try again." in told, told
        assert slack.click(ADMIN, Action.OPEN_REDUCE, where="home").status == 200  # no response_url: a DM
        [dm] = [c for c in standin.since(mark) if c.method == "chat.postMessage"]
        assert dm.params["channel"] == ADMIN and TRY_AGAIN in message_to_text(dm.params)
        assert [c.method for c in standin.since(mark)].count("views.open") == 3  # not retried
    assert standin.calls_to("views.update") == [] and changes(before, snapshot(db)) == {}


def test_a_brief_rate_limit_is_waited_out_for_modals_pages_and_messages(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    for method in ("views.open", "views.publish", "chat.postMessage"):
        standin.fail(method, "ratelimited", status=429, retry_after=0, times=1)
    slack.command(ADMIN, "reduce")
    assert slack.modal()["callback_id"] == View.REDUCE
    assert slack.submit(ADMIN, slack.last_modal_id(), seats("3")).body == b""
    assert len(requests(db)) == 1
    assert [c.ok for c in standin.calls_to("views.open")] == [False, True]
    assert [c.ok for c in standin.calls_to("chat.postMessage")][:2] == [False, True]  # the DM, after the wait
    assert sorted(standin.homes) == ["U0000", "U0001"]


def _until_delivered(db: Database, sender: Sender) -> None:
    now = D7
    for _ in range(12):
        run(db, sender, now)
        if all(status != "pending" for _, _, status, _ in deliveries(db)):
            return
        now += timedelta(minutes=20)
    raise AssertionError(f"still pending: {deliveries(db)}")


def test_a_request_made_while_slack_fails_still_gets_every_reminder_exactly_once(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    standin.fail("views.publish", "internal_error", status=500)
    standin.fail("chat.postMessage", "internal_error", status=500, times=2)  # the confirmations are lost
    slack.command(ADMIN, "reduce")
    assert slack.submit(ADMIN, slack.last_modal_id(), seats("3")).body == b""
    assert len(requests(db)) == 1  # stored although Slack was told nothing
    standin.fail("chat.postMessage", "ratelimited", status=429, retry_after=0, times=2)
    standin.fail("chat.postMessage", "internal_error", status=500, times=3)
    standin.fail("conversations.open", "ratelimited", status=429, retry_after=0, times=1)
    standin.fail("conversations.open", "internal_error", status=500, times=2)
    _until_delivered(db, stand_in_sender(standin))
    reminders = Counter(
        (c.params["channel"], c.params["text"]) for c in standin.posts() if c.params["text"].startswith("Reminder")
    )
    assert sorted(channel for channel, _ in reminders) == ["C0ADMINS", "DU0000", "DU0001"]
    assert set(reminders.values()) == {1}
