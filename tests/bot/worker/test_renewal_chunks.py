"""A renewal that deactivates many users: set-based chunks, each safe to stop after, finishing exactly once.

bot/worker/renewal.CHUNK is made tiny here so that a few dozen members need several chunks.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from bot import usecases
from bot.core import policy
from bot.core.consent import SlackIdentity
from bot.core.errors import NotFound
from bot.core.statuses import RequestStatus
from bot.testing.slack_standin import SlackStandIn
from bot.usecases import consent_answers
from bot.worker import renewal as renewal_module
from bot.worker.sender import Sender
from bot.worker.tick import tick_accounts
from store import models, queries
from store.db import Database
from tests.bot.worker.scenario import (
    ADMIN,
    NOTICES,
    RENEWAL,
    RENEWAL_OVER,
    TEAM,
    account_row,
    audit_actions,
    deliveries,
    grant_consent,
    member_states,
    run,
)
from tests.conftest import NOW
from tests.factories import add_account, add_members

ROOT = Path(__file__).resolve().parents[3]
MEMBERS = 40
ADMINS = (0, 30, 35)
"""User 30 and User 35 are among the newest: the rule passes over them unless they consented."""


def big_team(
    db: Database, *, keep: int, consented: tuple[str, ...] = ("U0035",), revoked: bool = False, team: str = TEAM
) -> str:
    """MEMBERS members (ADMINS admins, `consented` with written consent), 40 licenses, a request down to `keep`
    (`revoked`: the consents are revoked after the request)."""
    add_account(db, team, seats=MEMBERS, renews=RENEWAL)
    add_members(db, team, MEMBERS, admins=ADMINS)
    for user in consented:
        grant_consent(db, team, user)
    usecases.submit_reduction(db, team=team, actor=ADMIN, seats=MEMBERS - keep, now=NOW)
    if revoked:
        with db.transaction() as s:
            granted = s.execute(
                select(models.AdminConsent.id, models.Member.slack_user_id).join(
                    models.Member, models.Member.id == models.AdminConsent.member_id
                )
            ).all()
        for consent_id, admin in granted:
            who = SlackIdentity(user_id=str(admin), team_id=team)
            consent_answers.revoke(db, consent_id=consent_id, who=who, now=NOW)
    return team


def expected_choice(db: Database, team: str, keep: int) -> list[str]:
    """What the rule picks over the whole member list, in one go (newest first)."""
    with db.transaction() as s:
        account = queries.load_account(s, team)
        everyone = queries.policy_members(s, account.id, active_only=True)
    return [m.name for m in policy.automatic_deactivations(policy.Roster.of(everyone), keep).chosen]


def automatic(db: Database, team: str = TEAM) -> set[str]:
    return {name for name, (_, how) in member_states(db, team).items() if how == "automatic"}


def deactivation_audits(db: Database, team: str = TEAM) -> Counter[str]:
    return Counter(str(d["name"]) for a, d in audit_actions(db, team) if a == "member.deactivated")


@pytest.fixture
def chunk(monkeypatch: pytest.MonkeyPatch) -> int:
    size = 4
    monkeypatch.setattr(renewal_module, "CHUNK", {"sqlite": size, "postgresql": size})
    monkeypatch.setattr(renewal_module, "LAST", 2)
    return size


@pytest.mark.parametrize(
    ("keep", "consented", "revoked"),
    [(15, ("U0035",), False), (1, ("U0000", "U0030", "U0035"), False), (2, ("U0030", "U0035"), True)],
)
def test_chunks_choose_exactly_what_the_rule_chooses_in_one_go(
    db: Database,
    chunk: int,
    sender: Sender,
    standin: SlackStandIn,
    keep: int,
    consented: tuple[str, ...],
    revoked: bool,
) -> None:
    big_team(db, keep=keep, consented=consented, revoked=revoked)
    expected = expected_choice(db, TEAM, keep)
    assert len(expected) > 3 * chunk  # several chunks
    report = run(db, sender, RENEWAL_OVER)
    [outcome] = report.tick.accounts[0].renewals
    assert [m.name for m in outcome.deactivated] == expected  # the same users, newest first
    assert automatic(db) == set(expected)
    assert deactivation_audits(db) == Counter(expected)  # one entry each
    admins_left = [n for n, (status, _) in member_states(db, TEAM).items() if status == "active"]
    assert {"User 0", "User 30", "User 35"} & set(admins_left)  # one admin always remains
    if revoked:
        assert {"User 30", "User 35"} <= set(admins_left) and outcome.unresolved == 1  # 3 admins, 2 licenses
    row = account_row(db, TEAM)
    assert (row.licensed_seats, row.last_processed_renewal) == (keep, RENEWAL)
    [processed] = [d for a, d in audit_actions(db, TEAM) if a == "renewal.processed"]
    assert [len(processed["deactivated"]), processed["seats_before"]] == [len(expected), MEMBERS]
    admins = len({"User 0", "User 30", "User 35"} & set(admins_left))
    assert Counter(k for k, *_ in deliveries(db)) == Counter({"renewal:2027-01-01": 1 + admins})  # channel, admins
    assert f"{len(expected)} users deactivated" in str(standin.posts()[0].params["text"])


def test_the_request_is_applied_from_the_first_chunk_so_it_cannot_be_cancelled_halfway(
    db: Database, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    big_team(db, keep=15)

    def die(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("died before the renewal's own transaction")

    monkeypatch.setattr("bot.worker.tick.process_renewal", die)
    [failed] = tick_accounts(db, RENEWAL_OVER, notices=NOTICES).accounts
    assert failed.error is not None and "died before" in failed.error
    assert len(automatic(db)) == 24  # 6 chunks of 4; the last one left to the renewal's own transaction
    with db.transaction() as s:
        assert s.scalars(select(models.ReductionRequest.status)).one() == RequestStatus.APPLIED.value
    with pytest.raises(NotFound, match="no pending license reduction"):
        usecases.cancel_request(db, team=TEAM, actor=ADMIN, now=RENEWAL_OVER)


def _statements_of_tick(db: Database) -> int:
    count = 0

    def counter(*_args: Any) -> None:
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        report = tick_accounts(db, RENEWAL_OVER, notices=NOTICES)
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    assert not report.failures
    return count


def _renewal_statements(db: Database, monkeypatch: pytest.MonkeyPatch, team: str, per_chunk: int, last: int) -> int:
    """Statements of the tick that processes `team`'s renewal deactivating 4 x `per_chunk` users."""
    monkeypatch.setattr(renewal_module, "CHUNK", {"sqlite": per_chunk, "postgresql": per_chunk})
    monkeypatch.setattr(renewal_module, "LAST", last)
    add_account(db, team, seats=4 * per_chunk + 2, renews=RENEWAL)
    add_members(db, team, 4 * per_chunk + 2)
    usecases.submit_reduction(db, team=team, actor=ADMIN, seats=4 * per_chunk, now=NOW)
    statements = _statements_of_tick(db)
    assert len(automatic(db, team)) == 4 * per_chunk
    return statements


