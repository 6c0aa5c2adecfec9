"""The largest Slack payloads each surface makes, for accounts of 1, 300 and 3,000 users.

Every surface is rendered through the real use cases, worker and builders on a scratch SQLite database:
the license page (`/licenses status`), the App Home, a reminder (the d7 tick), the renewal summary (the
renewal's tick), `/licenses users`, the Deactivate users modal and the admin consent section. Names are
1 to 200 characters (member i: `1 + 53 * i % 200`, with accents and `&`); one member in 100 is an
admin; the request removes every license it may, so nearly everyone would go automatically.

    .venv/bin/python -m bench.payloads [--sizes 1,300,3000]

Prints, per size and surface: blocks, characters of block text, JSON bytes, the fallback `text`, and
for modals the options and private_metadata. tests/handlers/blocks/test_limits.py renders the same
surfaces (`surfaces()`) and checks them against Slack's limits.
"""

from __future__ import annotations

import argparse
import inspect
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot import i18n, usecases
from bot.core.audit import Actor
from bot.core.members_csv import MemberRow
from bot.usecases import AccountChanges, people, snapshot
from store.db import Database

TEAM = "T0LIMITS"
RENEWS = date(2027, 1, 1)
NOW = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
REMINDER_AT = datetime(2026, 12, 25, 12, 0, tzinfo=UTC)
D3_AT = datetime(2026, 12, 29, 12, 0, tzinfo=UTC)
AFTER_RENEWAL = datetime(2027, 1, 2, 1, 0, tzinfo=UTC)
FILLER = "Zoë Ørsted-Van den Bossche & Müller Dubois "


def name_of(i: int, length: int | None = None) -> str:
    size = length if length is not None else 1 + (53 * i) % 200
    text = f"M{i} {FILLER * 6}"
    return text[:size].strip() or "A"


def member_rows(count: int, length: int | None = None) -> list[MemberRow]:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    return [
        MemberRow(
            line=i + 2,
            email=f"member{i}@example.com",
            name=name_of(i, length),
            slack_user_id=f"U{i:06d}",
            admin=i % 100 == 0,
            added_at=start + timedelta(hours=i),
        )
        for i in range(count)
    ]


def build_account(db: Database, count: int, length: int | None = None) -> None:
    usecases.add_account(
        db,
        team=TEAM,
        now=NOW,
        changes=AccountChanges(
            name="Zoë & Co " + "Account name that is long " * 7,
            plan="quarterly",
            seats=count + 2,
            renews=RENEWS,
            timezone="Europe/Brussels",
            price_per_seat="39.00",
            currency="EUR",
            admin_channel="C0ADMINS",
        ),
    )
    usecases.import_members(db, team=TEAM, rows=member_rows(count, length), now=NOW)
    admins = (count + 99) // 100
    removable = count + 2 - admins  # every license but one per admin without consent
    usecases.submit_reduction(db, team=TEAM, actor=Actor.slack("U000000"), seats=removable, now=NOW)


@dataclass(frozen=True)
class Surface:
    name: str
    kind: str
    """message | home | modal | blocks"""
    payload: dict[str, Any]


def _deactivate_view(db: Database) -> dict[str, Any]:
    from handlers.blocks.modals import deactivate_view

    params = inspect.signature(deactivate_view).parameters
    if "active" in params:  # after issue 16: a static list up to STATIC_LIMIT, else a type-ahead
        from handlers.blocks.modals import STATIC_LIMIT

        listed = people.active_people(db, team=TEAM, limit=STATIC_LIMIT + 1)
        small = len(listed) <= STATIC_LIMIT
        active = len(listed) if small else people.active_count(db, team=TEAM)
        return deactivate_view(listed if small else None, active=active, has_pending=True)
    return deactivate_view(people.active_people(db, team=TEAM), has_pending=True)  # type: ignore[call-arg]


def _outbox(db: Database, kind: str, key_part: str = "") -> dict[str, Any]:
    from sqlalchemy import select

    from store import models

    with db.transaction(read_only=True) as s:
        rows = s.scalars(select(models.Delivery).where(models.Delivery.kind == kind)).all()
        payloads = [dict(r.payload) for r in rows if key_part in r.key]
    # what a reader of the current language gets: a notice rendered in it (bot/core/notice.py), else the
    # variant in it (bot/i18n: a message queued whole holds every language)
    from bot.core.notice import is_notice
    from handlers.blocks.rendered import render_notice

    lang = i18n.language()
    sent = [render_notice(p, lang) if is_notice(p) else i18n.pick(p, lang) for p in payloads]
    return max(sent, key=lambda p: len(json.dumps(p)))


