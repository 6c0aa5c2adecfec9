"""What the worker calls: due syncs per interval, the sync before a renewal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from bot.core.errors import UserError
from bot.teamleader import jobs, oauth
from bot.teamleader.client import TeamleaderError
from bot.teamleader.status import set_sync_interval
from store import models
from store.db import Database
from tests.bot.teamleader.fake import FakeTeamleader, error, tl_user
from tests.bot.teamleader.test_sync import audit, connection, members
from tests.conftest import NOW
from tests.factories import add_account

OUTCOMES = ("ok", "failed", "reconnect_needed")


def test_accounts_are_due_per_their_interval(db: Database, fake: FakeTeamleader, connected: str) -> None:
    assert jobs.sync_due(db, NOW) == ["T0001"]  # just connected: due at once
    fake.users = [tl_user(0), tl_user(1), tl_user(2)]
    outcomes = jobs.run_due_syncs(db, NOW, fake.client())
    assert [(o.team, o.error) for o in outcomes] == [("T0001", None)]
    assert audit(db)[-1][0] == "teamleader.synced"
    with db.transaction() as s:
        assert s.scalars(select(models.AuditEntry.actor)).all()[-1] == "worker"
    assert jobs.sync_due(db, NOW + timedelta(minutes=59)) == []
    assert jobs.sync_due(db, NOW + timedelta(minutes=60)) == ["T0001"]
    set_sync_interval(db, team="T0001", minutes=15, now=NOW)
    assert jobs.sync_due(db, NOW + timedelta(minutes=15)) == ["T0001"]
    assert jobs.sync_due(db, NOW + timedelta(minutes=14)) == []


def test_the_interval_is_bounded(db: Database, connected: str) -> None:
    with pytest.raises(UserError, match="5 to 10080 minutes"):
        set_sync_interval(db, team="T0001", minutes=1, now=NOW)


def test_a_failed_sync_is_retried_sooner_than_the_interval(db: Database, fake: FakeTeamleader, connected: str) -> None:
    set_sync_interval(db, team="T0001", minutes=240, now=NOW)
    fake.users_override.append(lambda _n: error(503, "Maintenance"))
    [outcome] = jobs.run_due_syncs(db, NOW + timedelta(hours=4), fake.client())
    assert outcome.error is not None and "503" in outcome.error and not outcome.reconnect_needed
    assert connection(db).next_sync_at == NOW + timedelta(hours=4, minutes=15)


def test_one_failing_account_does_not_stop_the_others(db: Database, fake: FakeTeamleader, connected: str) -> None:
    add_account(db, "T0002")
    fake.codes.add("good-code-2")
    oauth.connect_with_code(db, team="T0002", code="good-code-2", client=fake.client(), now=NOW)
    fake.users = [tl_user(0), tl_user(1), tl_user(2)]
    fake.valid_access.discard(fake.issued[0][0])  # T0001's access token is refused ...
    fake.valid_refresh.discard(fake.issued[0][1])  # ... and so is its refresh token: revoked
    counted = {o: REGISTRY.get_sample_value("licensebot_teamleader_syncs_total", {"outcome": o}) or 0 for o in OUTCOMES}
    outcomes = jobs.run_due_syncs(db, NOW, fake.client())
    assert [(o.team, o.reconnect_needed, o.report is not None) for o in outcomes] == [
        ("T0001", True, False),
        ("T0002", False, True),
    ]
    after = {o: REGISTRY.get_sample_value("licensebot_teamleader_syncs_total", {"outcome": o}) or 0 for o in OUTCOMES}
    assert {o: after[o] - counted[o] for o in OUTCOMES} == {"ok": 1, "failed": 0, "reconnect_needed": 1}  # /metrics
    assert jobs.sync_due(db, NOW + timedelta(days=1)) == ["T0002"]  # a revoked account is not retried


def test_without_settings_nothing_is_synced(db: Database, connected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TEAMLEADER_CLIENT_ID", "TEAMLEADER_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert jobs.run_due_syncs(db, NOW) == []


def test_before_renewal_syncs_first(db: Database, fake: FakeTeamleader, connected: str) -> None:
    fake.users = [tl_user(0), tl_user(1)]
    jobs.before_renewal(db, "T0001", NOW, client=fake.client())
    assert [m[4] for m in members(db)] == ["active", "active", "deactivated"]


def test_before_renewal_of_an_unconnected_account_does_nothing(db: Database, fake: FakeTeamleader) -> None:
    add_account(db, "T0002")
    jobs.before_renewal(db, "T0002", NOW, client=fake.client())
    assert len(fake.rsps.calls) == 0


def test_before_renewal_goes_ahead_on_recent_data_when_teamleader_fails(
    db: Database, fake: FakeTeamleader, connected: str
) -> None:
    fake.users = [tl_user(0), tl_user(1), tl_user(2)]
    jobs.before_renewal(db, "T0001", NOW, client=fake.client())
    fake.users_override.append(lambda _n: error(503, "Maintenance"))
    jobs.before_renewal(db, "T0001", NOW + jobs.FRESH_FOR, client=fake.client())  # recent enough: no error
    with pytest.raises(TeamleaderError, match=r"the renewal of T0001 waits for a Teamleader sync: .*503"):
        jobs.before_renewal(db, "T0001", NOW + jobs.FRESH_FOR + timedelta(minutes=1), client=fake.client())


def test_before_renewal_goes_ahead_when_a_reconnect_is_needed(
    db: Database, fake: FakeTeamleader, connected: str
) -> None:
    fake.valid_access.clear()
    fake.valid_refresh.clear()
    jobs.before_renewal(db, "T0001", NOW, client=fake.client())  # revoked now: goes ahead
    calls = len(fake.rsps.calls)
    jobs.before_renewal(db, "T0001", NOW, client=fake.client())  # and later without calling Teamleader
    assert len(fake.rsps.calls) == calls
