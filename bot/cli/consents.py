"""`licensebot consents ...`: list and export the written consents of admins."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.args import add_export_options, now_of, open_db, write_export
from bot.usecases.consent_export import export_consents
from bot.usecases.consents import list_consents
from bot.usecases.export_formats import FORMATS


def cmd_export(args: argparse.Namespace) -> int:
    text, count = export_consents(open_db(args), team=args.team, fmt=args.format, now=now_of(args))
    return write_export(args, text, count, ("consent", "consents"))


def cmd_list(args: argparse.Namespace) -> int:
    consents = list_consents(open_db(args), team=args.team)
    if not consents:
        print(f"{args.team}: no admin has been asked for consent")
        return 0
    for c in consents:
        when = c.revoked_at or c.granted_at or c.declined_at or c.requested_at
        print(
            f"#{c.id}  {c.status.value:<9}  {c.member_name} <{c.member_email}>  "
            f"asked by {c.requester_name}, from {c.effective_on.isoformat()}, "
            f"last change {when.isoformat(timespec='seconds')}"
        )
    return 0


def add_commands(sub: Any) -> None:
    consents = sub.add_parser("consents", help="written consents of admins to lose admin rights").add_subparsers(
        dest="consents_command", metavar="ACTION"
    )
    consents.required = True
    export = consents.add_parser(
        "export",
        help="write every consent of an account (the evidence) as CSV or JSON",
        description="Every consent request of the account with its exact statement, signature, who signed "
        "and when it was granted, declined or revoked. Times are UTC.",
    )
    add_export_options(export, FORMATS)
    export.set_defaults(func=cmd_export)
    listing = consents.add_parser("list", help="one line per consent of an account")
    listing.add_argument("--team", required=True)
    listing.set_defaults(func=cmd_list)
