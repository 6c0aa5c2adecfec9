"""A `/licenses status` answered in its own ack (handlers/quick.py): the same page as after the ack, in the
person's language, and after the ack instead whenever the page needs Slack or the process falls behind."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient

from bot.testing.blocktext import message_to_text
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from bot.testing.standin_calls import ACK_MESSAGE
from handlers import quick
from handlers.blocks.messages import Message, message
from handlers.context import Ctx, NeedsSlack
from handlers.deps import Deps
from handlers.followup import AFTER_ACK_THREADS
from tests.handlers.conftest import ADMIN, TEAM


def answered(standin: SlackStandIn, mark: int) -> list[tuple[str, dict[str, Any]]]:
    """(how, message) of every answer since `mark`: "ack" or "response_url"."""
    return [
        ("ack" if c.method == ACK_MESSAGE else c.method, c.params)
        for c in standin.since(mark)
        if c.method in (ACK_MESSAGE, "response_url")
    ]


def shown(params: dict[str, Any]) -> tuple[str, Any]:
    return params["text"], params["blocks"]


def test_a_status_is_answered_in_its_ack_once_nothing_needs_slack(
    slack: SlackSim, standin: SlackStandIn, team: str
) -> None:
    mark = standin.mark()
    assert slack.command(ADMIN, "status").status == 200  # the admin's Slack locale is not known yet: users.info
    [(how, first)] = answered(standin, mark)
    assert how == "response_url" and "users.info" in standin.methods()[mark:]
    mark = standin.mark()
    response = slack.command(ADMIN, "status")
    assert response.status == 200 and response.json()["response_type"] == "ephemeral"
    [(how, second)] = answered(standin, mark)
    assert how == "ack" and [c.method for c in standin.since(mark)] == [ACK_MESSAGE]  # no Web API call at all
    assert shown(second) == shown(first)
    assert "10 licensed" in message_to_text(second)


@pytest.mark.parametrize("lang", ["nl", "fr", "en"])
def test_the_page_in_the_ack_is_the_page_after_the_ack_in_the_persons_language(
    slack: SlackSim, standin: SlackStandIn, team: str, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert slack.command(ADMIN, f"language {lang}").status == 200
    monkeypatch.setattr(quick, "_waiting", [lambda: quick.WAITING])  # requests queue for server threads
    mark = standin.mark()
    assert slack.command(ADMIN, "status").status == 200
    [(how, later)] = answered(standin, mark)
    assert how == "response_url"
    monkeypatch.setattr(quick, "_waiting", [lambda: 0])
    mark = standin.mark()
    assert slack.command(ADMIN, "").status == 200  # `/licenses` alone is the status too
    [(how, in_ack)] = answered(standin, mark)
    assert how == "ack" and shown(in_ack) == shown(later)
    english = "Next renewal" in message_to_text(in_ack)
    assert english == (lang == "en")


def test_a_status_whose_admins_must_be_looked_up_in_slack_is_answered_after_its_ack(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Any
) -> None:
    from sqlalchemy import update

    from store import models

    assert slack.command(ADMIN, "help").status == 200  # the admin's language is known from now on
    with db.transaction() as s:  # admin 1 has no Slack id yet: the page looks them up by email first
        s.execute(update(models.Member).where(models.Member.slack_user_id == "U0001").values(slack_user_id=None))
    mark = standin.mark()
    assert slack.command(ADMIN, "status").status == 200
    assert [how for how, _ in answered(standin, mark)] == ["response_url"]
    assert "users.lookupByEmail" in standin.methods()[mark:]


class Pool:
    """An after-ack pool that only says how much it holds."""

    def __init__(self, pending: int) -> None:
        self.pending = pending

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("not called by the gate")


def test_the_fast_path_is_off_while_requests_wait_or_the_after_ack_pool_is_full(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    monkeypatch.setattr(quick, "_waiting", [lambda: 0])
    assert quick.QuickAnswers(replace(deps, after_ack=Pool(AFTER_ACK_THREADS - 1))).keeping_up()
    assert not quick.QuickAnswers(replace(deps, after_ack=Pool(AFTER_ACK_THREADS))).keeping_up()
    monkeypatch.setattr(quick, "_waiting", [lambda: quick.WAITING - 2, lambda: 1])  # two servers: counted together
    assert quick.QuickAnswers(replace(deps, after_ack=Pool(0))).keeping_up()  # a few wait now and then
    monkeypatch.setattr(quick, "_waiting", [lambda: quick.WAITING - 1, lambda: 1])
    assert not quick.QuickAnswers(replace(deps, after_ack=Pool(0))).keeping_up()


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def request(standin: SlackStandIn) -> tuple[BoltContext, WebClient, Respond]:
    context = BoltContext({"team_id": TEAM, "user_id": ADMIN})
    return context, WebClient(base_url=standin.api_url), Respond(response_url=standin.response_url("q"))


def test_a_failed_or_slow_answer_turns_the_fast_path_off_for_a_while(
    deps: Deps, standin: SlackStandIn, team: str, slack: SlackSim
) -> None:
    assert slack.command(ADMIN, "help").status == 200  # the admin's language is known (no users.info)
    clock = FakeClock()
    gate = quick.QuickAnswers(deps, clock=clock)
    page = message("the page")

    def fails(ctx: Ctx) -> Message:
        raise RuntimeError("the database went away")

    assert gate.answer(*request(standin), fails) is None  # answered after the ack instead
    assert not gate.keeping_up()
    clock.now += quick.PAUSE + 1
    assert gate.keeping_up()

    def slow(ctx: Ctx) -> Message:
        clock.now += quick.SLOW + 0.1
        return page

    assert gate.answer(*request(standin), slow) == page  # built: sent in the ack
    assert not gate.keeping_up()  # but the next ones go after their acks for a while
    clock.now += quick.PAUSE + 1

    def needs_slack(ctx: Ctx) -> Message:
        raise NeedsSlack("users.info")

    assert gate.answer(*request(standin), needs_slack) is None
    assert gate.keeping_up()  # needing Slack is no sign of trouble
    assert gate.answer(*request(standin), lambda ctx: page) == page


def test_at_most_so_many_answers_are_built_in_acks_at_once(
    deps: Deps, standin: SlackStandIn, team: str, slack: SlackSim
) -> None:
    assert slack.command(ADMIN, "help").status == 200  # the admin's language is known (no users.info)
    gate = quick.QuickAnswers(deps, at_once=1)
    page = message("the page")
    inner: list[Message | None] = []

    def nested(ctx: Ctx) -> Message:
        inner.append(gate.answer(*request(standin), lambda ctx: page))  # a second one while the first is built
        return page

    assert gate.answer(*request(standin), nested) == page
    assert inner == [None]


def test_while_an_answer_in_an_ack_takes_long_the_next_ones_go_after_their_acks(
    deps: Deps, standin: SlackStandIn, team: str, slack: SlackSim
) -> None:
    """A database that stops answering holds the threads of the answers begun before it showed, no more."""
    assert slack.command(ADMIN, "help").status == 200  # the admin's language is known (no users.info)
    clock = FakeClock()
    gate = quick.QuickAnswers(deps, clock=clock)
    page = message("the page")
    seen: list[tuple[bool, Message | None]] = []

    def hangs(ctx: Ctx) -> Message:
        clock.now += quick.SLOW + 0.1  # still building when the next request comes
        seen.append((gate.keeping_up(), gate.answer(*request(standin), lambda ctx: page)))
        return page

    assert gate.answer(*request(standin), hangs) == page
    assert seen == [(False, None)]


def test_a_server_that_tells_no_queue_length_answers_every_status_after_its_ack(
    slack: SlackSim, standin: SlackStandIn, team: str
) -> None:
    """gunicorn (bot/wsgi.py): a growing queue would not be seen, and acks would wait for pages."""
    assert slack.command(ADMIN, "help").status == 200  # the admin's language is known (no users.info)
    quick.after_acks_only()
    mark = standin.mark()
    assert slack.command(ADMIN, "status").status == 200
    assert [how for how, _ in answered(standin, mark)] == ["response_url"]
