"""`licensebot audit export`: the whole audit log of an account as CSV or JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.cli.args import instant, now_of, open_db, write_atomically
from bot.usecases.audit_export import export_audit
from bot.usecases.export_formats import FORMATS


def cmd_export(args: argparse.Namespace) -> int:
    text, count = export_audit(open_db(args), team=args.team, fmt=args.format, now=now_of(args))
    if args.output in (None, "-"):
        sys.stdout.write(text)
        return 0
    path = Path(args.output)
    write_atomically(path, text)
    noun = "audit entry" if count == 1 else "audit entries"
    print(f"{count} {noun} of {args.team} written to {path} ({args.format})", file=sys.stderr)
    return 0


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
    export.add_argument("--team", required=True, help="Slack team (workspace) id, e.g. T0123ABCD")
    export.add_argument("--format", choices=FORMATS, default="csv", help="csv (default) or json")
    export.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    export.add_argument("--now", type=instant, help=argparse.SUPPRESS)
    export.set_defaults(func=cmd_export)
