"""Whole lists on demand (the See all modal, its pages) and the Deactivate users type-ahead, through the
real Bolt app."""

from __future__ import annotations

from typing import Any

from bot import usecases
from bot.core.audit import Actor
from bot.core.results import ListKind
from bot.testing.blocktext import view_to_text
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from handlers.blocks.lists import ListRef
from handlers.blocks.modals import STATIC_LIMIT
from handlers.ids import Action, Block
from store.db import Database
from tests.conftest import NOW
from tests.factories import add_members
from tests.handlers.conftest import ADMIN, USER
from tests.handlers.helpers import action_ids, last_reply, replies


def _big(db: Database, team: str, count: int = 130) -> None:
    add_members(db, team, count, admins=(0, 1))
    usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN), seats=8, now=NOW)  # 130 active for 2


def test_see_all_opens_a_paged_modal_of_who_goes_automatically(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    _big(db, team)
    slack.command(ADMIN, "status")
    page = replies(standin)[-1].params
    assert "…and 118 more users" in last_reply(standin)  # 128 go; 10 named
    [button] = [
        e for b in page["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == Action.OPEN_LIST
    ]
    assert button["text"]["text"] == "See all 128" and ListRef.load(button["value"]) == ListRef(ListKind.AT_RISK)
    assert slack.click(ADMIN, Action.OPEN_LIST, button["value"]).status == 200
    modal = slack.modal()
    text = view_to_text(modal)
    assert "128 users of Account T0001 would be deactivated automatically" in text
    assert "1–50 of 128 · page 1 of 3." in text and "User 129" in text and "User 80" in text
    assert action_ids(modal["blocks"]) == [Action.LIST_PAGE]  # Next only
    next_value = modal["blocks"][-1]["elements"][0]["value"]
    assert slack.click(ADMIN, Action.LIST_PAGE, next_value, where="modal").status == 200
    text = view_to_text(slack.modal())
    assert "51–100 of 128 · page 2 of 3." in text and "User 79" in text and "User 129" not in text
    last = ListRef.load(next_value)
    assert last is not None
    slack.click(ADMIN, Action.LIST_PAGE, ListRef(last.kind, None, 2).dump(), where="modal")
    text = view_to_text(slack.modal())
    assert "101–128 of 128 · page 3 of 3." in text and "User 2," in text


def test_a_forged_list_button_is_answered_in_the_modal(slack: SlackSim, standin: SlackStandIn, team: str) -> None:
    for value in ("x", '{"k":"nope"}', '{"k":"renewal"}', '{"k":"at_risk","p":-1}', "{" * 500):
        assert slack.click(USER, Action.OPEN_LIST, value).status == 200
        assert "does not name a list" in view_to_text(slack.modal())


def test_the_deactivate_modal_of_a_large_account_asks_slack_for_options(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    add_members(db, team, STATIC_LIMIT + 30, admins=(0, 1, 120))
    slack.command(ADMIN, "deactivate")
    element = slack.modal()["blocks"][1]["element"]
    assert element["type"] == "multi_external_select" and "options" not in element
    answer = slack.suggest(ADMIN, Action.USERS_INPUT, Block.USERS, "user 12").json()
    labels = [o["text"]["text"] for o in answer["options"]]
    assert labels[0] == "User 120 (admin)"  # admins first (only admin 120 matches "user 12")
    assert set(labels[1:]) == {"User 12", *(f"User 12{i}" for i in range(10) if i != 0)}
    assert slack.suggest(USER, Action.USERS_INPUT, Block.USERS, "user").json()["options"] == []  # admins only


def test_the_deactivate_modal_of_a_small_account_lists_everyone(slack: SlackSim, team: str) -> None:
    slack.command(ADMIN, "deactivate")
    element = slack.modal()["blocks"][1]["element"]
    assert element["type"] == "multi_static_select"
    assert [o["text"]["text"] for o in element["options"]][:3] == ["User 0 (admin)", "User 1 (admin)", "User 2"]


def test_the_renewal_summary_lists_everyone_deactivated_page_by_page(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    from datetime import UTC, date, datetime

    from bot.cli.wiring import slack_notices
    from bot.worker.tick import tick_accounts

    _big(db, team)  # 128 of 130 go automatically
    tick_accounts(db, datetime(2027, 1, 2, 1, tzinfo=UTC), notices=slack_notices())
    [summary] = [d for d in deliveries_of(db) if d.key == "renewal:2027-01-01" and d.target == "C0ADMINS"]
    buttons = [e for b in summary.payload["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["See all 128"]
    assert "…and 118 more users" in str(summary.payload["blocks"])
    assert ListRef.load(buttons[0]["value"]) == ListRef(ListKind.RENEWAL, date(2027, 1, 1))
    slack.click(ADMIN, Action.OPEN_LIST, buttons[0]["value"], channel="C0ADMINS")
    text = view_to_text(slack.modal())
    assert "128 users of Account T0001 were deactivated automatically when the renewal of Fri 01 Jan 2027" in text
    assert "1–50 of 128 · page 1 of 3." in text and "User 129" in text


def deliveries_of(db: Database) -> list[Any]:
    from sqlalchemy import select

    from store import models

    with db.transaction() as s:
        return list(s.scalars(select(models.Delivery)))
