"""Parse the members CSV (`email,name,slack_user_id,admin,added_on`): pure, all-or-nothing."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pendulum

from bot.core.errors import UserError
from bot.core.ids import USER_ID
from bot.core.text import clean_name

COLUMNS = ("email", "name", "slack_user_id", "admin", "added_on")
ADDONS = "addons"
"""The optional column of add-on lines a user holds, by line name, separated by `;` (empty: none). Without the
column an import leaves add-on assignments as they are; with it, each row's add-ons become exactly those."""
REQUIRED = ("email", "name", "admin", "added_on")
TRUE = {"yes", "true", "1", "y"}
FALSE = {"no", "false", "0", "n"}
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


@dataclass(frozen=True)
class MemberRow:
    line: int
    email: str
    name: str
    slack_user_id: str | None
    admin: bool
    added_at: datetime
    addons: tuple[str, ...] | None = None
    """The add-on lines (by name) the user holds; None: the file has no `addons` column."""


def parse_added_on(text: str, timezone: str) -> datetime:
    """YYYY-MM-DD (midnight in the account's timezone) or an ISO-8601 timestamp (UTC if no offset)."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        d = pendulum.parse(text, exact=True)
        return pendulum.datetime(d.year, d.month, d.day, tz=timezone).in_timezone("UTC")  # type: ignore[union-attr]
    parsed = pendulum.parse(text, tz="UTC")
    if not isinstance(parsed, datetime):
        raise ValueError(text)
    return parsed.astimezone(UTC)


def parse_members_csv(content: str, timezone: str, *, now: datetime | None = None) -> list[MemberRow]:
    """Every row or an error naming the first bad line: nothing partial. With `now`, an `added_on` after it
    is an error (a future date would put the user first in line to be deactivated automatically)."""
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise UserError(f"line 1: the header lacks column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}")
    reader.fieldnames = header
    rows: list[MemberRow] = []
    seen: dict[str, int] = {}
    seen_slack: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if None in record:
            raise UserError(f"line {line}: more fields than the header has")
        values = {k: (v or "").strip() for k, v in record.items()}
        if not any(values.values()):
            continue
        email = values["email"].lower()
        if not EMAIL.match(email):
            raise UserError(f"line {line}: {values['email']!r} is not an email address")
        if email in seen:
            raise UserError(f"line {line}: {email} already appears on line {seen[email]}")
        name = clean_name(values["name"])
        if not name:
            raise UserError(f"line {line}: the name is empty")
        if len(name) > 200:
            raise UserError(f"line {line}: the name is longer than 200 characters")
        slack_id = values.get("slack_user_id") or None
        if slack_id is not None and not USER_ID.match(slack_id):
            raise UserError(f"line {line}: {slack_id!r} is not a Slack user id (like U012AB3CD)")
        if slack_id is not None and slack_id in seen_slack:
            raise UserError(f"line {line}: Slack user id {slack_id} already appears on line {seen_slack[slack_id]}")
        flag = values["admin"].lower()
        if flag not in TRUE | FALSE:
            raise UserError(f"line {line}: admin must be yes/no/true/false/1/0, not {values['admin']!r}")
        try:
            added = parse_added_on(values["added_on"], timezone)
        except (ValueError, TypeError, pendulum.parsing.exceptions.ParserError):
            raise UserError(
                f"line {line}: added_on {values['added_on']!r} is not a date (YYYY-MM-DD) or ISO timestamp"
            ) from None
        if now is not None and added > now:
            raise UserError(
                f"line {line}: added_on {values['added_on']!r} is in the future; give the day the user was added"
            )
        seen[email] = line
        if slack_id is not None:
            seen_slack[slack_id] = line
        addons = None
        if ADDONS in header:
            addons = tuple(dict.fromkeys(" ".join(a.split()) for a in values.get(ADDONS, "").split(";") if a.strip()))
            if any(len(a) > 120 for a in addons):
                raise UserError(f"line {line}: an add-on line name is longer than 120 characters")
        rows.append(MemberRow(line, email, name, slack_id, flag in TRUE, added, addons))
    return rows
