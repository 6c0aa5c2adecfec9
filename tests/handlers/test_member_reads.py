"""Whether one request reads the whole member list (bench/ack.py: at 1,000 members those reads were the
cost of a license page). Counted, not timed: the license page and a reduction read the roster
(queries.roster_of: a count, the admins, the newest few), never every member."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy import event

from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from store.db import Database
from tests.factories import add_account, add_members
from tests.handlers.conftest import ADMIN, TEAM
from tests.handlers.helpers import seats

ADMINS = (0, 1, 2, 3)


@contextmanager
def listening(db: Database, name: str, listener: Callable[..., None]) -> Iterator[None]:
    event.listen(db.engine, name, listener)
    try:
        yield
    finally:
        event.remove(db.engine, name, listener)


@contextmanager
def statements(db: Database, keep: Callable[[str], bool]) -> Iterator[list[str]]:
    """The statements run on the engine that `keep` (given the upper-cased SQL) keeps."""
    seen: list[str] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if keep(statement.lstrip().upper()):
            seen.append(statement)

    with listening(db, "before_cursor_execute", capture):
        yield seen


def member_list_reads(db: Database) -> AbstractContextManager[list[str]]:
    """Statements that read an account's whole member list: members in added order, with no LIMIT."""
    return statements(
        db, lambda sql: sql.startswith("SELECT") and "ORDER BY MEMBERS.ADDED_AT" in sql and "LIMIT" not in sql
    )


def selects(db: Database) -> AbstractContextManager[list[str]]:
    return statements(db, lambda sql: sql.startswith("SELECT"))


def test_a_reduction_never_reads_the_whole_member_list(db: Database, slack: SlackSim, standin: SlackStandIn) -> None:
    add_account(db, TEAM, seats=30)
    add_members(db, TEAM, 20, admins=ADMINS)
    assert slack.command(ADMIN, "reduce").status == 200
    view_id = slack.last_modal_id()
    with member_list_reads(db) as reads:
        response = slack.submit(ADMIN, view_id, seats("2"))
    assert response.status == 200 and not response.body  # stored: a plain ack
    assert len(standin.calls_to("views.publish")) == len(ADMINS)  # every admin's App Home was refreshed
    assert reads == []  # validation needs the admins; the page after the ack the roster


def test_the_status_never_reads_the_whole_member_list(db: Database, slack: SlackSim) -> None:
    add_account(db, TEAM, seats=30)
    add_members(db, TEAM, 20, admins=ADMINS)
    with member_list_reads(db) as reads:
        assert slack.command(ADMIN, "status").status == 200
    assert reads == []


def test_the_users_overview_and_lists_never_read_the_whole_member_list(db: Database, slack: SlackSim) -> None:
    add_account(db, TEAM, seats=30)
    add_members(db, TEAM, 20, admins=ADMINS)
    assert slack.command(ADMIN, "reduce").status == 200
    slack.submit(ADMIN, slack.last_modal_id(), seats("5"))
    with member_list_reads(db) as reads:
        for text in ("users", "users --page 2", "users --at-risk"):
            assert slack.command(ADMIN, text).status == 200
    assert reads == []


def test_the_counter_sees_a_whole_list_read(db: Database) -> None:
    """The renewal reads every active member (it deactivates them): the counter sees it, so the tests above
    can fail."""
    from store.queries import policy_members

    add_account(db, TEAM, seats=30)
    add_members(db, TEAM, 20, admins=ADMINS)
    with member_list_reads(db) as reads, db.transaction(read_only=True) as s:
        policy_members(s, 1, active_only=True)
    assert len(reads) >= 1


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


@contextmanager
def transactions(db: Database) -> Iterator[list[bool]]:
    """Every transaction begun on the engine."""
    begun: list[bool] = []
    with listening(db, "begin", lambda conn: begun.append(True)):
        yield begun


def test_the_status_of_a_known_admin_is_one_read(db: Database, slack: SlackSim) -> None:
    """Viewer, page and consents in one transaction (bot/usecases/snapshot.py), not one each. (The viewer's
    language is read once, then kept by the process for a few minutes: bot/usecases/languages.py.)"""
    add_account(db, TEAM, seats=30)
    add_members(db, TEAM, 20, admins=ADMINS)
    assert slack.command(ADMIN, "help").status == 200  # the admin's language is known from now on
    with transactions(db) as begun:
        assert slack.command(ADMIN, "status").status == 200
    assert len(begun) == 1


def test_a_reduction_is_one_transaction_and_one_record_after_its_ack(db: Database, slack: SlackSim) -> None:
    """Before the ack: the use case alone (it checks the form's renewal itself), which queues the announcements
    and, in the same transaction, reads every admin's App Home and the queued messages (1); after the ack no
    read, only the record of the posts' outcomes (2). (Was 4: a read for the Homes and one of the messages.)"""
    add_account(db, TEAM, seats=30)
    add_members(db, TEAM, 20, admins=ADMINS)
    assert slack.command(ADMIN, "reduce").status == 200
    view_id = slack.last_modal_id()
    with transactions(db) as begun:
        assert not slack.submit(ADMIN, view_id, seats("2")).body
    assert len(begun) == 2