def test_statements_grow_with_the_chunks_not_with_the_members(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """20 and 80 users deactivated in 4 chunks each need the same statements; so do both in one transaction."""
    small = _renewal_statements(db, monkeypatch, "T0001", 5, last=1)
    large = _renewal_statements(db, monkeypatch, "T0002", 20, last=1)
    small_one_go = _renewal_statements(db, monkeypatch, "T0003", 5, last=1000)
    large_one_go = _renewal_statements(db, monkeypatch, "T0004", 20, last=1000)
    assert small == large and small_one_go == large_one_go
    assert small - small_one_go <= 4 * 12  # a few statements per chunk


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    from bot.worker import renewal
    from bot.worker.tick import tick_accounts
    from store.db import Database
    from tests.bot.worker.scenario import NOTICES, RENEWAL_OVER

    renewal.CHUNK = {"sqlite": 4, "postgresql": 4}
    renewal.LAST = 2
    chunks = []
    real = renewal.deactivate_automatically

    def counting(*args, **kwargs):
        chunks.append(real(*args, **kwargs))
        return chunks[-1]

    renewal.deactivate_automatically = counting

    @event.listens_for(Session, "after_commit")
    def kill(session):
        if len(chunks) == int(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)  # the process dies right after the chunk's commit

    tick_accounts(Database.connect(sys.argv[1], migrate=False), RENEWAL_OVER, notices=NOTICES)
    """
)


def test_a_worker_killed_between_chunks_is_finished_by_the_next_tick_exactly_once(
    db: Database, db_url: str, chunk: int, sender: Sender, standin: SlackStandIn
) -> None:
    big_team(db, keep=15)
    expected = expected_choice(db, TEAM, 15)
    done = subprocess.run(
        [sys.executable, "-c", KILLER, db_url, "2"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == -9, done.stderr  # SIGKILL
    # Two whole chunks are stored, nothing else: no renewal processed, nothing announced.
    assert len(automatic(db)) == 2 * chunk and automatic(db) == set(expected[: 2 * chunk])
    assert deactivation_audits(db) == Counter(expected[: 2 * chunk])
    assert account_row(db, TEAM).last_processed_renewal is None and deliveries(db) == []

    report = run(db, sender, RENEWAL_OVER)  # the next pass
    [outcome] = report.tick.accounts[0].renewals
    assert [m.name for m in outcome.deactivated] == expected  # the killed run's chunks are in the summary
    assert automatic(db) == set(expected) and deactivation_audits(db) == Counter(expected)
    run(db, sender, RENEWAL_OVER)  # and again: nothing more
    actions = Counter(a for a, _ in audit_actions(db, TEAM))
    assert actions["renewal.processed"] == 1 and actions["member.deactivated"] == len(expected)
    assert sorted(k for k, *_ in deliveries(db)) == ["renewal:2027-01-01"] * 3  # User 35 (consented) went
    assert len(standin.posts()) == 3  # each announcement once
    row = account_row(db, TEAM)
    assert (row.licensed_seats, row.last_processed_renewal) == (15, RENEWAL)
    texts = {json.dumps(c.params["blocks"]) for c in standin.posts()}
    assert len(texts) == 1 and f"{len(expected)} users" in next(iter(texts))
