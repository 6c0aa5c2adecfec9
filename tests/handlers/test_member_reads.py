"""How often one request reads the whole member list (bench/ack.py: at 1,000 members those reads were
the cost of the ack path). Counted, not timed: a read per admin, or before the ack, is a regression."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from bot.slack_sim import SlackSim
from bot.slack_standin import SlackStandIn
from store.db import Database
from tests.factories import add_account, add_members
from tests.handlers.conftest import ADMIN, TEAM
from tests.handlers.helpers import seats

ADMINS = (0, 1, 2, 3)


@contextmanager
def member_list_reads(db: Database) -> Iterator[list[str]]:
    """Statements that read an account's member list (the license page reads it in added order)."""
    seen: list[str] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "ORDER BY members.added_at" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)


def test_a_reduction_reads_the_members_twice_however_many_admins_are_refreshed(
    db: Database, slack: SlackSim, standin: SlackStandIn
) -> None:
    add_account(db, TEAM, seats=30)
    add_members(db, TEAM, 20, admins=ADMINS)
    assert slack.command(ADMIN, "reduce").status == 200
    view_id = slack.last_modal_id()
    with member_list_reads(db) as reads:
        response = slack.submit(ADMIN, view_id, seats("2"))
    assert response.status == 200 and not response.body  # stored: a plain ack
    assert len(standin.calls_to("views.publish")) == len(ADMINS)  # every admin's App Home was refreshed
    # The use case validates against the members; the page after the ack reads them once for the DM,
    # the admin-channel post and every admin's App Home.
    assert len(reads) == 2


def test_the_status_reads_the_members_once(db: Database, slack: SlackSim) -> None:
    add_account(db, TEAM, seats=30)
    add_members(db, TEAM, 20, admins=ADMINS)
    with member_list_reads(db) as reads:
        assert slack.command(ADMIN, "status").status == 200
    assert len(reads) == 1


@contextmanager
def selects(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)


def _queries_of_a_reduction(db: Database, slack: SlackSim, team: str, admins: tuple[int, ...]) -> int:
    add_account(db, team, seats=30)
    add_members(db, team, 20, admins=admins)
    assert slack.command(ADMIN, "reduce", team=team).status == 200
    view_id = slack.last_modal_id()
    with selects(db) as seen:
        assert not slack.submit(ADMIN, view_id, seats("2"), team=team).body
    return len(seen)


def test_refreshing_more_admins_homes_reads_nothing_more(db: Database, slack: SlackSim) -> None:
    one = _queries_of_a_reduction(db, slack, "T0ONE", (0,))
    five = _queries_of_a_reduction(db, slack, "T0FIVE", (0, 1, 2, 3, 4))
    assert five == one  # the admins, the page, the activity and the consents are read once for all
