"""Use cases over a real database: transactions, audit, authorization."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot import usecases
from bot.core.audit import OPERATOR, Actor
from bot.core.errors import Conflict, Invalid, NotAllowed, NotFound, TargetMoved, UserError
from bot.core.policy import Violation
from bot.usecases import AccountChanges
from store import models
from store.db import Database
from tests.conftest import NOW
from tests.factories import add_account, add_members

ADMIN = Actor.slack("U0000")
USER = Actor.slack("U0003")


def _audit(db: Database) -> list[tuple[str, str]]:
    with db.transaction() as s:
        return [(e.actor, e.action) for e in s.scalars(select(models.AuditEntry).order_by(models.AuditEntry.id))]


def _requests(db: Database) -> list[tuple[int, str, date]]:
    with db.transaction() as s:
        rows = s.scalars(select(models.ReductionRequest).order_by(models.ReductionRequest.id))
        return [(r.seats_removed, r.status, r.renewal_date) for r in rows]


def test_submit_applies_to_the_next_renewal_before_the_deadline(db: Database) -> None:
    add_account(db, seats=10, renews=date(2027, 1, 1))
    add_members(db, "T0001", 8)
    done = usecases.submit_reduction(db, team="T0001", actor=ADMIN, seats="3", now=NOW)
    assert done.target.renewal == date(2027, 1, 1)
    assert done.new_seat_count == 7
    assert [m.name for m in done.deactivation.chosen] == ["User 7"]
    assert done.saving is not None and str(done.saving) == "270.00"  # 3 x 30 x 3 months
    assert _requests(db) == [(3, "pending", date(2027, 1, 1))]
    assert _audit(db)[-1] == ("U0000", "request.submitted")


def test_submit_after_the_deadline_moves_to_the_following_renewal(db: Database) -> None:
    add_account(db, renews=date(2026, 12, 10))  # deadline 2026-11-25, one day before NOW
    add_members(db, "T0001", 3)
    done = usecases.submit_reduction(db, team="T0001", actor=ADMIN, seats=1, now=NOW)
    assert done.target.missed == date(2026, 12, 10)
    assert done.target.renewal == date(2027, 3, 10)


def test_a_form_shown_for_a_renewal_whose_deadline_passed_stores_nothing(db: Database) -> None:
    add_account(db, renews=date(2026, 12, 10))  # deadline 2026-11-25, one day before NOW
    add_members(db, "T0001", 3)
    with pytest.raises(TargetMoved) as moved:
        usecases.submit_reduction(db, team="T0001", actor=ADMIN, seats=1, now=NOW, renewal=date(2026, 12, 10))
    assert (moved.value.shown, moved.value.renewal) == (date(2026, 12, 10), date(2027, 3, 10))
    assert _requests(db) == []
    done = usecases.submit_reduction(db, team="T0001", actor=ADMIN, seats=1, now=NOW, renewal=date(2027, 3, 10))
    assert _requests(db) == [(1, "pending", date(2027, 3, 10))] and done.target.renewal == date(2027, 3, 10)


def test_non_admin_is_refused_and_told_who_the_admins_are(db: Database) -> None:
    add_account(db)
    add_members(db, "T0001", 5, admins=(0, 1))
    with pytest.raises(NotAllowed, match="User 0, User 1"):
        usecases.submit_reduction(db, team="T0001", actor=USER, seats=1, now=NOW)
    with pytest.raises(NotAllowed):
        usecases.cancel_request(db, team="T0001", actor=Actor.slack("UNKNOWN"), now=NOW)
    assert _requests(db) == []


def test_unknown_workspace_says_how_an_operator_links_it(db: Database) -> None:
    with pytest.raises(NotFound, match="licensebot account add --team T9999"):
        usecases.license_page(db, team="T9999", now=NOW)


@pytest.mark.parametrize(
    ("seats", "code"),
    [
        ("0", Violation.TOO_FEW),
        ("abc", Violation.NOT_A_NUMBER),
        ("10", Violation.NONE_LEFT),
        ("9", Violation.ADMINS_WITHOUT_CONSENT),
    ],
)
def test_invalid_requests_store_nothing(db: Database, seats: str, code: Violation) -> None:
    add_account(db, seats=10)
    add_members(db, "T0001", 4, admins=(0, 1))
    with pytest.raises(Invalid) as err:
        usecases.submit_reduction(db, team="T0001", actor=ADMIN, seats=seats, now=NOW)
    assert [p.code for p in err.value.problems] == [code]
    assert _requests(db) == []


def test_a_second_request_is_refused_and_names_the_first(db: Database) -> None:
    add_account(db)
    add_members(db, "T0001", 3)
    usecases.submit_reduction(db, team="T0001", actor=ADMIN, seats=2, now=NOW)
    with pytest.raises(
        Conflict, match=r"remove 2 licenses at the renewal of 2027-01-01 is already pending \(request #1\)"
    ):
        usecases.submit_reduction(db, team="T0001", actor=ADMIN, seats=1, now=NOW)
    assert len(_requests(db)) == 1


def test_concurrent_submissions_store_one_request(db: Database) -> None:
    add_account(db)
    add_members(db, "T0001", 3)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def submit() -> None:
        barrier.wait()
        try:
            usecases.submit_reduction(db, team="T0001", actor=ADMIN, seats=2, now=NOW)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 3 + ["ok"]
    assert len(_requests(db)) == 1


def test_cancel_keeps_the_request_in_history(db: Database) -> None:
    add_account(db)
    add_members(db, "T0001", 3)
    usecases.submit_reduction(db, team="T0001", actor=ADMIN, seats=2, now=NOW)
    cancelled = usecases.cancel_request(db, team="T0001", actor=ADMIN, now=NOW + timedelta(hours=1))
    assert cancelled.seats_removed == 2
    assert _requests(db) == [(2, "cancelled", date(2027, 1, 1))]
    with pytest.raises(NotFound, match="no pending license reduction"):
        usecases.cancel_request(db, team="T0001", actor=ADMIN, now=NOW)
    # A new request can follow the cancelled one for the same renewal.
    usecases.submit_reduction(db, team="T0001", actor=ADMIN, seats=1, now=NOW)
    assert [r[1] for r in _requests(db)] == ["cancelled", "pending"]


def _member_ids(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        return {m.name: m.id for m in s.scalars(select(models.Member))}


def test_deactivate_users_by_hand_does_not_change_the_seat_count(db: Database) -> None:
    add_account(db, seats=10)
    add_members(db, "T0001", 4, admins=(0, 1))
    ids = _member_ids(db)
    result = usecases.deactivate_members(
        db, team="T0001", actor=ADMIN, member_ids=[ids["User 2"], ids["User 1"], ids["User 3"]], now=NOW
    )
    assert result.deactivated == ("User 2", "User 3")
    assert result.needs_consent == ("User 1",)
    assert result.needs_consent_ids == (ids["User 1"],)
    page = usecases.license_page(db, team="T0001", now=NOW)
    assert page.terms.licensed_seats == 10
    assert page.active == 2
    again = usecases.deactivate_members(db, team="T0001", actor=ADMIN, member_ids=[ids["User 2"]], now=NOW)
    assert again.already == ("User 2",) and again.deactivated == ()
    with db.transaction() as s:
        user2 = s.get(models.Member, ids["User 2"])
        assert user2 is not None and user2.deactivated_how == "manual" and user2.deactivated_at == NOW


def test_a_consented_admin_can_be_deactivated_but_never_the_last_admin(db: Database) -> None:
    add_account(db)
    add_members(db, "T0001", 3, admins=(0, 1))
    ids = _member_ids(db)
    with db.transaction() as s:
        for name in ("User 0", "User 1"):
            s.add(
                models.AdminConsent(
                    account_id=1,
                    member_id=ids[name],
                    requested_by="U0000",
                    requested_at=NOW,
                    effective_on=date(2027, 1, 1),
                    status="granted",
                    granted_at=NOW,
                    statement=f"I, {name}, consent ...",
                    signature=name,
                    signed_by_user_id=f"U000{name[-1]}",
                    signed_by_team_id="T0001",
                )
            )
    result = usecases.deactivate_members(
        db, team="T0001", actor=OPERATOR, member_ids=[ids["User 0"], ids["User 1"]], now=NOW
    )
    assert result.deactivated == ("User 0",)
    assert result.last_admin == ("User 1",)


def test_deactivating_members_of_another_account_is_refused(db: Database) -> None:
    add_account(db, "T0001")
    add_account(db, "T0002")
    add_members(db, "T0001", 2)
    usecases.import_members(db, team="T0002", rows=[], now=NOW)
    ids = _member_ids(db)
    with pytest.raises(NotFound):
        usecases.deactivate_members(db, team="T0002", actor=OPERATOR, member_ids=[ids["User 1"]], now=NOW)


def test_account_add_validates_and_refuses_duplicates(db: Database) -> None:
    add_account(db)
    with pytest.raises(Conflict, match="exists already"):
        add_account(db)
    bad = [
        (AccountChanges(name="X", plan="monthly", seats=3, renews=date(2027, 1, 1)), "unknown plan"),
        (AccountChanges(name="X", plan="annual", seats=0, renews=date(2027, 1, 1)), "--seats"),
        (AccountChanges(name="X", plan="annual", seats=3, renews=date(2027, 1, 1), timezone="Mars/Base"), "timezone"),
        (AccountChanges(name="X", plan="annual", seats=3, renews=date(2027, 1, 1), price_per_seat="cheap"), "price"),
        (AccountChanges(name="X", plan="annual", seats=3, renews=date(2027, 1, 1), currency="EURO"), "currency"),
        (
            AccountChanges(name="X", plan="annual", seats=3, renews=date(2027, 1, 1), admin_channel="#general"),
            "channel",
        ),
        (AccountChanges(plan="annual", seats=3, renews=date(2027, 1, 1)), "--name is required"),
    ]
    for changes, message in bad:
        with pytest.raises(ValueError if message in ("unknown plan", "timezone") else UserError, match=message):
            usecases.add_account(db, team="T0002", changes=changes, now=NOW)
    with db.transaction() as s:
        assert s.scalar(select(models.Account).where(models.Account.slack_team_id == "T0002")) is None


def test_account_set_changes_only_what_is_given_and_audits_it(db: Database) -> None:
    add_account(db, seats=10)
    diff = usecases.update_account(db, team="T0001", changes=AccountChanges(seats=12, timezone="Asia/Tokyo"), now=NOW)
    assert diff == {"licensed_seats": "12", "timezone": "Asia/Tokyo"}
    assert usecases.update_account(db, team="T0001", changes=AccountChanges(seats=12), now=NOW) == {}
    page = usecases.license_page(db, team="T0001", now=NOW)
    assert (page.terms.licensed_seats, page.terms.timezone, page.terms.plan.value) == (12, "Asia/Tokyo", "quarterly")
    assert [a for _, a in _audit(db)] == ["account.added", "account.changed"]


def test_only_the_operator_manages_accounts(db: Database) -> None:
    with pytest.raises(NotAllowed):
        usecases.add_account(
            db,
            team="T0001",
            actor=ADMIN,
            now=NOW,
            changes=AccountChanges(name="X", plan="annual", seats=3, renews=date(2027, 1, 1)),
        )


def test_reimport_is_an_upsert_by_email(db: Database) -> None:
    add_account(db)
    add_members(db, "T0001", 3)
    add_members(db, "T0001", 4)  # same three plus one
    with db.transaction() as s:
        emails = sorted(m.email for m in s.scalars(select(models.Member)))
    assert emails == [f"user{i}@example.com" for i in range(4)]


def test_history_is_newest_first(db: Database) -> None:
    add_account(db)
    add_members(db, "T0001", 3)
    usecases.submit_reduction(db, team="T0001", actor=ADMIN, seats=1, now=NOW + timedelta(minutes=1))
    usecases.cancel_request(db, team="T0001", actor=ADMIN, now=NOW + timedelta(minutes=2))
    assert [e.action for e in usecases.history(db, team="T0001")] == [
        "request.cancelled",
        "request.submitted",
        "members.imported",
        "account.added",
    ]


def test_license_page_shows_who_would_be_deactivated(db: Database) -> None:
    add_account(db, seats=5, renews=date(2027, 1, 1))
    add_members(db, "T0001", 5)
    usecases.submit_reduction(db, team="T0001", actor=ADMIN, seats=2, now=NOW)
    page = usecases.license_page(db, team="T0001", now=datetime.fromisoformat("2026-12-20T12:00:00+00:00"))
    assert page.new_seat_count == 3
    assert page.deactivation is not None
    assert [m.name for m in page.deactivation.chosen] == ["User 4", "User 3"]
    assert page.days_to_deadline == -3


def test_a_moved_schedule_moves_the_addon_requests_and_the_switch(db: Database) -> None:
    """Issue 19: the add-on lines' requests and the package switch follow the renewal like the package's."""
    from datetime import date

    from bot.core.audit import Actor
    from bot.usecases import switch
    from store.models_lines import PackageChange
    from tests.conftest import NOW
    from tests.line_factories import package_team

    line = package_team(db, "T0001")
    admin = Actor.slack("U0000")
    usecases.submit_reduction(db, team="T0001", actor=admin, seats=1, now=NOW, line=line)
    switch.request_switch(db, team="T0001", actor=admin, to="Go", now=NOW)
    diff = usecases.update_account(db, team="T0001", changes=usecases.AccountChanges(renews=date(2027, 2, 1)), now=NOW)
    assert "moves to the renewal of 2027-02-01" in diff["pending_lines"]
    with db.transaction() as s:
        from sqlalchemy import select

        from store import models

        assert s.scalars(select(models.ReductionRequest)).one().renewal_date == date(2027, 2, 1)
        assert s.scalars(select(PackageChange)).one().renewal_date == date(2027, 2, 1)
