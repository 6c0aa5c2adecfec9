"""A renewal applies the package switch and the reductions of every line in one transaction, once: the
package line deactivates users, the add-on line takes the add-on from its newest holders (not the account)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from bot import usecases
from bot.core.statuses import MemberStatus, RequestStatus
from bot.usecases import switch
from store import models, queries
from store.db import Database
from store.models_lines import LicenseLine as LineRow
from store.models_lines import LineAssignment, PackageChange
from tests.bot.worker.scenario import ADMIN, NOTICES, RENEWAL_OVER, TEAM, audit_actions, member_states, run
from tests.conftest import NOW
from tests.line_factories import ADDON, package_team


def holders(db: Database, line_id: int) -> list[str]:
    with db.transaction() as s:
        rows = s.execute(
            select(models.Member.name)
            .join(LineAssignment, LineAssignment.member_id == models.Member.id)
            .where(
                LineAssignment.line_id == line_id,
                LineAssignment.removed_at.is_(None),
                models.Member.status == MemberStatus.ACTIVE.value,  # a deactivated user holds no add-on
            )
            .order_by(models.Member.name)
        )
        return [r[0] for r in rows]


def test_one_renewal_applies_a_switch_and_two_line_reductions_once(db: Database) -> None:
    line = package_team(db, members=6, holders=(0, 2, 3, 4), addon_seats=4, seats=6)
    usecases.submit_reduction(db, team=TEAM, actor=ADMIN, seats=2, now=NOW)  # package line 6 -> 4
    usecases.submit_reduction(db, team=TEAM, actor=ADMIN, seats=2, now=NOW, line=line)  # add-on 4 -> 2
    switch.request_switch(db, team=TEAM, actor=ADMIN, to="Go", now=NOW)

    run(db, None, RENEWAL_OVER)

    states = member_states(db, TEAM)
    # Package line: the two newest users lose access (User 5, User 4); admins 0 and 1 are protected.
    assert [n for n, (st, _) in sorted(states.items()) if st != MemberStatus.ACTIVE.value] == ["User 4", "User 5"]
    # Add-on line: of the holders left active (0, 2, 3), the newest keep it down to 2; User 4 (deactivated)
    # no longer counts; User 3 is the newest active holder and loses the add-on, not the account.
    assert holders(db, line) == ["User 0", "User 2"]
    assert states["User 3"][0] == MemberStatus.ACTIVE.value
    with db.transaction() as s:
        account = queries.load_account(s, TEAM)
        addon = s.get(LineRow, line)
        assert addon is not None
        assert (account.licensed_seats, addon.licensed_seats) == (4, 2)
        assert account.price_per_seat == Decimal("30.00")  # the Go package's price from the renewal
        change = s.scalars(select(PackageChange)).one()
        assert change.status == RequestStatus.APPLIED.value
        statuses = sorted(r.status for r in s.scalars(select(models.ReductionRequest)))
        assert statuses == [RequestStatus.APPLIED.value] * 2
    page = usecases.license_page(db, team=TEAM, now=RENEWAL_OVER)
    assert page.package is not None and page.package.tier is not None and page.package.tier.name == "Go"

    # Once: a second pass (and a re-run of the same instant) changes nothing more.
    before = audit_actions(db, TEAM)
    run(db, None, RENEWAL_OVER)
    after = audit_actions(db, TEAM)
    assert [a for a, _ in after[len(before) :] if a in ("line.reduced", "package.switched", "renewal.processed")] == []
    assert [a for a, _ in after].count("line.reduced") == 1
    assert [a for a, _ in after].count("package.switched") == 1


def test_the_summary_tells_every_line_and_the_switch(db: Database) -> None:
    line = package_team(db)
    usecases.submit_reduction(db, team=TEAM, actor=ADMIN, seats=1, now=NOW, line=line)
    switch.request_switch(db, team=TEAM, actor=ADMIN, to="Go", now=NOW)
    run(db, None, RENEWAL_OVER)
    with db.transaction() as s:
        summary = s.scalars(select(models.Delivery).where(models.Delivery.key.like("renewal:%"))).first()
        assert summary is not None
        text = str(summary.payload)
    assert ADDON in text and "4 → 3" in text
    assert "Grow" in text and "Go" in text and "Lead capture" in text  # the features the account lost
    assert NOTICES is not None


def test_an_account_without_lines_renews_as_before(db: Database) -> None:
    from tests.bot.worker.scenario import standard_team

    standard_team(db)
    run(db, None, RENEWAL_OVER)
    with db.transaction() as s:
        assert queries.load_account(s, TEAM).licensed_seats == 7
        assert s.scalars(select(PackageChange)).first() is None


def test_reminders_per_line_exactly_once(db: Database) -> None:
    from tests.bot.worker.scenario import D3, D7, deliveries

    line = package_team(db, holders=(0, 2, 3, 4), addon_seats=4)
    usecases.submit_reduction(db, team=TEAM, actor=ADMIN, seats=2, now=NOW, line=line)
    run(db, None, D7)
    run(db, None, D7)  # again: nothing new
    keys = [(k, t) for k, t, _, _ in deliveries(db) if k.startswith("reminder:")]
    assert sorted(keys) == sorted(
        (f"reminder:2027-01-01:d7:line{line}", target) for target in ("C0ADMINS", "U0000", "U0001")
    )  # the add-on line's reminder to the channel and each admin; no package reminder (nothing pending there)
    with db.transaction() as s:
        payload = str(
            s.scalars(select(models.Delivery).where(models.Delivery.key == f"reminder:2027-01-01:d7:line{line}"))
            .first()
            .payload  # type: ignore[union-attr]
        )
    assert "lose this add-on" in payload and "User 4" in payload and "User 3" in payload and ADDON in payload
    run(db, None, D3)
    assert [k for k, _, _, _ in deliveries(db)].count(f"reminder:2027-01-01:d3:line{line}") == 3


def test_no_line_reminder_when_the_holders_fit(db: Database) -> None:
    from tests.bot.worker.scenario import D7, deliveries

    line = package_team(db, holders=(0, 2), addon_seats=4)
    usecases.submit_reduction(db, team=TEAM, actor=ADMIN, seats=2, now=NOW, line=line)  # 2 holders fit 2
    run(db, None, D7)
    assert not [k for k, _, _, _ in deliveries(db) if k.startswith("reminder:")]


def test_a_chunked_renewal_applies_the_addon_line_and_the_switch_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The package line's deactivations run in chunks (issue 17); the add-on line and the switch go with the
    renewal's last transaction, once."""
    from bot.worker import renewal as renewal_module

    monkeypatch.setattr(renewal_module, "CHUNK", {"sqlite": 3, "postgresql": 3})
    monkeypatch.setattr(renewal_module, "LAST", 2)
    line = package_team(db, members=20, holders=(0, 2, 3, 4), addon_seats=4, seats=20)
    usecases.submit_reduction(db, team=TEAM, actor=ADMIN, seats=10, now=NOW)  # 20 -> 10: chunks of 3
    usecases.submit_reduction(db, team=TEAM, actor=ADMIN, seats=3, now=NOW, line=line)  # 4 -> 1
    switch.request_switch(db, team=TEAM, actor=ADMIN, to="Go", now=NOW)
    run(db, None, RENEWAL_OVER)
    run(db, None, RENEWAL_OVER)
    states = member_states(db, TEAM)
    assert sum(st == MemberStatus.ACTIVE.value for st, _ in states.values()) == 10
    assert holders(db, line) == ["User 0"]  # users 2, 3, 4 lost the add-on (none of them deactivated)
    actions = [a for a, _ in audit_actions(db, TEAM)]
    assert actions.count("line.reduced") == 1 and actions.count("package.switched") == 1
    assert actions.count("renewal.processed") == 1
