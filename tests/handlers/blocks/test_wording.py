"""Issue 15: one thing has one name everywhere, and counts of one are singular."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from bot.cli.text import render_page
from bot.core.page import AccountTerms, LicensePage, PendingRequest, build_page
from bot.core.policy import Member, Plan, Roster
from bot.core.results import Person, Viewer
from handlers.blocks.notices import reminder_message
from handlers.blocks.page import home_view, page_blocks

NOW = datetime(2026, 12, 25, 8, tzinfo=UTC)
RENEWAL = date(2027, 1, 1)


def one_of_each() -> LicensePage:
    """2 licenses, 2 active users, a request to remove 1 (2 → 1): one user must go."""
    terms = AccountTerms("T0001", "Acme", Plan.QUARTERLY, 2, RENEWAL, "Europe/Brussels")
    added = datetime(2024, 1, 1, tzinfo=UTC)
    roster = Roster.of([Member(1, "Ann", added, is_admin=True), Member(2, "Bob", added)])
    pending = PendingRequest(id=1, seats_removed=1, renewal=RENEWAL, requested_by="U0ANN", requested_at=NOW)
    return build_page(terms, roster, pending, NOW)


def test_counts_of_one_are_singular_everywhere() -> None:
    page = one_of_each()
    texts = [json.dumps(reminder_message(page, 7), ensure_ascii=False), render_page(page)]
    for text in texts:
        assert "1 licenses" not in text and "1 users" not in text, text
    assert "2 → 1 license." in texts[0]
    assert "2 users are active" in texts[0]


def test_the_deadline_has_one_name_on_the_page_and_the_home() -> None:
    page = one_of_each()
    ann = page.roster.members[0]
    me = Person(ann.id, ann.name, "ann@acme.test", "U0ANN", True, True, ann.added_at)
    admin = Viewer("T0001", "Acme", "U0ANN", me, (me,))
    status = json.dumps(page_blocks(page, admin), ensure_ascii=False)
    home = json.dumps(home_view(page, admin), ensure_ascii=False)
    for text in (status, home):
        assert "Deadline to remove licenses" in text
        assert "Deadline for changes" not in text and "for it:" not in text
