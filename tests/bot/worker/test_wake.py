"""Use cases outside bot/usecases/ that change what is due wake the account with an instant (never NULL),
so the worker's indexed `next_tick_at <= now` finds it at its next pass."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import responses

from bot.teamleader import oauth
from bot.teamleader.sync import sync_account
from bot.usecases import consent_answers
from bot.worker.sender import Sender
from store.db import Database
from tests.bot.teamleader.fake import FakeTeamleader, tl_user
from tests.bot.worker.scenario import D7, D14, TEAM, account_row, run
from tests.conftest import NOW
from tests.consent_factories import granted, who
from tests.factories import add_account, add_members


@pytest.fixture
def fake() -> Iterator[FakeTeamleader]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeTeamleader(rsps)


def test_granting_and_revoking_a_consent_wake_the_account(db: Database, team: str, sender: Sender) -> None:
    run(db, sender, D14)
    assert account_row(db, TEAM).next_tick_at == D7
    later = D14 + timedelta(hours=1)
    given = granted(db, 0, 1, now=later)  # User 1 may now be deactivated automatically: the reminder changes
    assert account_row(db, TEAM).next_tick_at == later
    run(db, sender, later)
    assert account_row(db, TEAM).next_tick_at == D7
    consent_answers.revoke(db, consent_id=given.id, who=who(1), now=later + timedelta(hours=1))
    assert account_row(db, TEAM).next_tick_at == later + timedelta(hours=1)
    assert [a.team for a in run(db, sender, later + timedelta(hours=1)).tick.accounts] == [TEAM]


def test_a_teamleader_sync_that_changes_members_wakes_the_account(db: Database, fake: FakeTeamleader) -> None:
    add_account(db, TEAM)
    add_members(db, TEAM, 3)
    oauth.connect_with_code(db, team=TEAM, code="good-code-1", client=fake.client(), now=NOW)
    fake.users = [tl_user(0), tl_user(1), tl_user(2)]
    run(db, None, NOW)
    waiting = account_row(db, TEAM).next_tick_at
    assert waiting is not None and waiting > NOW + timedelta(hours=3)
    at = NOW + timedelta(hours=1)
    sync_account(db, team=TEAM, client=fake.client(), now=at)  # links the CSV members by email: a change
    assert account_row(db, TEAM).next_tick_at == at
    run(db, None, at)
    assert account_row(db, TEAM).next_tick_at == waiting
    sync_account(db, team=TEAM, client=fake.client(), now=at + timedelta(hours=1))  # nothing changed
    assert account_row(db, TEAM).next_tick_at == waiting
    fake.users.append(tl_user(3))
    sync_account(db, team=TEAM, client=fake.client(), now=at + timedelta(hours=2))
    assert account_row(db, TEAM).next_tick_at == at + timedelta(hours=2)
