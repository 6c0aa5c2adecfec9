"""The background handler's messages (pure Block Kit builders in handlers/blocks/notices.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bot.core.page import AccountTerms, PendingRequest, TeamleaderLink, build_page
from bot.core.policy import Member, Plan, Roster
from bot.core.results import Deactivated, RenewalOutcome
from handlers.blocks.happened import renewal_summary_message, teamleader_reconnect_message
from handlers.blocks.notices import reminder_message, unused_seats_message
from handlers.ids import Action

NOW = datetime(2026, 12, 25, 8, tzinfo=UTC)
RENEWAL = date(2027, 1, 1)
EVIL = "<!channel> & <https://evil.example|click>"


def terms(*, name: str = "Acme BV", seats: int = 10, price: str | None = "30.00") -> AccountTerms:
    return AccountTerms(
        team_id="T0001",
        name=name,
        plan=Plan.QUARTERLY,
        licensed_seats=seats,
        anchor=RENEWAL,
        timezone="Europe/Brussels",
        admin_channel="C0ADMINS",
        price_per_seat=Decimal(price) if price else None,
        currency="EUR" if price else None,
    )


def members(n: int, *, names: dict[int, str] | None = None, admins: tuple[int, ...] = (0,)) -> Roster:
    names = names or {}
    return Roster.of(
        Member(
            id=i + 1,
            name=names.get(i, f"User {i}"),
            added_at=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=i),
            is_admin=i in admins,
        )
        for i in range(n)
    )


PENDING = PendingRequest(id=4, seats_removed=3, renewal=RENEWAL, requested_by="U0000", requested_at=NOW)


def blocks_text(message: dict[str, Any]) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_reminder_says_how_many_by_when_and_who() -> None:
    page = build_page(terms(), members(9), PENDING, NOW)
    message = reminder_message(page, 7)
    text = blocks_text(message)
    assert "*2 users must still be deactivated*" in text
    assert "at the latest on Fri 01 Jan 2027 (until 23:59, Europe/Brussels)" in text
    assert "• User 8\\n• User 7" in text
    assert "User 6" not in text
    assert "(in 7 days)" in message["text"]
    [button] = buttons(message)
    assert button["action_id"] == Action.OPEN_DEACTIVATE.value and button["value"] == "4"


def test_reminder_escapes_names_and_marks_consented_admins() -> None:
    people = list(members(9, names={8: EVIL}, admins=(0, 7)).members)
    people[7] = Member(id=8, name="Ann", added_at=people[7].added_at, is_admin=True, consented=True)
    page = build_page(terms(name="A&B <Co>"), Roster.of(people), PENDING, NOW)
    text = blocks_text(reminder_message(page, 0))
    assert "<!channel>" not in text and "<https://" not in text
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;" in text
    assert "*A&amp;B &lt;Co&gt;*" in text
    assert "Ann (admin, has consented)" in text
    assert "(today)" in text


def test_reminder_says_plainly_when_admins_without_consent_block_it() -> None:
    pending = replace(PENDING, seats_removed=2)
    page = build_page(terms(seats=4), members(4, admins=(0, 1, 2, 3)), pending, NOW)
    text = blocks_text(reminder_message(page, 3))
    assert "2 more users cannot be deactivated automatically: only admins without written consent are left" in text


def test_reminder_needs_a_pending_request() -> None:
    with pytest.raises(ValueError, match="pending request"):
        reminder_message(build_page(terms(), members(9), None, NOW), 7)


def test_unused_seats_note_says_how_many_and_what_it_saves() -> None:
    page = build_page(terms(seats=10), members(8), None, datetime(2026, 12, 10, 8, tzinfo=UTC))
    message = unused_seats_message(page)
    text = blocks_text(message)
    assert "*2 licenses unused*" in text
    assert "would save *€180.00* per quarterly period from the renewal of Fri 01 Jan 2027" in text
    assert "request by *Thu 17 Dec 2026* (7 days left)" in text
    [button] = buttons(message)
    assert button["action_id"] == Action.OPEN_REDUCE.value and button["value"] == "2"


def test_unused_seats_note_without_a_price_has_no_saving() -> None:
    page = build_page(terms(seats=10, price=None), members(9), None, datetime(2026, 12, 10, 8, tzinfo=UTC))
    text = blocks_text(unused_seats_message(page))
    assert "1 license unused" in text and "save" not in text


def outcome(**changes: Any) -> RenewalOutcome:
    base: dict[str, Any] = {
        "account_name": "Acme BV",
        "timezone": "Europe/Brussels",
        "renewal": RENEWAL,
        "processed_at": datetime(2027, 1, 1, 23, 0, tzinfo=UTC),
        "late": False,
        "request_id": 4,
        "requested_by": "U0000",
        "seats_before": 10,
        "seats_after": 7,
        "deactivated": (Deactivated(9, "User 8", False), Deactivated(8, EVIL, True)),
        "unresolved": 0,
        "active_after": 7,
    }
    return RenewalOutcome(**{**base, **changes})


def test_renewal_summary() -> None:
    message = renewal_summary_message(outcome())
    text = blocks_text(message)
    assert "*10 → 7 licenses*" in text and "(request #4 by <@U0000>)" in text
    assert "• User 8" in text and "&lt;!channel&gt;" in text and "<!channel>" not in text
    assert "late" not in message["text"].lower()
    assert (
        message["text"] == "Acme BV: the renewal of Fri 01 Jan 2027 is processed, 10 → 7 licenses, 2 users deactivated."
    )


def test_renewal_summary_when_late() -> None:
    message = renewal_summary_message(outcome(late=True, processed_at=datetime(2027, 1, 3, 9, 15, tzinfo=UTC)))
    assert "(late)" in message["text"]
    assert "*Processed late*: on Sun 03 Jan 2027 at 10:15 (Europe/Brussels)" in blocks_text(message)


def test_renewal_summary_when_users_are_still_over_the_count() -> None:
    text = blocks_text(renewal_summary_message(outcome(deactivated=(), unresolved=2, active_after=9)))
    assert "*2 users could not be deactivated automatically*" in text
    assert "9 users are active for 7 licenses" in text
    assert "nobody was deactivated" not in text


def test_teamleader_reconnect_notice_says_since_when_and_what_to_run() -> None:
    link = TeamleaderLink(reconnect_needed=True, since=NOW, last_sync_at=NOW - timedelta(hours=3))
    message = teamleader_reconnect_message(terms(name=EVIL), link)
    text = blocks_text(message)
    assert "Teamleader access was revoked on Fri 25 Dec 2026; members are not synced" in text
    assert "`licensebot teamleader connect --team T0001`" in text
    assert "as last synced (Fri 25 Dec 2026 06:00 (Europe/Brussels))" in text
    assert "<!channel>" not in text + message["text"] and "&lt;!channel&gt;" in message["text"]
    never = replace(link, last_sync_at=None)
    assert "the members stored in licensebot" in blocks_text(teamleader_reconnect_message(terms(), never))
    with pytest.raises(ValueError, match="revoked"):
        teamleader_reconnect_message(terms(), replace(link, reconnect_needed=False))
