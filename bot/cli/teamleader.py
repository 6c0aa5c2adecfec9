"""`licensebot teamleader …`: connect an account, sync it, show and tune the link."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.args import now_of, open_db, whole
from bot.teamleader import oauth, status
from bot.teamleader.client import client_from_env
from bot.teamleader.sync import sync_account


def cmd_connect(args: argparse.Namespace) -> int:
    db = open_db(args)
    if args.code:
        client = client_from_env(need_redirect=True)
        oauth.connect_with_code(db, team=args.team, code=args.code, client=client, now=now_of(args))
        print(f"{args.team}: connected to Teamleader; run `licensebot teamleader sync --team {args.team}` to sync now")
        return 0
    client = client_from_env(need_redirect=True)
    url = oauth.start_connect(db, team=args.team, client=client, now=now_of(args))
    minutes = int(oauth.STATE_TTL.total_seconds() // 60)
    print(f"Open this link as a Teamleader Focus admin of {args.team} within {minutes} minutes:")
    print(url)
    print(
        "Teamleader then redirects to the licensebot server, which completes the connection. Without a "
        f"running server, copy the `code` from the redirect address: licensebot teamleader connect --team {args.team} "
        "--code CODE"
    )
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    client = client_from_env()
    report = sync_account(open_db(args), team=args.team, client=client, now=now_of(args), dry_run=args.dry_run)
    print(report.summary())
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    print(f"{args.team}: {status.describe(status.connection_status(open_db(args), args.team))}")
    return 0


def cmd_interval(args: argparse.Namespace) -> int:
    status.set_sync_interval(open_db(args), team=args.team, minutes=args.minutes, now=now_of(args))
    print(f"{args.team}: Teamleader sync every {args.minutes} minutes")
    return 0


def add_commands(sub: Any) -> None:
    tl = sub.add_parser(
        "teamleader",
        help="directory sync from Teamleader Focus",
        description="Keep the members in step with the users of a Teamleader Focus account (docs/teamleader.md).",
    ).add_subparsers(dest="teamleader_command", metavar="ACTION")
    tl.required = True

    connect = tl.add_parser("connect", help="print the link that connects an account to Teamleader")
    connect.add_argument("--team", required=True, help="Slack team (workspace) id, e.g. T0123ABCD")
    connect.add_argument("--code", help="exchange an authorization code copied from the redirect address")
    connect.set_defaults(func=cmd_connect)

    sync = tl.add_parser("sync", help="sync the members with Teamleader now and print the counts")
    sync.add_argument("--team", required=True)
    sync.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    sync.set_defaults(func=cmd_sync)

    show = tl.add_parser("status", help="show the Teamleader link of an account (never its tokens)")
    show.add_argument("--team", required=True)
    show.set_defaults(func=cmd_status)

    every = tl.add_parser("interval", help="how often the worker syncs this account (default 60 minutes)")
    every.add_argument("--team", required=True)
    every.add_argument("minutes", type=whole, metavar="MINUTES")
    every.set_defaults(func=cmd_interval)
