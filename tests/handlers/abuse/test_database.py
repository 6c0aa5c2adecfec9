"""The database unavailable while people use the app: a clear "nothing was saved, try again", and the
process serves again as soon as the database is back."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import select

from bot.testing.blocktext import message_to_text, view_to_text
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from handlers.app import Settings, build_app
from handlers.deps import Deps
from handlers.errors import UNAVAILABLE
from handlers.http import build_wsgi
from handlers.ids import Action, Block
from store import models
from store.db import Database
from tests.conftest import NOW
from tests.dbsnapshot import changes, snapshot
from tests.faults import database_down, statement_fails, terminate_other_backends
from tests.handlers.conftest import ADMIN, SECRET
from tests.handlers.helpers import last_reply, requests, seats


def test_a_command_while_the_database_is_down_says_nothing_was_saved_and_the_next_one_works(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    before = snapshot(db)
    with database_down(db):
        for text in ("", "channel", "deactivate <@U0005>", "consent <@U0001>", "history"):
            answer = slack.command(ADMIN, text, channel="C0NEWCHAN")
            assert answer.status == 200
            assert last_reply(standin) == f"⛔ {UNAVAILABLE}", text
    assert changes(before, snapshot(db)) == {}
    slack.command(ADMIN, "channel", channel="C0NEWCHAN")  # the database is back: the same process serves
    assert "C0NEWCHAN" in last_reply(standin) and "admin channel" in last_reply(standin)


def test_a_submission_while_the_database_is_down_keeps_the_modal_open_with_the_message(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    slack.command(ADMIN, "reduce")
    view_id = slack.last_modal_id()
    with database_down(db):
        answer = slack.submit(ADMIN, view_id, seats("2"))
    assert answer.status == 200
    assert answer.json() == {"response_action": "errors", "errors": {Block.SEATS: UNAVAILABLE}}
    assert requests(db) == []
    assert slack.submit(ADMIN, view_id, seats("2")).body == b""  # submitted again once it is back
    assert len(requests(db)) == 1


def test_the_connection_lost_in_the_middle_of_a_submission_stores_nothing(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    """The INSERT of the request fails after the account was locked and checked: all of it is rolled back."""
    slack.command(ADMIN, "reduce")
    view_id = slack.last_modal_id()
    before = snapshot(db)
    with statement_fails(db, "INSERT INTO reduction_requests") as failed:
        answer = slack.submit(ADMIN, view_id, seats("2")).json()
    assert failed and answer["errors"][Block.SEATS] == UNAVAILABLE
    assert changes(before, snapshot(db)) == {}
    assert slack.submit(ADMIN, view_id, seats("2")).body == b""
    assert len(requests(db)) == 1


def test_a_button_in_the_app_home_while_the_database_is_down_is_answered_in_a_dm(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    with database_down(db):
        slack.click(ADMIN, Action.CANCEL_REQUEST, "1", where="home")
    [dm] = standin.calls_to("chat.postMessage")
    assert dm.params["channel"] == ADMIN and UNAVAILABLE in message_to_text(dm.params)


def test_the_app_home_while_the_database_is_down_says_so_on_the_page(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    with database_down(db):
        assert slack.open_home(ADMIN).status == 200
    assert UNAVAILABLE in view_to_text(standin.homes[ADMIN])
    assert standin.calls_to("chat.postMessage") == []  # not a DM for opening a tab
    slack.open_home(ADMIN)
    assert "Pending" in view_to_text(standin.homes[ADMIN]) or "licenses" in view_to_text(standin.homes[ADMIN])


@pytest.mark.postgres_only
def test_after_the_server_ends_every_session_the_next_command_just_works(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    """A PostgreSQL restart or failover ends the pooled connections: the pool notices (pre-ping)."""
    slack.command(ADMIN, "status")
    admin = Database.connect(db.engine.url.render_as_string(hide_password=False), migrate=False)
    try:
        assert terminate_other_backends(admin) >= 1  # the app's pooled connection among them
    finally:
        admin.dispose()
    slack.command(ADMIN, "channel", channel="C0NEWCHAN")
    assert "C0NEWCHAN" in last_reply(standin) and UNAVAILABLE not in last_reply(standin)


def test_in_production_mode_too_the_failed_submission_is_answered_in_the_modal(
    standin: SlackStandIn, deps: Deps, team: str, db: Database
) -> None:
    """process_before_response=False (production): the listener runs in a thread and the request waits for
    its ack; the error handler's answer is that ack."""
    app = build_app(Settings("xoxb-test-token", SECRET, api_url=standin.api_url), deps)
    slack = SlackSim(build_wsgi(app, deps, signing_secret=SECRET), SECRET, standin, team=team)
    slack.command(ADMIN, "reduce")
    for _ in range(200):  # the modal is filled in after the ack
        if standin.calls_to("views.update"):
            break
        time.sleep(0.02)
    with database_down(db):
        answer = slack.submit(ADMIN, slack.last_modal_id(), seats("2"))
    assert answer.status == 200
    assert answer.json() == {"response_action": "errors", "errors": {Block.SEATS: UNAVAILABLE}}


