"""The worker keeps admins' Slack timezones fresh (bot/worker/timezones.py), through the Directory port."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.cli.wiring import installed_hooks
from bot.worker.timezones import REFRESH_AFTER, refresh_timezones
from store import models
from store.db import Database
from tests.bot.worker.scenario import D14, TEAM, account_row, audit_actions, standard_team


class FakeDirectory:
    def __init__(self, zones: dict[str, str | None], fail_on: str | None = None) -> None:
        self.zones, self.fail_on = zones, fail_on
        self.asked: list[str] = []

    def timezone(self, team: str, user_id: str) -> str | None:
        self.asked.append(user_id)
        if user_id == self.fail_on:
            raise ConnectionError("slack unreachable")
        return self.zones.get(user_id)


def _zones(db: Database) -> dict[str, str | None]:
    with db.transaction() as s:
        rows = s.execute(select(models.Member.slack_user_id, models.Member.timezone).where(models.Member.is_admin))
        return {u: tz for u, tz in rows if u}


def test_admins_timezones_are_read_then_refreshed_daily(db: Database) -> None:
    standard_team(db)
    directory = FakeDirectory({"U0000": "Europe/Brussels", "U0001": "America/New_York"})
    assert refresh_timezones(db, D14, directory=directory) == 2
    assert _zones(db) == {"U0000": "Europe/Brussels", "U0001": "America/New_York"}
    assert sorted(directory.asked) == ["U0000", "U0001"]  # admins only
    woken = account_row(db, TEAM).next_tick_at
    assert woken is not None and woken <= D14  # woken: the DMs' 09:00 moved
    assert refresh_timezones(db, D14 + timedelta(hours=1), directory=directory) == 0
    assert len(directory.asked) == 2  # checked less than a day ago: not asked again
    directory.zones["U0001"] = "Asia/Tokyo"
    assert refresh_timezones(db, D14 + REFRESH_AFTER + timedelta(minutes=1), directory=directory) == 1
    assert _zones(db)["U0001"] == "Asia/Tokyo"
    changes = [d for a, d in audit_actions(db, TEAM) if a == "member.timezone_changed"]
    assert changes[-1] == {"member": 2, "before": "America/New_York", "timezone": "Asia/Tokyo"}


def test_an_unreachable_slack_stops_the_batch_and_is_retried(db: Database) -> None:
    standard_team(db)
    directory = FakeDirectory({"U0001": "America/New_York"}, fail_on="U0000")
    refresh_timezones(db, D14, directory=directory)
    assert directory.asked == ["U0000"]  # stopped at the first failure
    directory.fail_on = None
    assert refresh_timezones(db, D14 + timedelta(minutes=1), directory=directory) == 1


def test_the_step_is_installed_only_with_a_bot_token() -> None:
    def names(env: dict[str, str]) -> list[str]:
        steps = installed_hooks(env).each_pass
        return [getattr(getattr(s, "func", s), "__name__", "") for s in steps]

    assert "refresh_timezones" not in names({})
    assert "refresh_timezones" in names({"SLACK_BOT_TOKEN": "xoxb-1"})


def test_the_refresh_reads_a_partial_index_not_the_members(db: Database) -> None:
    from tests.bot.worker.test_idle_pass import _full_scans

    standard_team(db)
    seen: list[tuple[str, object]] = []
    from sqlalchemy import event

    def capture(conn: object, cursor: object, statement: str, parameters: object, context: object, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "timezone_checked_at" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        refresh_timezones(db, D14, directory=FakeDirectory({}))
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert seen and all(_full_scans(db, st, p) == [] for st, p in seen)
