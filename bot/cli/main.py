"""The `licensebot` command line: the operators' contract. Bad input: one line on stderr, exit 2."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot import usecases
from bot.cli import audit, consents, lines, logs, secrets, serve, teamleader, worker
from bot.cli.args import Parser, instant, iso_date, now_of, open_db, whole
from bot.cli.output import printable_output
from bot.cli.text import render_outbox, render_page
from bot.cli.wiring import slack_directory, slack_notices
from bot.core.audit import OPERATOR
from bot.core.errors import Unavailable, UserError
from bot.core.members_csv import parse_members_csv
from bot.core.policy import PolicyError
from bot.i18n import LANGUAGES
from bot.usecases import linking, workspaces
from bot.usecases.admin_links import link_admins
from bot.usecases.lines import set_package
from bot.worker.outbox import outbox_status
from store.db import Database, StoreError, database_url, upgrade

PROG = "licensebot"
Handler = Callable[[argparse.Namespace], int]


# --- commands -----------------------------------------------------------------------------------


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    db = Database.connect(args.database or database_url(), migrate=False)
    upgrade(db.engine)
    print("database is at the latest schema")
    return 0


def _changes(args: argparse.Namespace) -> usecases.AccountChanges:
    return usecases.AccountChanges(
        name=args.name,
        plan=args.plan,
        seats=args.seats,
        renews=args.renews,
        timezone=args.timezone,
        admin_channel=args.admin_channel,
        price_per_seat=args.price_per_seat,
        currency=args.currency,
        escalate=None if getattr(args, "escalate", None) is None else args.escalate == "on",
        language=getattr(args, "language", None),
    )


def cmd_account_add(args: argparse.Namespace) -> int:
    db = open_db(args)
    account_id = usecases.add_account(db, team=args.team, changes=_changes(args), now=now_of(args))
    if args.team:
        print(f"account {args.team} added")
        return 0
    print(f"account {account_id} added (not linked to a Slack workspace yet)")
    _print_link_code(linking.issue_link_code(db, account_id=account_id, now=now_of(args)))
    return 0


def _print_link_code(code: linking.LinkCode) -> None:
    print(f"link code: {code.code} (single use, valid until {code.expires_at:%Y-%m-%d %H:%M} UTC)")
    print(
        f"Give it to an admin of the customer's Slack workspace: once licensebot is installed there, they type "
        f"`/licenses link {code.code}` (or paste it on licensebot's Home tab) to link it to {code.account_name}."
    )


def cmd_account_link_code(args: argparse.Namespace) -> int:
    _print_link_code(linking.issue_link_code(open_db(args), account_id=args.account, now=now_of(args)))
    return 0


def cmd_account_set(args: argparse.Namespace) -> int:
    word = slack_notices().request_changed
    db = open_db(args)
    if args.package is not None:
        tier = set_package(db, team=args.team, name=args.package, now=now_of(args))
        print(f"account {args.team}: package={tier.name} (price_per_seat={tier.price_per_seat})")
    diff = usecases.update_account(db, team=args.team, changes=_changes(args), now=now_of(args), word=word)
    pending = diff.pop("pending_request", None)
    if args.package is not None and not diff:
        return 0
    print(f"account {args.team}: " + (", ".join(f"{k}={v}" for k, v in diff.items()) if diff else "nothing changed"))
    if pending:
        print(f"account {args.team}: {pending}; the admins are told in Slack")
    return 0


def cmd_users_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from None
    db = open_db(args)
    page = usecases.license_page(db, team=args.team, now=now_of(args))
    rows = parse_members_csv(content, page.terms.timezone, now=now_of(args))
    result = usecases.import_members(db, team=args.team, rows=rows, now=now_of(args))
    print(f"{path.name}: {result.summary}")
    return 0


def cmd_users_reactivate(args: argparse.Namespace) -> int:
    done = usecases.reactivate_member(open_db(args), team=args.team, actor=OPERATOR, email=args.email, now=now_of(args))
    print(f"{args.team}: {done.summary}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    db = open_db(args)
    directory = slack_directory()  # with SLACK_BOT_TOKEN: admins without a Slack id are looked up by email first
    if directory is not None:
        link_admins(db, team=args.team, lookup=directory.user_id_for_email, now=now_of(args))
    print(render_page(usecases.license_page(db, team=args.team, now=now_of(args))))
    slack = workspaces.slack_state(db, team=args.team)
    if slack.uninstalled_at is not None:
        print(
            f"Slack: not installed (uninstalled or its tokens revoked at {slack.uninstalled_at:%Y-%m-%d %H:%M} UTC); "
            f"{slack.waiting} message(s) wait in the outbox and are sent after a re-install; the license data is kept"
        )
    outbox = render_outbox(outbox_status(db, team=args.team))
    if outbox:
        print(outbox)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.cli.demo import run_demo  # the demo's stand-ins load only when it runs

    return run_demo(args)


# --- the parser ---------------------------------------------------------------------------------


def _account_options(p: argparse.ArgumentParser, *, required: bool, team_required: bool = True) -> None:
    p.add_argument(
        "--team",
        required=team_required,
        help="Slack team (workspace) id, e.g. T0123ABCD"
        + ("" if team_required else "; without it the account gets a link code to link it from Slack"),
    )
    p.add_argument("--name", required=required, help="account name")
    p.add_argument("--plan", required=required, choices=["quarterly", "annual"], help="billing plan")
    p.add_argument("--seats", required=required, type=whole, help="licensed seats (user licenses)")
    p.add_argument(
        "--renews",
        required=required,
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="the next renewal date; later renewals follow from it (the anchor)",
    )
    p.add_argument("--timezone", help="IANA timezone of the account (default UTC), e.g. Europe/Brussels")
    p.add_argument("--admin-channel", metavar="C…", help="Slack channel id where admins get posts")
    p.add_argument("--price-per-seat", metavar="AMOUNT", help="price of one license per month, e.g. 12.50")
    p.add_argument("--currency", help="currency of the price (default EUR)")
    p.add_argument(
        "--language",
        choices=list(LANGUAGES),
        help="the account's language (default en): admin-channel posts, and people who chose none and whose "
        "Slack language licensebot does not speak",
    )
    p.add_argument(
        "--escalate",
        choices=["on", "off"],
        help="whether the reminder 3 days before the renewal escalates when users must still be deactivated and "
        "no admin acted since the 7-day reminder (default on)",
    )
    p.add_argument("--now", type=instant, help="pretend it is this instant (ISO-8601)")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog=PROG, description="licensebot: remove user licenses before renewal, from Slack.")
    parser.add_argument(
        "--database", metavar="URL", help="database URL (default: $DATABASE_URL or sqlite:///licensebot.db)"
    )
    parser.add_argument("--debug", action="store_true", help="log debug detail and show tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", metavar="ACTION")
    db.required = True
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)

    account = sub.add_parser("account", help="add or change an account").add_subparsers(
        dest="account_command", metavar="ACTION"
    )
    account.required = True
    add = account.add_parser(
        "add",
        help="add an account (linked to the Slack workspace --team, or given a one-time link code without it)",
    )
    _account_options(add, required=True, team_required=False)
    add.set_defaults(func=cmd_account_add)
    link = account.add_parser(
        "link-code",
        help="print a new one-time link code for an account not linked to Slack yet (the old ones stop working)",
    )
    link.add_argument("--account", required=True, type=whole, metavar="ID", help="the account id `account add` printed")
    link.set_defaults(func=cmd_account_link_code)
    change = account.add_parser("set", help="change an account's settings")
    _account_options(change, required=False)
    change.add_argument(
        "--package", metavar="NAME", help="the account's package from the catalog (`licensebot package list`)"
    )
    change.set_defaults(func=cmd_account_set)

    users = sub.add_parser("users", help="the account's users").add_subparsers(dest="users_command", metavar="ACTION")
    users.required = True
    imp = users.add_parser(
        "import",
        help="add or update users from a CSV file (email,name,slack_user_id,admin,added_on[,addons])",
        description="Upsert users by email. A bad row is reported with its line number and nothing is written. "
        "The optional addons column names the add-on lines a user holds (separated by ';'); with it, each "
        "row's add-ons become exactly those; without it, add-on assignments stay as they are.",
    )
    imp.add_argument("--team", required=True)
    imp.add_argument("--now", type=instant, help="pretend it is this instant (ISO-8601)")
    imp.add_argument("file", metavar="FILE.csv")
    imp.set_defaults(func=cmd_users_import)
    react = users.add_parser(
        "reactivate",
        help="reactivate a user deactivated by hand (needs a free license)",
        description="Reactivate a user deactivated by hand or automatically. It takes a free license: refused "
        "when every license is in use. Users deactivated by the Teamleader sync are reactivated in Teamleader.",
    )
    react.add_argument("--team", required=True)
    react.add_argument("--email", required=True, help="the user's email, as in the member list")
    react.add_argument("--now", type=instant, help=argparse.SUPPRESS)
    react.set_defaults(func=cmd_users_reactivate)

    status = sub.add_parser("status", help="print the license page of an account")
    status.add_argument("--team", required=True)
    status.add_argument("--now", type=instant, help="pretend it is this instant (ISO-8601)")
    status.set_defaults(func=cmd_status)

    demo = sub.add_parser("demo", help="run a scripted scenario on a fresh SQLite database and print it")
    demo.add_argument(
        "--keep",
        metavar="FILE",
        default="licensebot-demo.db",
        help="the demo database file (recreated each run; default licensebot-demo.db)",
    )
    demo.add_argument(
        "--lang",
        choices=list(LANGUAGES),
        default="en",
        help="the language of the account the story runs in: what people read in Slack (default en)",
    )
    demo.set_defaults(func=cmd_demo)

    for feature in (serve, worker, consents, audit, teamleader, secrets, lines):
        feature.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    with printable_output():  # nothing printed can drive the operator's terminal (bot/cli/output.py)
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = args.debug or os.environ.get("LICENSEBOT_DEBUG") == "1"
    func: Handler = args.func
    try:
        logs.configure(debug=debug, default_level="WARNING" if args.command == "demo" else "INFO")
        return func(args)
    except (UserError, PolicyError) as exc:
        message = exc.message if isinstance(exc, UserError) else str(exc)
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2
    except Unavailable as exc:
        print(f"{PROG}: error: cannot use the database: {exc}", file=sys.stderr)
        return 1
    except StoreError as exc:
        if debug:
            raise
        print(f"{PROG}: error: database error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if debug:
            raise
        print(
            f"{PROG}: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
