"""`licensebot audit export`: the whole audit log of an account as CSV or JSON."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.args import add_export_options, instant, now_of, open_db, write_export
from bot.usecases.audit_export import export_audit
from bot.usecases.export_formats import FORMATS


def cmd_export(args: argparse.Namespace) -> int:
    text, count = export_audit(open_db(args), team=args.team, fmt=args.format, now=now_of(args))
    return write_export(args, text, count, ("audit entry", "audit entries"))


def add_commands(sub: Any) -> None:
    audit = sub.add_parser("audit", help="the audit log of an account").add_subparsers(
        dest="audit_command", metavar="ACTION"
    )
    audit.required = True
    export = audit.add_parser(
        "export",
        help="write the whole audit log of an account as CSV or JSON",
        description="Every audit entry of the account, oldest first: when (UTC), who (a Slack user id, cli "
        "for an operator, worker for licensebot), what and its details.",
    )
    add_export_options(export, FORMATS)
    export.add_argument("--now", type=instant, help=argparse.SUPPRESS)
    export.set_defaults(func=cmd_export)
