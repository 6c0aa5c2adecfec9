"""Reminder fan-out over many workspaces (OAuth mode) against one token for all (single-workspace mode).

Every account is its own Slack workspace (accounts are keyed by team id). The same N accounts (an
admin channel and 3 admins each) get their first reminder (d7) delivered twice, each on a fresh
database:

- single: one bot token for every call (SLACK_BOT_TOKEN; 429s waited out inside the call);
- per workspace: each workspace's own token from the installation store (encrypted, looked up and
  cached per workspace, bot.slack_installs.BotTokens), 429s postponing only that workspace.

In both, --limited workspaces answer their first chat.postMessage with 429 Retry-After --retry-after
(matched on their admin channel). The per-workspace run then needs a second pass once the Retry-After
is over; the time to the first pass's end is what the other workspaces waited.

    .venv/bin/python -m bench.workspaces [--accounts 1000] [--limited 10] [--threads 32] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import func, select

from bench.common import ScratchDatabase, machine, say, table
from bench.fanout import D7, MIN_GAP, setup
from bench.standin import StandInProcess
from bot.cli.wiring import slack_notices, team_sender
from bot.slack_installs import Installations
from bot.worker.pacing import Pacer
from bot.worker.sender import Sender
from bot.worker.tick import tick_accounts
from handlers.blocks.rendered import render_notice
from handlers.webapi import SlackPoster, make_client
from store import models, secrets
from store.db import Database, make_engine


def install_all(db: Database, accounts: int, api_url: str) -> Installations:
    store = Installations("1111.2222", db.engine, client_secret="bench-secret", client=WebClient(base_url=api_url))
    for n in range(accounts):
        team = f"T{n:06d}"
        store.save(
            Installation(
                app_id="A0LICENSES",
                team_id=team,
                bot_token=f"xoxb-{team}-bench",
                bot_user_id="UBOT",
                bot_id=f"B{team}",
                user_id="U0",
            )
        )
    return store


def pending(db: Database) -> int:
    with db.transaction() as s:
        return int(
            s.scalar(select(func.count()).select_from(models.Delivery).where(models.Delivery.status != "sent")) or 0
        )


def run(kind: str, args: argparse.Namespace, per_workspace: bool) -> dict[str, object]:
    with ScratchDatabase(kind, "workspaces_oauth" if per_workspace else "workspaces_single") as scratch:
        db = Database.connect(scratch.url)
        if db.engine.dialect.name == "postgresql":
            db.dispose()
            db = Database(make_engine(scratch.url, pool_size=args.threads + 2, max_overflow=2))
        setup(db, args.accounts)
        with StandInProcess(delay=args.latency) as standin:
            for n in range(args.limited):
                standin.fail(
                    method="chat.postMessage", channel=f"C{n:06d}", status=429, retry_after=args.retry_after, times=1
                )
            sender: Sender
            if per_workspace:
                store = install_all(db, args.accounts, standin.api_url)
                sender = team_sender(store, standin.api_url, threads=args.threads, min_interval=MIN_GAP)
            else:
                sender = Sender(
                    SlackPoster(lambda: make_client("xoxb-bench", standin.api_url)),
                    threads=args.threads,
                    pacer=Pacer(MIN_GAP),
                    render=render_notice,
                )
            tick = tick_accounts(db, D7, notices=slack_notices(), threads=args.threads)
            queued = sum(sum(a.queued.values()) for a in tick.accounts)
            started = time.perf_counter()
            first = sender.deliver_due(db, D7)
            first_s = time.perf_counter() - started
            passes, total_s = 1, first_s
            while pending(db) and passes < 5:
                time.sleep(args.retry_after)
                passes += 1
                sender.deliver_due(db, D7 + timedelta(seconds=args.retry_after * passes + 1))
                total_s = time.perf_counter() - started
            calls = standin.calls()
        left = pending(db)
        db.dispose()
    posts = Counter((c["channel"], c["text"]) for c in calls if c["method"] == "chat.postMessage" and c["ok"])
    limited = {f"C{n:06d}" for n in range(args.limited)}
    return {
        "mode": "one token per workspace" if per_workspace else "one token for all",
        "queued": queued,
        "first pass s": f"{first_s:.2f}",
        "sent in first pass": len(first.sent),
        "postponed": len(first.retrying),
        "passes": passes,
        "all sent s": f"{total_s:.2f}",
        "429s": sum(1 for c in calls if c["method"] == "chat.postMessage" and not c["ok"]),
        "exactly once": "yes"
        if left == 0 and len(posts) == queued and all(n == 1 for n in posts.values())
        else f"NO ({left} left)",
        "limited channels": len(limited),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--limited", type=int, default=10, help="workspaces that answer 429 first")
    parser.add_argument("--retry-after", type=int, default=2)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault(secrets.ENV, secrets.new_key())
    kind = "postgresql" if args.postgres else "sqlite"
    results = []
    for per_workspace in (False, True):
        say(f"{'per workspace' if per_workspace else 'single token'}: {args.accounts} accounts")
        results.append(run(kind, args, per_workspace))
    print(
        f"Reminder fan-out, {args.accounts} accounts = workspaces (admin channel + 3 admins each), {kind}, "
        f"{args.threads} threads, {args.latency * 1000:.0f} ms per call, {args.limited} workspaces answer 429 "
        f"Retry-After {args.retry_after} s first.\n{machine()}\n"
    )
    headers = list(results[0])
    print(table(headers, [[str(r[h]) for h in headers] for r in results]))
    return 0 if all(r["exactly once"] == "yes" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
