"""What license lines cost a license page (issue 19): the status read and its Block Kit message of an account
with just its package's user licenses, against the same account with a package and 3 add-on lines (each with
a pending request and holders over its new count), at two sizes (the add-on lines held by half the members).
Per case, the median CPU time (time.process_time) over --repeat runs; in process, on SQLite (or `--postgres`).

    .venv/bin/python -m bench.lines_cost [--repeat 30] [--postgres] [--smoke]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime

from sqlalchemy import insert, select

from bench.common import ScratchDatabase, machine, say, table
from bench.page_cost import ADMIN, build, median_cpu
from bot import usecases
from bot.core.audit import Actor
from bot.usecases import lines, snapshot
from handlers.blocks.page import page_blocks, page_text
from store import models
from store.db import Database
from store.models_lines import LineAssignment

ADDONS = 3


def add_lines(db: Database, team: str, account_id: int, members: int, now: datetime) -> None:
    lines.save_tier(db, name=f"Grow {team}", rank=2 + len(team), price="45.00", features=["A", "B"], now=now)
    lines.set_package(db, team=team, name=f"Grow {team}", now=now)
    with db.transaction(read_only=True) as s:
        ids = list(s.scalars(select(models.Member.id).where(models.Member.account_id == account_id)))
    for k in range(ADDONS):
        line = lines.add_line(db, team=team, name=f"Add-on {k}", seats=members // 2, price="10.00", now=now)
        holders = [{"line_id": line.line_id, "member_id": i, "assigned_at": now} for i in ids[: members // 2]]
        with db.engine.begin() as conn:
            for j in range(0, len(holders), 10_000):
                table = LineAssignment.__table__  # multi-row INSERTs (RETURNING): bench/page_cost.py build
                conn.execute(insert(table).returning(table.c.id), holders[j : j + 10_000])
        usecases.submit_reduction(
            db, team=team, actor=Actor.slack(ADMIN), seats=str(members // 10), now=now, line=line.line_id
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=30, help="runs of each measure (median; default 30)")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL (a scratch database, dropped after)")
    parser.add_argument("--smoke", action="store_true", help="a tiny run (tests): 100 and 1,000 members")
    args = parser.parse_args(argv)
    sizes = [100, 1000] if args.smoke else [1000, 20_000]
    repeat = 3 if args.smoke else args.repeat
    now = datetime.now(UTC)
    results: dict[tuple[int, str], float] = {}
    with ScratchDatabase("postgresql" if args.postgres else "sqlite", "lines_cost") as scratch:
        db = Database.connect(scratch.url)
        for members in sizes:
            for case in ("package only", f"package + {ADDONS} add-ons"):
                team = f"T0L{members}{'A' if 'add-ons' in case else 'P'}"
                began = time.perf_counter()
                account_id = build(db, team, members, members // 10, now)
                if "add-ons" in case:
                    add_lines(db, team, account_id, members, now)
                say(f"{team}: {members} members, {case}, built in {time.perf_counter() - began:.1f} s")

                def status(team: str = team) -> None:
                    snap = snapshot.read(db, team=team, user_id=ADMIN, now=now, email_of=lambda _u: None)
                    page_text(snap.page), page_blocks(snap.page, snap.viewer, [])

                results[(members, case)] = median_cpu(status, repeat)
        db.dispose()
    print(
        f"License page (status) cost with license lines ({scratch.kind}, in process): median CPU ms of {repeat} runs."
    )
    print(machine() + "\n")
    rows = []
    for members in sizes:
        one, many = results[(members, "package only")], results[(members, f"package + {ADDONS} add-ons")]
        rows.append([f"{members:,}", f"{one:.2f}", f"{many:.2f}", f"{many / one:.2f}"])
    small, large = sizes
    rows.append(
        [
            f"ratio {large:,}/{small:,}",
            f"{results[(large, 'package only')] / results[(small, 'package only')]:.2f}",
            f"{results[(large, f'package + {ADDONS} add-ons')] / results[(small, f'package + {ADDONS} add-ons')]:.2f}",
            "",
        ]
    )
    print(table(["members", "package only ms", f"package + {ADDONS} add-ons ms", "add-ons / package only"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
