"""Teamleader access revoked: the worker tells the admins once per revocation; the license page says so."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import responses

from bot import usecases
from bot.cli.text import render_page
from bot.core.members_csv import MemberRow
from bot.core.results import Person, Viewer
from bot.teamleader import jobs, oauth
from bot.teamleader.status import reconnect_notices_due
from bot.testing.blocktext import blocks_to_lines
from bot.testing.slack_standin import SlackStandIn
from bot.worker.loop import PassReport, run_once
from bot.worker.reconnect import notify_reconnects
from bot.worker.sender import Sender
from handlers.blocks.page import home_view, page_blocks
from store.db import Database
from tests.bot.teamleader.fake import FakeTeamleader, tl_user
from tests.bot.worker.scenario import NOTICES, deliveries, posts
from tests.conftest import NOW
from tests.factories import add_account, add_members

TEAM = "T0001"
SYNCED = NOW + timedelta(hours=1)  # 2026-11-26 09:30 UTC = 10:30 in Brussels
REVOKED = NOW + timedelta(hours=2)  # 11:30 in Brussels


@pytest.fixture
def fake() -> Iterator[FakeTeamleader]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeTeamleader(rsps)


def connect(db: Database, fake: FakeTeamleader, code: str, now: datetime) -> None:
    fake.codes.add(code)
    oauth.connect_with_code(db, team=TEAM, code=code, client=fake.client(), now=now)


@pytest.fixture
def connected(db: Database, fake: FakeTeamleader) -> str:
    """T0001 (admin channel C0ADMINS) with User 0 and User 1 admins (U0000, U0001), connected and synced."""
    add_account(db, TEAM)
    add_members(db, TEAM, 3, admins=(0, 1))
    fake.users = [tl_user(0), tl_user(1), tl_user(2)]
    connect(db, fake, "code-1", NOW)
    return TEAM


def revoke(fake: FakeTeamleader) -> None:
    """Teamleader revokes the app: both tokens are refused, a refresh is answered invalid_grant."""
    fake.valid_access.clear()
    fake.valid_refresh.clear()


def worker_pass(db: Database, sender: Sender, fake: FakeTeamleader, now: datetime) -> PassReport:
    """One pass with the steps the installed hooks add (the sync against the fake, then the notices)."""

    def sync(database: Database, at: datetime) -> object:
        return jobs.run_due_syncs(database, at, fake.client())

    report = run_once(db, sender, now, notices=NOTICES, each_pass=(sync,))  # then the notices
    assert report.step_errors == []
    return report


def reconnect_posts(standin: SlackStandIn) -> dict[str, int]:
    counts = posts(standin)
    return {channel: n for (channel, text), n in counts.items() if "Teamleader access was revoked" in text}


def test_a_revocation_is_told_once_to_the_admin_channel_and_every_admin(
    db: Database, connected: str, fake: FakeTeamleader, standin: SlackStandIn, sender: Sender
) -> None:
    worker_pass(db, sender, fake, SYNCED)
    assert reconnect_posts(standin) == {}
    revoke(fake)
    worker_pass(db, sender, fake, SYNCED + timedelta(hours=1))  # the sync finds the revocation
    assert reconnect_posts(standin) == {"C0ADMINS": 1, "DU0000": 1, "DU0001": 1}
    [dm] = [c.params for c in standin.posts() if c.params["channel"] == "DU0000"]
    shown = "\n".join(blocks_to_lines(dm["blocks"]))
    assert "Teamleader access was revoked on Thu 26 Nov 2026; members are not synced" in shown
    assert "licensebot teamleader connect --team T0001" in shown
    assert "as last synced (Thu 26 Nov 2026 10:30 (Europe/Brussels))" in shown
    for later in (timedelta(hours=2), timedelta(days=1), timedelta(days=3)):
        worker_pass(db, sender, fake, SYNCED + later)
    assert reconnect_posts(standin) == {"C0ADMINS": 1, "DU0000": 1, "DU0001": 1}
    assert [k for k, *_ in deliveries(db) if k.startswith("teamleader")] == [
        "teamleader-reconnect:2026-11-26T10:30:00Z"
    ] * 3


def test_a_second_worker_or_a_rerun_queues_nothing_twice(
    db: Database, connected: str, fake: FakeTeamleader, standin: SlackStandIn, sender: Sender
) -> None:
    revoke(fake)
    worker_pass(db, sender, fake, SYNCED)
    assert reconnect_notices_due(db) == []
    assert notify_reconnects(db, SYNCED, NOTICES) == 0  # told already
    assert sum(reconnect_posts(standin).values()) == 3


def test_a_new_revocation_after_a_reconnect_is_told_again(
    db: Database, connected: str, fake: FakeTeamleader, standin: SlackStandIn, sender: Sender
) -> None:
    revoke(fake)
    worker_pass(db, sender, fake, SYNCED)
    connect(db, fake, "code-2", SYNCED + timedelta(days=1))
    worker_pass(db, sender, fake, SYNCED + timedelta(days=1, minutes=1))
    assert reconnect_posts(standin) == {"C0ADMINS": 1, "DU0000": 1, "DU0001": 1}
    revoke(fake)
    worker_pass(db, sender, fake, SYNCED + timedelta(days=2))
    assert reconnect_posts(standin) == {"C0ADMINS": 2, "DU0000": 2, "DU0001": 2}


def test_with_nobody_to_tell_the_notice_waits_for_an_admin_channel(
    db: Database, fake: FakeTeamleader, standin: SlackStandIn, sender: Sender
) -> None:
    add_account(db, TEAM, admin_channel=None)
    row = MemberRow(line=2, email="user0@example.com", name="User 0", slack_user_id=None, admin=True, added_at=NOW)
    usecases.import_members(db, team=TEAM, rows=[row], now=NOW)
    connect(db, fake, "code-1", NOW)
    revoke(fake)
    worker_pass(db, sender, fake, SYNCED)
    assert reconnect_posts(standin) == {} and reconnect_notices_due(db) == [TEAM]
    usecases.update_account(db, team=TEAM, changes=usecases.AccountChanges(admin_channel="C0NEWADM"), now=SYNCED)
    worker_pass(db, sender, fake, SYNCED + timedelta(minutes=1))
    assert reconnect_posts(standin) == {"C0NEWADM": 1} and reconnect_notices_due(db) == []


def viewer() -> Viewer:
    admin = Person(
        member_id=1,
        name="User 0",
        email="user0@example.com",
        slack_user_id="U0000",
        is_admin=True,
        active=True,
        added_at=NOW,
    )
    return Viewer(team=TEAM, account_name="Account T0001", user_id="U0000", member=admin, admins=(admin,))


def page_texts(db: Database, now: datetime) -> tuple[str, str, str]:
    """The license page as the CLI `status`, the `/licenses status` answer and the App Home show it."""
    page = usecases.license_page(db, team=TEAM, now=now)
    answer = "\n".join(blocks_to_lines(page_blocks(page, viewer())))
    home = "\n".join(blocks_to_lines(home_view(page, viewer())["blocks"]))
    return render_page(page), answer, home


def test_the_license_page_shows_the_last_sync_then_the_revocation(
    db: Database, connected: str, fake: FakeTeamleader, standin: SlackStandIn, sender: Sender
) -> None:
    for text in page_texts(db, NOW):
        assert "Members are synced from Teamleader; last sync not yet" in text
    worker_pass(db, sender, fake, SYNCED)
    for text in page_texts(db, SYNCED):
        assert "last sync Thu 26 Nov 2026 10:30 (Europe/Brussels)" in text
        assert "revoked" not in text
    revoke(fake)
    worker_pass(db, sender, fake, REVOKED)
    banner = (
        "Teamleader access was revoked on Thu 26 Nov 2026; members are not synced; an admin must reconnect "
        "(operator: {q}licensebot teamleader connect --team T0001{q})"
    )
    cli, answer, home = page_texts(db, REVOKED + timedelta(days=1))
    assert banner.format(q="") in cli
    assert banner.format(q="`") in answer and banner.format(q="`") in home
    assert "last sync" not in answer + home


def test_an_account_without_teamleader_shows_no_sync_line(db: Database) -> None:
    add_account(db, TEAM)
    add_members(db, TEAM, 2)
    page = usecases.license_page(db, team=TEAM, now=NOW)
    assert page.teamleader is None
    assert all("Teamleader" not in text for text in page_texts(db, NOW))


def test_the_revocation_date_is_the_accounts_local_date(db: Database, fake: FakeTeamleader) -> None:
    add_account(db, TEAM, timezone="Pacific/Auckland")  # UTC+13 in November
    add_members(db, TEAM, 1)
    connect(db, fake, "code-1", NOW)
    revoke(fake)
    late = datetime(2026, 11, 26, 20, tzinfo=UTC)  # already Fri 27 Nov in Auckland
    jobs.run_due_syncs(db, late, fake.client())
    assert "revoked on Fri 27 Nov 2026" in render_page(usecases.license_page(db, team=TEAM, now=late))
