"""`licensebot demo`: the scripted scenario runs through the real app and store and prints what people see."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import demo
from bot.cli.main import main
from store import models
from store.db import Database


def test_the_demo_shows_what_each_person_sees(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "demo.db"
    assert main(["demo", "--keep", str(path)]) == 0
    out = capsys.readouterr().out
    flat = " ".join(out.replace("│", " ").replace("›", " ").split())  # the demo wraps long lines
    for seen in (
        "App Home of Ann Peeters:",
        "licensebot asks Slack for Jonas Mertens's email (users.info)",
        "The admins of Acme Demo BV are: Ann Peeters, Bram Janssens.",
        "Post in #license-admins:",
        "a modal opens at once",
        "Slack shows under the field, in red:",
        "DM from licensebot to Ann Peeters:",
        "Request #1 is saved: remove 5 licenses",
        "Jonas Mertens · added Mon 25 Aug 2025 · ⚠️ would be deactivated",
        "Deactivated: Chloé Maes. Deactivating users does not lower the number of licenses",
        "Deactivated automatically (2 users, they lost access): • Jonas Mertens • Inès Dubois",
        "Licenses: 7 licensed · 7 active",
    ):
        assert seen in flat, seen
    assert "<@" not in out and "&lt;" not in out  # rendered as people read it
    assert len(out.splitlines()) < 220  # readable in one go

    # The week before the renewal: one reminder in the channel and one DM per admin, shown as people see them.
    reminder = out.split("reminds the admins")[1].split("deactivates Chloé by hand")[0]
    assert "3 users to deactivate by" in reminder
    assert reminder.count("Post in #license-admins:") == 1
    assert "DM from licensebot to Ann Peeters:" in reminder and "DM from licensebot to Bram Janssens:" in reminder
    # The renewal processed the day after: the summary, then the page with the new count and next renewal.
    renewal = out.split("the worker processes it")[1]
    assert "12 -> 7 licenses" in renewal and "Renewal of" in renewal
    page = renewal.split("license page after the renewal")[1]
    assert "Pending request: none" in page and "Next renewal:" in page

    db = Database.connect(f"sqlite:///{path}", migrate=False)
    with db.transaction() as s:
        [request] = s.scalars(select(models.ReductionRequest)).all()
        assert (request.seats_removed, request.status) == (5, "applied")
        account = s.scalars(select(models.Account)).one()
        assert account.licensed_seats == 7 and account.last_processed_renewal == request.renewal_date
        reminders = s.scalars(select(models.Delivery).where(models.Delivery.kind == "reminder")).all()
        assert sorted((d.target, d.status, d.attempts) for d in reminders) == [
            ("C0LICADMIN", "sent", 1),
            ("U0DEMO001", "sent", 1),
            ("U0DEMO002", "sent", 1),
        ]  # delivered once each
        members = s.scalars(select(models.Member).order_by(models.Member.added_at, models.Member.id)).all()
        auto = [m.name for m in members if m.deactivated_how == "automatic"]
        assert auto == ["Inès Dubois", "Jonas Mertens"]
        still = [m for m in members if m.status == "active" and not m.is_admin]
        assert max(m.added_at for m in still) < min(m.added_at for m in members if m.name in auto)  # the newest went
        assert sum(m.status == "active" for m in members) == account.licensed_seats
        jonas = s.scalar(select(models.Member).where(models.Member.email == "jonas.mertens@example.com"))
        assert jonas is not None and jonas.slack_user_id == "U0DEMO010"
    db.dispose()


def test_a_step_appended_to_the_scenario_runs_last(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def bram_cancels(scene: demo.Scene) -> None:
        scene.command(demo.BRAM, "cancel")

    monkeypatch.setattr(demo, "STEPS", [*demo.STEPS, ("Bram wants to cancel", bram_cancels)])
    assert main(["demo", "--keep", str(tmp_path / "d.db")]) == 0
    out = capsys.readouterr().out
    title = f"{len(demo.STEPS)}. Bram wants to cancel"
    assert title in out
    # The renewal has been processed: the request can no longer be cancelled.
    assert "There is no pending request to cancel." in out.split(title)[1]