def test_a_failure_after_the_request_is_stored_says_it_was_saved(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    """The announcement's read fails once the request is stored: "nothing was saved" would be untrue (and
    make the admin submit again); the request stands and the admin is told so."""
    slack.command(ADMIN, "reduce")
    view_id = slack.last_modal_id()
    standin.clear()
    # the recent activity: read in the submission's transaction (a savepoint), then again after the ack
    with statement_fails(db, "FROM audit_log", times=2) as failed:
        assert slack.submit(ADMIN, view_id, seats("2")).body == b""
    assert len(failed) == 2
    assert [r.status for r in requests(db)] == ["pending"]
    [dm] = [c for c in standin.calls_to("chat.postMessage") if c.params["channel"] == ADMIN]
    told = message_to_text(dm.params)
    assert "Your request was saved" in told and "nothing was saved" not in told.lower()


def test_the_homes_read_failing_in_the_submissions_transaction_does_not_undo_the_request(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    """The submission reads the admins' Homes in its own transaction, in a savepoint: when that read fails the
    request is stored all the same, and its messages and Homes are read again after the ack and sent."""
    slack.command(ADMIN, "reduce")
    view_id = slack.last_modal_id()
    standin.clear()
    with statement_fails(db, "FROM audit_log") as failed:  # once: in the submission's transaction
        assert slack.submit(ADMIN, view_id, seats("2")).body == b""
    assert len(failed) == 1
    assert [r.status for r in requests(db)] == ["pending"]
    [dm] = [c for c in standin.calls_to("chat.postMessage") if c.params["channel"] == ADMIN]
    assert "Request #1 is saved" in message_to_text(dm.params)  # the usual announcement, not the failure's
    assert any(c.params["user_id"] == ADMIN for c in standin.calls_to("views.publish"))
    with db.transaction(read_only=True) as s:
        assert set(s.scalars(select(models.Delivery.status))) == {"sent"}  # recorded: the worker sends nothing again


def test_a_failure_after_the_cancellation_is_stored_says_it_was_saved(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    slack.command(ADMIN, "reduce")
    slack.submit(ADMIN, slack.last_modal_id(), seats("2"))
    [pending] = requests(db)
    with statement_fails(db, "FROM audit_log"):
        assert slack.click(ADMIN, Action.CONFIRM_CANCEL, str(pending.id)).status == 200
    assert [r.status for r in requests(db)] == ["cancelled"]
    assert "The cancellation was saved" in last_reply(standin)


def test_the_reduce_form_opened_while_the_database_is_down_says_so_instead_of_loading(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    with database_down(db):
        assert slack.command(ADMIN, "reduce").status == 200
    [update] = standin.calls_to("views.update")
    assert UNAVAILABLE in view_to_text(update.params["view"])
    assert "Loading" not in view_to_text(update.params["view"])


def test_health_reads_while_another_process_holds_the_sqlite_write_lock(db: Database, db_url: str) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    import sqlite3

    other = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process writing
        other.execute("UPDATE accounts SET name = name")
        assert db.reachable()  # a read: it does not queue behind the writer
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_the_worker_logs_one_line_per_pass_while_the_database_is_down(
    db: Database, team: str, caplog: pytest.LogCaptureFixture
) -> None:
    import threading

    from bot.cli.wiring import installed_hooks, slack_notices
    from bot.worker.loop import run_loop, run_once

    stop = threading.Event()
    hooks = installed_hooks()

    def one_pass(now: object) -> None:
        stop.set()
        run_once(db, None, NOW, notices=slack_notices(), before_renewal=hooks.before_renewal, each_pass=hooks.each_pass)

    with database_down(db), caplog.at_level(logging.INFO):
        run_loop(one_pass, interval=0, stop=stop, clock=lambda: NOW)
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1 and "database is unavailable" in errors[0].getMessage()
    assert not errors[0].exc_info  # the traceback only at DEBUG
