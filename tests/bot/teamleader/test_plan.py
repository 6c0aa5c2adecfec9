"""The pure sync plan: matching, renames, deactivations, reactivation, admins, clashes."""

from __future__ import annotations

from bot.teamleader.plan import Change, Known, User, plan_sync


def known(i: int, *, tl: bool = True, active: bool = True, admin: bool = False, how: str | None = None) -> Known:
    return Known(
        id=i,
        teamleader_id=f"tl-{i}" if tl else None,
        email=f"u{i}@x.test",
        name=f"U {i}",
        active=active,
        is_admin=admin,
        deactivated_how=None if active else (how or "manual"),
    )


def user(
    i: int, *, status: str = "active", email: str | None = None, first: str = "U", last: str | None = None
) -> User:
    return User(
        id=f"tl-{i}",
        first_name=first,
        last_name=str(i) if last is None else last,
        email=email or f"u{i}@x.test",
        status=status,
    )


def test_nothing_to_do_when_in_step() -> None:
    plan = plan_sync([known(1, admin=True), known(2)], [user(1), user(2)])
    assert plan.empty and plan.kept_admins == () and plan.clashes == ()


def test_a_renamed_user_is_updated() -> None:
    plan = plan_sync([known(1, admin=True)], [user(1, first="Ulla", last="Berg")])
    assert plan.change == (Change(member_id=1, name="Ulla Berg"),)
    assert plan.updated == 1 and plan.linked == 0


def test_a_changed_email_is_updated() -> None:
    plan = plan_sync([known(1, admin=True)], [user(1, email="new@x.test")])
    assert plan.change == (Change(member_id=1, email="new@x.test"),)


def test_a_member_without_id_is_linked_by_email_case_insensitively() -> None:
    member = Known(id=1, teamleader_id=None, email="Ann@X.test", name="Ann", active=True, is_admin=True)
    plan = plan_sync([member], [user(9, email="ann@x.test", first="Ann", last="")])
    # Linked; a difference in case only is not an email change.
    assert plan.change == (Change(member_id=1, teamleader_id="tl-9"),)
    assert plan.linked == 1 and plan.updated == 0 and plan.add == () and plan.deactivate == ()


def test_the_id_wins_over_the_email() -> None:
    # Member 1 keeps its Teamleader id although member 2 has the email that user tl-1 now shows.
    plan = plan_sync([known(1, admin=True), known(2)], [user(1, email="u2@x.test"), user(2)])
    assert plan.change == ()  # u2@x.test is held by member 2: not moved
    assert plan.clashes == ("tl-1",)


def test_a_new_active_user_is_added_a_new_deactivated_user_is_not() -> None:
    plan = plan_sync([known(1, admin=True)], [user(1), user(2), user(3, status="deactivated")])
    assert [u.id for u in plan.add] == ["tl-2"]


def test_deactivated_in_teamleader_or_gone_means_deactivated() -> None:
    members = [known(1, admin=True), known(2), known(3), known(4, tl=False)]
    plan = plan_sync(members, [user(1), user(2, status="deactivated")])
    assert plan.deactivate == (2, 3, 4)


def test_already_deactivated_members_are_left_alone() -> None:
    plan = plan_sync([known(1, admin=True), known(2, active=False)], [user(1), user(2, status="deactivated")])
    assert plan.empty


def test_only_members_deactivated_by_teamleader_come_back() -> None:
    members = [known(1, admin=True), known(2, active=False, how="teamleader"), known(3, active=False, how="manual")]
    members.append(known(4, active=False, how="automatic"))
    plan = plan_sync(members, [user(1), user(2), user(3), user(4)])
    assert plan.reactivate == (2,)
    assert plan.deactivate == ()


def test_the_last_active_admins_are_kept() -> None:
    plan = plan_sync([known(1, admin=True), known(2)], [user(1, status="deactivated")])
    assert plan.deactivate == (2,)
    assert plan.kept_admins == (1,)


def test_an_admin_is_deactivated_when_another_admin_remains() -> None:
    plan = plan_sync([known(1, admin=True), known(2, admin=True)], [user(2)])
    assert plan.deactivate == (1,)
    assert plan.kept_admins == ()


def test_an_admin_coming_back_counts_as_remaining() -> None:
    members = [known(1, admin=True), known(2, admin=True, active=False, how="teamleader")]
    plan = plan_sync(members, [user(1, status="deactivated"), user(2)])
    assert (plan.deactivate, plan.reactivate, plan.kept_admins) == ((1,), (2,), ())


def test_an_email_another_member_holds_is_not_taken_by_a_new_user() -> None:
    # tl-1 moved to a new address; a new Teamleader user has member 1's old address: added next time.
    plan = plan_sync([known(1, admin=True)], [user(1, email="moved@x.test"), user(7, email="u1@x.test")])
    assert plan.change == (Change(member_id=1, email="moved@x.test"),)
    assert plan.add == ()
    assert plan.clashes == ("tl-7",)


def test_a_user_without_email_is_not_added() -> None:
    nobody = User(id="tl-5", first_name="No", last_name="Mail", email=None, status="active")
    plan = plan_sync([known(1, admin=True)], [user(1), nobody])
    assert plan.add == () and plan.clashes == ("tl-5",)


def test_an_empty_name_keeps_the_stored_one() -> None:
    plan = plan_sync([known(1, admin=True)], [user(1, first="", last="")])
    assert plan.change == ()


def test_a_repeated_user_counts_once() -> None:
    plan = plan_sync([known(1, admin=True)], [user(1), user(2), user(2)])
    assert [u.id for u in plan.add] == ["tl-2"]
