"""Fixtures for the Teamleader tests: a fake Teamleader on `responses`, a connected account."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from bot.teamleader import oauth
from store.db import Database
from tests.bot.teamleader.fake import FakeTeamleader
from tests.conftest import NOW
from tests.factories import add_account, add_members


@pytest.fixture
def fake() -> Iterator[FakeTeamleader]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeTeamleader(rsps)


@pytest.fixture
def connected(db: Database, fake: FakeTeamleader) -> str:
    """Account T0001 with 3 CSV members (User 0 admin) connected to the fake; returns the team."""
    team = add_account(db)
    add_members(db, team, 3)
    oauth.connect_with_code(db, team=team, code="good-code-1", client=fake.client(), now=NOW)
    return team
