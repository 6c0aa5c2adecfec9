"""What a license page costs does not grow with the account (issue 17): a status, an App Home and the
admins' App Homes after a change read the same statements at 8 and at 400 members, with a shortfall of
a few or of hundreds, and none of them walks the members (counted with SQLAlchemy's cursor events)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import event

from bot.testing.blocktext import message_to_text
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from bot.usecases import snapshot
from handlers.deps import Deps
from store.db import Database
from tests.conftest import NOW
from tests.factories import add_account, add_members
from tests.handlers.conftest import ADMIN, TEAM
from tests.handlers.helpers import seats


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def grow(db: Database, members: int, seats_: int) -> None:
    add_account(db, TEAM, seats=seats_, renews=date(2027, 1, 1))
    add_members(db, TEAM, members, admins=(0, 1))


def status_statements(slack: SlackSim, db: Database) -> list[str]:
    assert slack.command(ADMIN, "status").status == 200  # warm: the first one identifies the viewer
    with statements(db) as seen:
        assert slack.command(ADMIN, "status").status == 200
    return seen


def shapes(seen: list[str]) -> list[str]:
    return [" ".join(s.split()) for s in seen]


def test_a_status_reads_the_same_few_statements_at_any_size(
    slack: SlackSim, standin: SlackStandIn, db: Database, deps: Deps
) -> None:
    grow(db, 8, 10)
    assert not slack.submit(ADMIN, open_reduce(slack), seats("5")).body  # 5 licenses for 8 users: 3 to go
    small = status_statements(slack, db)
    add_members(db, TEAM, 408, admins=(0, 1))  # 408 users on those 5 licenses: 403 to go
    large = status_statements(slack, db)
    assert shapes(large) == shapes(small)  # the same statements: nothing per member
    assert len([s for s in large if s.lstrip().upper().startswith("SELECT")]) <= 9
    text = message_to_text(standin.answers()[-1].params)
    assert "403" in text and "more" in text  # counted, not listed: the page names the first few only


def open_reduce(slack: SlackSim) -> str:
    assert slack.command(ADMIN, "reduce").status == 200
    return slack.last_modal_id()


def test_every_admins_home_after_a_change_reads_the_same_statements_at_any_size(db: Database) -> None:
    grow(db, 8, 10)
    with statements(db) as small:
        view = snapshot.for_admins(db, team=TEAM, now=NOW, activity=6)
    assert [v.user_id for v in view.viewers] == ["U0000", "U0001"]
    add_members(db, TEAM, 408, admins=(0, 1))
    with statements(db) as large:
        view = snapshot.for_admins(db, team=TEAM, now=NOW, activity=6)
    assert shapes(large) == shapes(small)
    assert view.page.active == 408 and len(view.page.admins) == 2


def test_a_page_with_a_package_and_an_addon_line_reads_the_same_statements_at_any_size(
    slack: SlackSim, standin: SlackStandIn, db: Database
) -> None:
    """Issue 19: each line is read bounded like the package line (a count, the newest holders it shows)."""
    from dataclasses import replace

    from bot import usecases
    from bot.core.audit import Actor
    from tests.factories import member_rows
    from tests.line_factories import ADDON, package_team

    line = package_team(db, TEAM, members=8, holders=(0, 2, 3, 4, 5), addon_seats=5)
    usecases.submit_reduction(db, team=TEAM, actor=Actor.slack(ADMIN), seats=3, now=NOW, line=line)
    small = status_statements(slack, db)
    rows = [replace(r, addons=(ADDON,)) for r in member_rows(408, admins=(0, 1))]  # 408 hold the add-on's 5
    usecases.import_members(db, team=TEAM, rows=rows, now=NOW)
    large = status_statements(slack, db)
    assert shapes(large) == shapes(small)
    text = message_to_text(standin.answers()[-1].params)
    assert "5 licensed · 408 assigned · 0 unused" in text and "and 396 more" in text
