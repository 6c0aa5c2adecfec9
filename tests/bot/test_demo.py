"""`licensebot demo`: the scripted scenario runs through the real app and store and prints what people see."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot import demo
from bot.cli import main
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
        "is already pending (request #1)",
        "Deactivated: Chloé Maes.",
        "Bram Janssens is an admin and was not deactivated",
        "2 users must still be deactivated by",
        "• Jonas Mertens, added Mon 25 Aug 2025",
    ):
        assert seen in flat, seen
    assert "<@" not in out and "&lt;" not in out  # rendered as people read it
    db = Database.connect(f"sqlite:///{path}", migrate=False)
    with db.transaction() as s:
        [request] = s.scalars(select(models.ReductionRequest)).all()
        assert (request.seats_removed, request.status) == (5, "pending")
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
    assert "11. Bram wants to cancel" in out
    assert "Cancel request #1 to remove 5 licenses" in out.split("11. Bram wants to cancel")[1]
