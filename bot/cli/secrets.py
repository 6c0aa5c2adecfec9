"""`licensebot secrets`: the key that encrypts tokens at rest (LICENSEBOT_SECRET_KEY, store/secrets.py)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.args import open_db
from store import rekey, secrets


def cmd_new_key(_args: argparse.Namespace) -> int:
    print(secrets.new_key())
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    changed = rekey.rotate(open_db(args))
    total = sum(changed.values())
    detail = ", ".join(f"{table} {n}" for table, n in changed.items() if n)
    print(f"re-encrypted {total} stored secret(s) under the first key" + (f" ({detail})" if detail else ""))
    print("every stored token now opens with the first key alone: the other keys may be removed")
    return 0


def add_commands(sub: Any) -> None:
    cmd = sub.add_parser("secrets", help="the key that encrypts Slack and Teamleader tokens at rest").add_subparsers(
        dest="secrets_command", metavar="ACTION"
    )
    cmd.required = True
    cmd.add_parser("new-key", help="print a new key for LICENSEBOT_SECRET_KEY").set_defaults(func=cmd_new_key)
    rotate = cmd.add_parser(
        "rotate",
        help="re-encrypt every stored token under the first key (put a new key first, keep the old ones after it)",
        description="LICENSEBOT_SECRET_KEY holds comma-separated keys: the first encrypts, all decrypt. To rotate, "
        "put a new key first, run this, then remove the old keys. Plain tokens from before encryption are "
        "encrypted too.",
    )
    rotate.set_defaults(func=cmd_rotate)
