"""Slack delivering the same thing again: event retries, replayed and simultaneous submissions and clicks.

Decision (handlers/retries.py): an event is handled once per event_id in a process; Slack's retries of
it are acked at once. Submissions and clicks are not retried by Slack, but a person can double-click
and a delivery can be replayed: the use cases make the second one change nothing and say why.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from bot import usecases
from bot.core.audit import Actor
from bot.testing.slack_sim import Response, SlackSim
from bot.testing.slack_standin import SlackStandIn
from handlers.ids import Action
from store.db import Database
from tests.conftest import NOW
from tests.handlers.conftest import ADMIN, ADMIN2
from tests.handlers.consent_steps import request_dm_value, review, sign
from tests.handlers.helpers import audit_actions, chosen, last_reply, member, requests, seats

RETRY_REASONS = ["http_timeout", "http_error", "connection_failed"]


def resend(slack: SlackSim, retry: int | None = None, reason: str = "http_timeout") -> Response:
    """The last request again, byte for byte (signed anew, as Slack does for a retry)."""
    assert slack.last is not None
    headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": reason} if retry is not None else None
    return slack.send(*slack.last, headers=headers)


def at_once(n: int, send: Callable[[], Response]) -> list[Response]:
    """`send` from n threads released together."""
    start = threading.Barrier(n)
    answers: list[Response] = []
    lock = threading.Lock()

    def run() -> None:
        start.wait(timeout=10)
        answer = send()
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(answers) == n
    return answers


# --- events ------------------------------------------------------------------------------------------


def test_an_event_delivered_four_times_publishes_the_home_once(
    slack: SlackSim, standin: SlackStandIn, team: str
) -> None:
    assert slack.open_home(ADMIN).status == 200
    for retry, reason in enumerate(RETRY_REASONS, start=1):
        answer = resend(slack, retry, reason)
        assert answer.status == 200
        assert answer.headers.get("x-slack-no-retry") == "1"
    assert len(standin.calls_to("views.publish")) == 1
    slack.open_home(ADMIN)  # a new event (another event_id): published again
    assert len(standin.calls_to("views.publish")) == 2


def test_a_retry_of_an_event_this_process_never_saw_is_handled(
    slack: SlackSim, standin: SlackStandIn, team: str
) -> None:
    """The first delivery was lost (or went to another process): the retry does the work, once."""
    assert slack.open_home(ADMIN, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}).status
    assert resend(slack, 2).status == 200
    assert [c.params["user_id"] for c in standin.calls_to("views.publish")] == [ADMIN]


# --- the same submission or click twice --------------------------------------------------------------


def test_a_replayed_reduce_submission_stores_one_request(slack: SlackSim, team: str, db: Database) -> None:
    slack.command(ADMIN, "reduce")
    assert slack.submit(ADMIN, slack.last_modal_id(), seats("2")).body == b""
    again = resend(slack).json()
    assert "already pending (request #1)" in again["errors"]["licenses_seats"]
    assert len(requests(db)) == 1 and audit_actions(db).count("request.submitted") == 1


def test_a_replayed_deactivate_submission_deactivates_once(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    slack.command(ADMIN, "deactivate")
    user3 = member(db, "user3@example.com").id
    assert slack.submit(ADMIN, slack.last_modal_id(), chosen(user3)).body == b""
    assert resend(slack).status == 200
    assert audit_actions(db).count("member.deactivated") == 1
    assert "Already deactivated: User 3." in standin.calls_to("chat.postMessage")[-1].params["text"]


def test_a_replayed_confirm_cancel_cancels_once(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    done = usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN), seats=2, now=NOW)
    slack.click(ADMIN, Action.CONFIRM_CANCEL, str(done.request.id))
    resend(slack)
    assert "There is no pending license reduction to cancel" in last_reply(standin)
    assert audit_actions(db).count("request.cancelled") == 1


def test_a_replayed_consent_submission_grants_once(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    slack.command(ADMIN, "consent <@U0001>")
    review(slack, ADMIN2, request_dm_value(standin, ADMIN2))
    sign(slack, ADMIN2, slack.last_modal_id())
    again = resend(slack).json()
    assert again["response_action"] == "update"
    assert audit_actions(db).count("consent.granted") == 1


# --- at the same moment ------------------------------------------------------------------------------


def test_simultaneous_reduce_submissions_store_one_request(slack: SlackSim, team: str, db: Database) -> None:
    n = 4
    slack.command(ADMIN, "reduce")
    view_id = slack.last_modal_id()
    answers = at_once(n, lambda: slack.submit(ADMIN, view_id, seats("2")))
    assert [a.status for a in answers] == [200] * n
    assert Counter(a.body == b"" for a in answers) == {True: 1, False: n - 1}
    assert len(requests(db)) == 1 and audit_actions(db).count("request.submitted") == 1


def test_simultaneous_deactivate_submissions_deactivate_each_user_once(
    slack: SlackSim, team: str, db: Database
) -> None:
    slack.command(ADMIN, "deactivate")
    view_id = slack.last_modal_id()
    ids = [member(db, f"user{i}@example.com").id for i in (3, 4)]
    answers = at_once(3, lambda: slack.submit(ADMIN, view_id, chosen(*ids)))
    assert [a.status for a in answers] == [200] * 3
    assert audit_actions(db).count("member.deactivated") == 2


def test_simultaneous_cancel_clicks_cancel_once(slack: SlackSim, team: str, db: Database) -> None:
    done = usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN), seats=2, now=NOW)
    answers = at_once(3, lambda: slack.click(ADMIN, Action.CONFIRM_CANCEL, str(done.request.id)))
    assert [a.status for a in answers] == [200] * 3
    assert audit_actions(db).count("request.cancelled") == 1
