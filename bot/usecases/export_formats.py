"""CSV and JSON writing the exports share (consents, the audit log): times in UTC ISO-8601, CSV cells that
a spreadsheet would run as a formula defused, JSON with the team and the instant of the export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

FORMATS = ("csv", "json")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def value(v: object) -> Any:
    """A value as an export holds it: instants in UTC (`Z`), dates ISO, the rest as it is."""
    if isinstance(v, datetime):
        return v.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(v, date):
        return v.isoformat()
    return v


def cell(v: Any) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if v is None:
        return ""
    text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else str(v)
    return "'" + text if isinstance(v, str) and text.startswith(FORMULA_START) else text


def to_csv(fields: Sequence[str], records: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(fields)
    for rec in records:
        writer.writerow([cell(rec[k]) for k in fields])
    return out.getvalue()


def to_json(key: str, records: Iterable[dict[str, Any]], *, team: str, exported_at: datetime) -> str:
    doc = {"team_id": team, "exported_at": value(exported_at), key: list(records)}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
