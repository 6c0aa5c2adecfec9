"""Many workspaces: the worker posts each account's messages with its workspace's token, a 429 holds
back only that workspace, a rotating token is refreshed once however many workers ask."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.cli.wiring import team_sender
from bot.slack_installs import BotTokens, Installations
from bot.testing.slack_standin import SlackStandIn
from bot.worker.pacing import Pacer
from bot.worker.sender import Sender
from store import secrets
from store.db import Database
from tests.bot.worker.scenario import D7, deliveries, run, standard_team

TEAMS = ("TAAAA", "TBBBB", "TCCCC")


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(secrets.ENV, secrets.new_key())


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(team_id="T0000NONE") as s:
        for team in TEAMS:
            s.add_workspace(team, f"Workspace {team}")
        yield s


def install(standin: SlackStandIn, store: Installations, team: str) -> str:
    issued = standin.issue(team)
    store.save(
        Installation(
            app_id="A0LICENSES",
            team_id=team,
            bot_token=issued["access_token"],
            bot_refresh_token=issued.get("refresh_token"),
            bot_token_expires_in=issued.get("expires_in"),
            bot_user_id="UBOT",
            bot_id=f"B{team}",
            user_id="U0000",
        )
    )
    return str(issued["access_token"])


def installations(standin: SlackStandIn, db: Database) -> Installations:
    from slack_sdk import WebClient

    return Installations(
        standin.client_id, db.engine, client_secret=standin.client_secret, client=WebClient(base_url=standin.api_url)
    )


def sender_of(standin: SlackStandIn, store: Installations, threads: int = 4) -> Sender:
    sender = team_sender(store, standin.api_url, threads=threads, min_interval=0)
    sender.pacer = Pacer(0)
    return sender


def accounts(db: Database, standin: SlackStandIn, store: Installations) -> None:
    for i, team in enumerate(TEAMS):
        install(standin, store, team)
        standard_team(db, team, channel=f"C0ADM{i}")


def test_each_accounts_messages_carry_its_workspace_token(db: Database, standin: SlackStandIn) -> None:
    store = installations(standin, db)
    accounts(db, standin, store)
    run(db, sender_of(standin, store), D7)
    posts = standin.posts()
    by_team = Counter(standin.team_of(c.token) for c in posts)
    assert by_team == {team: 3 for team in TEAMS}  # the admin channel and two admins' DMs each
    for i, team in enumerate(TEAMS):
        [channel_post] = [c for c in posts if c.params["channel"] == f"C0ADM{i}"]
        assert standin.team_of(channel_post.token) == team
    opens = standin.calls_to("conversations.open")
    assert opens and all(standin.team_of(c.token) is not None for c in opens)
    assert all(status == "sent" for *_, status, _ in deliveries(db))


def test_a_429_holds_back_that_workspace_only(db: Database, standin: SlackStandIn) -> None:
    store = installations(standin, db)
    accounts(db, standin, store)
    standin.fail("chat.postMessage", "ratelimited", status=429, retry_after=30, times=1, _team="TAAAA")
    sender = sender_of(standin, store, threads=1)  # one thread: nothing of TAAAA is in flight when it is told
    report = run(db, sender, D7)
    sent = Counter(standin.team_of(c.token) for c in standin.posts())
    assert sent["TBBBB"] == 3 and sent["TCCCC"] == 3  # not delayed by TAAAA's Retry-After
    assert sent["TAAAA"] == 0

    def failed_of_a() -> list[str]:
        return [c.method for c in standin.calls if standin.team_of(c.token) == "TAAAA" and not c.ok]

    assert failed_of_a() == ["chat.postMessage"]  # the first 429; then it waited
    tried = len(standin.calls_to("chat.postMessage"))
    assert report.delivery is not None and not report.delivery.failed
    waiting = [d for d in deliveries(db) if d[2] == "pending"]
    assert len(waiting) == 3
    run(db, sender, D7 + timedelta(seconds=10))  # still within Retry-After: nothing more is tried
    assert len(standin.calls_to("chat.postMessage")) == tried
    sender._waiting.clear()  # a new worker process knows nothing of the wait: the rows' time says it
    run(db, sender, D7 + timedelta(seconds=31))
    by_channel = Counter((standin.team_of(c.token), c.params["channel"]) for c in standin.posts())
    assert all(n == 1 for n in by_channel.values()) and len(by_channel) == 9  # each message once
    assert all(status == "sent" for *_, status, _ in deliveries(db))


def test_a_workspace_without_installation_waits_and_does_not_fail(db: Database, standin: SlackStandIn) -> None:
    store = installations(standin, db)
    standard_team(db, "TAAAA", channel="C0ADM0")  # an account whose workspace never installed the app
    sender = sender_of(standin, store)
    for minutes in range(0, 60 * 24, 60):
        run(db, sender, D7 + timedelta(minutes=minutes))
    assert {status for *_, status, _ in deliveries(db)} == {"pending"}
    install(standin, store, "TAAAA")
    sender._waiting.clear()
    run(db, sender, D7 + timedelta(days=1))
    assert {status for *_, status, _ in deliveries(db)} == {"sent"}


def test_a_rotating_token_is_refreshed_once_with_two_workers(db: Database, standin: SlackStandIn) -> None:
    ws = standin.workspaces["TAAAA"]
    ws.rotating, ws.expires_in = True, 60  # installed with a token that expires within the refresh margin
    first = install(standin, installations(standin, db), "TAAAA")
    ws.expires_in = 12 * 3600
    workers = [BotTokens(installations(standin, db)) for _ in range(2)]
    got: list[str | None] = []
    start = threading.Barrier(2)

    def ask(tokens: BotTokens) -> None:
        start.wait()
        got.append(tokens("TAAAA"))

    threads = [threading.Thread(target=ask, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert standin.refreshes == 1
    assert got[0] == got[1] and got[0] != first and got[0] in standin.tokens_of("TAAAA")
    assert all(w("TAAAA") == got[0] for w in workers) and standin.refreshes == 1


@pytest.mark.postgres_only
def test_several_workers_send_each_message_once_across_workspaces(
    db: Database, db_url: str, standin: SlackStandIn
) -> None:
    from store.db import make_engine

    store = installations(standin, db)
    accounts(db, standin, store)
    standin.fail("chat.postMessage", "ratelimited", status=429, retry_after=1, times=2, _team="TBBBB")
    workers = [Database(make_engine(db_url, pool_size=8)) for _ in range(3)]
    start = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def work(wdb: Database) -> None:
        try:
            start.wait()
            run(wdb, sender_of(standin, installations(standin, wdb)), D7)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    # What the 429s held back (one worker may have ticked every account in one batch and met only the first
    # 429 before holding the workspace back: the second then comes in the first of these passes).
    for wait in (5, 10):
        run(db, sender_of(standin, store), D7 + timedelta(seconds=wait))
    by_channel = Counter((standin.team_of(c.token), c.params["channel"]) for c in standin.posts())
    assert len(by_channel) == 9 and all(n == 1 for n in by_channel.values()), by_channel


def test_admins_timezones_are_read_with_each_workspace_token(db: Database, standin: SlackStandIn) -> None:
    """The worker's timezone refresh (issue 16's hook) in OAuth mode: users.info with the admin's own
    workspace's token; a workspace whose token was refused or that has no installation says nothing
    (the stored zones stay) and does not stop the refresh of the other workspaces."""
    from sqlalchemy import select, update

    from bot.cli.wiring import installed_hooks, timezone_steps
    from store import models

    store = installations(standin, db)
    install(standin, store, "TAAAA")
    install(standin, store, "TBBBB")  # TCCCC: an account whose workspace never installed the app
    for i, team in enumerate(TEAMS):
        standard_team(db, team, channel=f"C0ADM{i}")
    for user in ("U0000", "U0001"):
        standin.add_user(user, name=f"Admin {user}")
        standin.users[user]["tz"] = "America/New_York"
    refused = standin.tokens_of("TBBBB")
    standin.revoke("TBBBB")  # uninstalled without the event reaching us: its token is refused
    with db.transaction() as s:  # TAAAA's admins were read long ago: they come after the others
        ids = select(models.Account.id).where(models.Account.slack_team_id == "TAAAA").scalar_subquery()
        s.execute(
            update(models.Member)
            .where(models.Member.account_id == ids)
            .values(timezone_checked_at=D7 - timedelta(days=9))
        )
    env = {"SLACK_CLIENT_ID": standin.client_id, "SLACK_CLIENT_SECRET": standin.client_secret}
    env["SLACK_API_URL"] = standin.api_url
    assert len(installed_hooks(env).each_pass) == 1  # OAuth mode without the database: no refresh
    [step] = timezone_steps(env, db=db)
    step(db, D7)

    asked = Counter(c.token for c in standin.calls_to("users.info"))
    [token_a] = standin.tokens_of("TAAAA")
    assert asked == {refused[0]: 2, token_a: 2}  # each admin once, with its workspace's token; none for TCCCC
    with db.transaction(read_only=True) as s:
        rows = s.execute(
            select(models.Account.slack_team_id, models.Member.timezone, models.Member.timezone_checked_at)
            .join(models.Account, models.Account.id == models.Member.account_id)
            .where(models.Member.is_admin)
        ).all()
    zones = {(team, tz) for team, tz, _ in rows}
    assert ("TAAAA", "America/New_York") in zones
    assert not any(tz == "America/New_York" for team, tz, _ in rows if team != "TAAAA")
    assert all(checked is not None for *_, checked in rows)  # asked again tomorrow, not at every pass