def count_active(db: Database) -> int:
    return len(people.active_people(db, team=TEAM))


def surfaces(db: Database) -> Iterator[Surface]:
    """Every surface of the account `build_account` made (it ticks the worker: call once per database), in
    the current language (consume it inside `bot.i18n.use(lang)`)."""
    from bot.cli.wiring import slack_notices
    from bot.worker.tick import tick_accounts
    from handlers.blocks.consent import page_section
    from handlers.blocks.messages import users_message
    from handlers.blocks.page import home_view, page_blocks, page_text

    snap = snapshot.read(db, team=TEAM, user_id="U000000", now=NOW, email_of=lambda _u: None, activity=6)
    member = snap.viewer.member
    consent = page_section(member.member_id if member else None, snap.viewer.admins, snap.consents or {})
    yield Surface("consent section", "blocks", {"blocks": consent})
    page = {"text": page_text(snap.page), "blocks": page_blocks(snap.page, snap.viewer, consent)}
    yield Surface("license page", "message", page)
    yield Surface("App Home", "home", home_view(snap.page, snap.viewer, snap.activity, consent))
    yield Surface("users list", "message", users_message(people.users_overview(db, team=TEAM, now=NOW)))
    yield Surface("deactivate modal", "modal", _deactivate_view(db))
    try:
        from bot.usecases import lists
        from handlers.blocks.lists import list_view
        from handlers.blocks.messages import at_risk_message

        paged = lists.at_risk(db, team=TEAM, now=NOW)
        yield Surface("at-risk list modal", "modal", list_view(paged))
        last = lists.at_risk(db, team=TEAM, now=NOW, page=paged.pages - 1)
        yield Surface("at-risk list modal, last page", "modal", list_view(last))
        yield Surface("users --at-risk", "message", at_risk_message(lists.at_risk(db, team=TEAM, now=NOW, size=30)))
    except ImportError:  # before issue 16 there was no whole list on demand
        pass
    notices = slack_notices()
    tick_accounts(db, REMINDER_AT, notices=notices)
    if count_active(db) > 1:  # one user fits the license left: no reminder
        yield Surface("reminder", "message", _outbox(db, "reminder", ":d7"))
        tick_accounts(db, D3_AT, notices=notices)  # nobody acted since d7: escalated after issue 16
        yield Surface("d3 reminder", "message", _outbox(db, "reminder", ":d3"))
    tick_accounts(db, AFTER_RENEWAL, notices=notices)
    yield Surface("renewal summary", "message", _outbox(db, "renewal"))
    try:
        from bot.usecases import lists
        from handlers.blocks.lists import list_view

        yield Surface("renewal list modal", "modal", list_view(lists.deactivated_at(db, team=TEAM, renewal=RENEWS)))
    except ImportError:
        pass


def text_length(node: object) -> int:
    if isinstance(node, dict):
        return sum(len(v) if k == "text" and isinstance(v, str) else text_length(v) for k, v in node.items())
    if isinstance(node, list):
        return sum(text_length(v) for v in node)
    return 0


def options(node: object) -> int:
    """The most options of one select element."""
    if isinstance(node, dict):
        own = len(node.get("options") or []) + sum(len(g.get("options") or []) for g in node.get("option_groups") or [])
        return max([own, *(options(v) for v in node.values())])
    if isinstance(node, list):
        return max([0, *(options(v) for v in node)])
    return 0


def sizes(s: Surface) -> dict[str, int]:
    blocks = s.payload.get("blocks") or []
    return {
        "blocks": len(blocks),
        "block text": text_length(blocks),
        "JSON bytes": len(json.dumps(s.payload).encode()),
        "fallback": len(s.payload.get("text") or ""),
        "options": options(blocks),
        "metadata": len(s.payload.get("private_metadata") or ""),
    }


def measure(count: int, length: int | None = None) -> list[tuple[str, dict[str, int]]]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.connect(f"sqlite:///{Path(tmp) / 'payloads.db'}")
        build_account(db, count, length)
        return [(s.name, sizes(s)) for s in surfaces(db)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,300,3000")
    parser.add_argument("--name-length", type=int, default=None, help="every name this long (default 1-200)")
    args = parser.parse_args()
    columns = ["blocks", "block text", "JSON bytes", "fallback", "options", "metadata"]
    print(f"{'users':>5}  {'surface':<30}" + "".join(f"{c:>12}" for c in columns))
    for count in (int(x) for x in args.sizes.split(",")):
        for name, row in measure(count, args.name_length):
            print(f"{count:>5}  {name:<30}" + "".join(f"{row[c]:>12}" for c in columns))


if __name__ == "__main__":
    main()
