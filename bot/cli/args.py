"""Argument helpers every `licensebot` sub-command shares: one-line errors, dates, instants, the database."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import NoReturn

import pendulum

from bot.core.errors import UserError
from store.db import Database, database_url


class Parser(argparse.ArgumentParser):
    """argparse that reports bad input as one line (no usage dump) and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def instant(text: str) -> datetime:
    try:
        parsed = pendulum.parse(text, tz="UTC")
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO-8601 instant") from None
    if not isinstance(parsed, datetime):
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO-8601 instant")
    return parsed


def whole(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    return value


def now_of(args: argparse.Namespace) -> datetime:
    given: datetime | None = getattr(args, "now", None)
    return given if given is not None else pendulum.now("UTC")


def open_db(args: argparse.Namespace) -> Database:
    """The database of `--database` (or DATABASE_URL), upgraded to the latest schema unless the command was
    given `--no-migrate`: then it must already be at the latest schema (else one line, exit 1)."""
    no_migrate = bool(getattr(args, "no_migrate", False))
    return Database.connect(args.database or database_url(), migrate=not no_migrate, check=no_migrate)


def add_no_migrate(parser: argparse.ArgumentParser) -> None:
    """`--no-migrate`, for deployments that run `licensebot db upgrade` as a release step."""
    parser.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not upgrade the database schema at start; refuse to start unless it is at the latest "
        "(run `licensebot db upgrade` as a release step)",
    )


def write_atomically(path: Path, text: str) -> None:
    """Write the whole file or nothing (a temporary file next to it, then renamed)."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise UserError(f"cannot write {path}: the folder {directory} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UserError(f"cannot write {path}: {exc.strerror}") from None


def add_export_options(parser: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    """--team, --format and --output of an `… export` command."""
    parser.add_argument("--team", required=True, help="Slack team (workspace) id, e.g. T0123ABCD")
    parser.add_argument("--format", choices=formats, default="csv", help="csv (default) or json")
    parser.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")


def write_export(args: argparse.Namespace, text: str, count: int, noun: tuple[str, str]) -> int:
    """An export to standard output, or to --output as a whole file (atomically) with one line saying so;
    `noun`: (singular, plural) of what was exported."""
    if args.output in (None, "-"):
        sys.stdout.write(text)
        return 0
    path = Path(args.output)
    write_atomically(path, text)
    print(
        f"{count} {noun[0] if count == 1 else noun[1]} of {args.team} written to {path} ({args.format})",
        file=sys.stderr,
    )
    return 0
