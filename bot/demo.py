"""`licensebot demo`: a scripted scenario on a fresh SQLite database, printed as the admins see it."""

from __future__ import annotations

import argparse
from datetime import timedelta
from importlib import resources
from pathlib import Path

import pendulum

from bot import usecases
from bot.csvimport import parse_members_csv
from bot.text import render_page
from bot.usecases import AccountChanges, Actor
from store.db import Database

TEAM = "T0DEMO"


def run_demo(args: argparse.Namespace) -> int:
    path = Path(args.keep)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = Database.connect(f"sqlite:///{path}")
    now = pendulum.now("Europe/Brussels")
    renews = (now + timedelta(days=30)).date()
    usecases.add_account(
        db,
        team=TEAM,
        now=now,
        changes=AccountChanges(
            name="Acme Demo BV",
            plan="quarterly",
            seats=12,
            renews=renews,
            timezone="Europe/Brussels",
            price_per_seat="39.00",
            currency="EUR",
        ),
    )
    csv_text = resources.files("bot.sample").joinpath("members.csv").read_text(encoding="utf-8")
    usecases.import_members(db, team=TEAM, rows=parse_members_csv(csv_text, "Europe/Brussels"), now=now)
    print(f"== Database: {path} (SQLite)\n")
    print("== The license page after importing 10 users for 12 licenses\n")
    print(render_page(usecases.license_page(db, team=TEAM, now=now)), "\n")
    ann = Actor.slack("U0DEMO001")
    done = usecases.submit_reduction(db, team=TEAM, actor=ann, seats=4, now=now)
    print(f"== Ann asks to remove 4 licenses: request #{done.request.id} for the renewal of {done.target.renewal}\n")
    print(render_page(usecases.license_page(db, team=TEAM, now=now)))
    db.dispose()
    return 0
