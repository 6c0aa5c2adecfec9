"""`licensebot demo`: the scripted scenario runs through the real app and store and prints what people see."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import demo, demo_cast
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
        "Bram Janssens clicks [Cancel request]",
        "Request #1 to remove 5 licenses at the renewal of",
        "@Bram Janssens cancelled request #1",
        "Request #2 is saved: remove 4 licenses",
        "Deactivated: Chloé Maes. Deactivating users does not lower the number of licenses",
        "Deactivated automatically (1 user, they lost access): • Jonas Mertens",
        "Licenses: 8 licensed · 8 active",
    ):
        assert seen in flat, seen
    assert "<@" not in out and "&lt;" not in out  # rendered as people read it
    first, lines_part = out.split("━━ 12. Part 2.")
    # Each part is readable in one go (the issues ask for about 250 lines).
    assert len(first.splitlines()) <= 255 and len(lines_part.splitlines()) <= 255
    # Part 2: an add-on reduction (which line first), a package switch, both applied by the next renewal.
    lines_flat = " ".join(lines_part.replace("│", " ").replace("›", " ").split())
    for seen in (
        "Which licenses do you want to remove?",
        "Lead capture Booster · Beyond users: you have 4 licenses, 4 assigned.",
        "Request #3 is saved: remove 2 licenses of Lead capture Booster · Beyond users",
        "they lose the add-on (not their account), the most recently assigned first: • Inès Dubois • Hasan Yilmaz",
        "• Go: loses Lead capture; saves €240.00 per quarterly period",
        "Switch #1 is saved: from Grow to Go",
        "Lead capture Booster · Beyond users: 4 → 2 licenses (request #3)",
        "They lost this add-on (not their account): Inès Dubois, Hasan Yilmaz.",
        "Package: Grow → Go (switch #1). No longer included: Lead capture.",
    ):
        assert seen in lines_flat, seen

    # A week before: the channel and Ann at 09:00 Brussels, Bram at 09:00 New York (15:00 Brussels).
    week = out.split("each at 09:00 their time")[1].split("Ann snoozes")[0]
    brussels, new_york = week.split("15:00 (Europe/Brussels): the worker runs its pass")
    assert "2 users to deactivate by" in brussels and brussels.count("Post in #license-admins:") == 1
    assert "DM from licensebot to Ann Peeters: the same message, with [Deactivate users]  [Remind me later" in brussels
    assert "DM from licensebot to Bram" not in brussels
    assert "DM from licensebot to Bram Janssens:" in new_york and "Ann" not in new_york
    # Ann snoozes for 3 days: the reminder comes back to her only.
    snooze = out.split("Ann snoozes her reminder")[1].split("the reminder escalates")[0]
    assert "Snoozed: I remind you again on" in snooze and "⏰ You asked to be reminded again today." in snooze
    assert snooze.count("DM from licensebot to") == 1 and "Post in" not in snooze
    # Three days before, nobody acted: the escalation names who goes and mentions the admins.
    escalation = out.split("the reminder escalates")[1].split("deactivates Chloé by hand")[0]
    assert "Escalation: 2 users to deactivate by" in escalation
    assert "Admins: @Ann Peeters @Bram Janssens" in escalation and "🚨 Nobody has acted" in escalation
    assert "• Jonas Mertens" in escalation and "• Inès Dubois" in escalation
    # The renewal processed the day after: the summary, then the Home tab with the new count and next renewal.
    renewal = out.split("the worker processes it")[1]
    assert "12 -> 8 licenses" in renewal and "Renewal of" in renewal
    page = renewal.split("After the renewal Ann opens the app's Home tab")[1]
    assert "Pending request: none" in page and "Next renewal:" in page

    db = Database.connect(f"sqlite:///{path}", migrate=False)
    with db.transaction() as s:
        cancelled, request, addon = s.scalars(
            select(models.ReductionRequest).order_by(models.ReductionRequest.id)
        ).all()
        assert (cancelled.seats_removed, cancelled.status, cancelled.cancelled_by) == (5, "cancelled", "U0DEMO002")
        assert (request.seats_removed, request.status, request.line_id) == (4, "applied", None)
        assert (addon.seats_removed, addon.status, addon.line_id is not None) == (2, "applied", True)
        account = s.scalars(select(models.Account)).one()
        assert account.licensed_seats == 8 and account.last_processed_renewal == addon.renewal_date
        reminders = s.scalars(select(models.Delivery).where(models.Delivery.kind == "reminder")).all()
        assert sorted((d.key.split(":", 2)[2], d.target, d.status, d.attempts) for d in reminders) == [
            ("d3", "C0LICADMIN", "sent", 1),
            ("d3", "U0DEMO001", "sent", 1),
            ("d7", "C0LICADMIN", "sent", 1),
            ("d7", "U0DEMO001", "sent", 1),
            ("d7", "U0DEMO002", "sent", 1),
            ("d7:later", "U0DEMO001", "sent", 1),
        ]  # delivered once each; Bram's d3 would go at 09:00 New York
        snoozed = s.scalars(select(models.ReminderSnooze)).one()
        assert snoozed.days_before == 7
        members = s.scalars(select(models.Member).order_by(models.Member.added_at, models.Member.id)).all()
        auto = [m.name for m in members if m.deactivated_how == "automatic"]
        assert auto == ["Jonas Mertens"]
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
        scene.command(demo_cast.BRAM, "cancel")

    monkeypatch.setattr(demo, "STEPS", [*demo.STEPS, ("Bram wants to cancel", bram_cancels)])
    assert main(["demo", "--keep", str(tmp_path / "d.db")]) == 0
    out = capsys.readouterr().out
    title = f"{len(demo.STEPS)}. Bram wants to cancel"
    assert title in out
    # The renewal has been processed: the request can no longer be cancelled.
    assert "There is no pending request to cancel." in out.split(title)[1]


def test_the_demo_in_dutch_tells_the_story_in_dutch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`licensebot demo --lang nl`: the account speaks Dutch (Slack has no Dutch: the account's language), so
    every answer, modal, DM, post and App Home reads Dutch, and so does the demo's own narration."""
    assert main(["demo", "--keep", str(tmp_path / "demo.db"), "--lang", "nl"]) == 0
    out = capsys.readouterr().out
    flat = " ".join(out.replace("│", " ").replace("›", " ").split())
    for seen in (
        "--language nl",
        "Volgende hernieuwing:",
        "Aanvraag #1 is opgeslagen: 5 licenties schrappen bij de hernieuwing van",
        "Voor de rest van de lopende periode komt er geen creditnota.",
        "Gedeactiveerd: Chloé Maes.",
        "Besparing:",
        "€ per kwartaalperiode",
    ):
        assert seen in flat, seen
    boxes = "\n".join(line for line in out.splitlines() if line.lstrip().startswith("│"))
    for english in ("Request #", "Next renewal", "licenses at the renewal", "Deactivated", "credit note"):
        assert english not in boxes, english
    # The narration too: step titles, who types and sees what, the first and last lines.
    for dutch in (
        "━━ 1. Een operator koppelt de Slack-workspace aan het account",
        "Jonas Mertens typt in #general:",
        "Ann Peeters ziet (alleen zichtbaar voor jou):",
        "Bericht in #license-admins:",
        "er opent meteen een venster",
        "━━ 12. Deel 2.",
        "licensebot demo: de echte app en opslag",
        "De demodatabank blijft bewaard in",
    ):
        assert dutch in out, dutch
    for english in (
        " types in ",
        "sees (only visible to you)",
        "Post in #",
        "a modal opens at once",
        "the worker runs",
    ):
        assert english not in out, english
    assert "licensebot account add --team" in out  # operator commands stay commands
