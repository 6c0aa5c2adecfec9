"""`licensebot package ...` (the operator's catalog of packages) and `licensebot lines ...` (an account's
license lines: the package's user licenses and the add-on lines)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.args import instant, now_of, open_db, whole
from bot.core.wording import line_label, money, plural
from bot.usecases import lines


def cmd_package_add(args: argparse.Namespace) -> int:
    features = [f for chunk in args.feature or [] for f in chunk.split(";")]
    tier, new = lines.save_tier(
        open_db(args), name=args.name, rank=args.rank, price=args.price, features=features, now=now_of(args)
    )
    print(
        f"package {tier.name} {'added' if new else 'changed'}: rank {tier.rank}, {money(tier.price_per_seat, None)} "
        f"per user license per month, {plural(len(tier.features), 'feature')}"
    )
    return 0


def cmd_package_list(args: argparse.Namespace) -> int:
    tiers = lines.list_tiers(open_db(args))
    if not tiers:
        print("the catalog is empty: add packages with `licensebot package add --name NAME --rank N --price AMOUNT`")
        return 0
    for t in tiers:
        print(
            f"{t.rank:>3}  {t.name}  {money(t.price_per_seat, None)}/license/month  " + ("; ".join(t.features) or "-")
        )
    return 0


def cmd_lines_add(args: argparse.Namespace) -> int:
    line = lines.add_line(
        open_db(args), team=args.team, name=args.name, seats=args.seats, price=args.price_per_seat, now=now_of(args)
    )
    print(f"{args.team}: line {line.key} added: {line.name}, {plural(line.licensed, 'license')}")
    return 0


def cmd_lines_set(args: argparse.Namespace) -> int:
    if args.name is None and args.seats is None and args.price_per_seat is None:
        print(f"{args.team}: nothing to change (give --name, --seats or --price-per-seat)")
        return 0
    line = lines.set_line(
        open_db(args),
        team=args.team,
        line=args.line,
        name=args.name,
        seats=args.seats,
        price=args.price_per_seat,
        now=now_of(args),
    )
    print(f"{args.team}: line {line.key} is now {line.name}, {plural(line.licensed, 'license')}")
    return 0


def cmd_lines_list(args: argparse.Namespace) -> int:
    terms, listing = lines.list_lines(open_db(args), team=args.team)
    print(f"{terms.name} ({terms.team_id}): {plural(len(listing), 'license line')}")
    for item in listing:
        ln = item.line
        price = f", {money(ln.price_per_seat, terms.currency)}/license/month" if ln.price_per_seat is not None else ""
        pending = f", pending: remove {item.pending_removal}" if item.pending_removal else ""
        print(
            f"  {ln.key:<8} {line_label(ln)}: {ln.licensed} licensed, {item.assigned} assigned, "
            f"{max(0, ln.licensed - item.assigned)} unused{price}{pending}"
        )
    return 0


def add_commands(sub: Any) -> None:
    package = sub.add_parser(
        "package", help="the catalog of packages (tiers) admins can switch between"
    ).add_subparsers(dest="package_command", metavar="ACTION")
    package.required = True
    add = package.add_parser(
        "add",
        help="add a package to the catalog, or change the one with that name",
        description="A higher rank is a bigger package: admins may switch to a package of a lower rank.",
    )
    add.add_argument("--name", required=True, help="e.g. Grow")
    add.add_argument("--rank", required=True, type=whole, help="its size among the packages (higher is bigger)")
    add.add_argument("--price", required=True, metavar="AMOUNT", help="per user license per month, e.g. 45.00")
    add.add_argument(
        "--feature",
        action="append",
        metavar="TEXT",
        help="a feature of the package (repeat it, or separate them with ';'); a switch shows those it loses",
    )
    add.add_argument("--now", type=instant, help=argparse.SUPPRESS)
    add.set_defaults(func=cmd_package_add)
    package.add_parser("list", help="print the catalog, biggest first").set_defaults(func=cmd_package_list)

    ls = sub.add_parser("lines", help="an account's license lines (package and add-ons)").add_subparsers(
        dest="lines_command", metavar="ACTION"
    )
    ls.required = True
    la = ls.add_parser("add", help='add an add-on line, e.g. "Lead capture Booster · Beyond users"')
    la.add_argument("--team", required=True)
    la.add_argument("--name", required=True, help="the line as the vendor's license page names it")
    la.add_argument("--seats", required=True, type=whole, help="its licensed count")
    la.add_argument("--price-per-seat", metavar="AMOUNT", help="price of one of its licenses per month")
    la.add_argument("--now", type=instant, help=argparse.SUPPRESS)
    la.set_defaults(func=cmd_lines_add)
    lset = ls.add_parser("set", help="change an add-on line (a pending request keeps the count it goes to)")
    lset.add_argument("--team", required=True)
    lset.add_argument("--line", required=True, type=whole, metavar="ID", help="the line's id (`lines list`)")
    lset.add_argument("--name")
    lset.add_argument("--seats", type=whole)
    lset.add_argument("--price-per-seat", metavar="AMOUNT")
    lset.add_argument("--now", type=instant, help=argparse.SUPPRESS)
    lset.set_defaults(func=cmd_lines_set)
    ll = ls.add_parser("list", help="every line: licensed, assigned, unused, pending")
    ll.add_argument("--team", required=True)
    ll.set_defaults(func=cmd_lines_list)
