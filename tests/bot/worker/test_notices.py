"""Reminders, "all set" and the unused-seats note are queued as notices (bot/core/notice.py: kind and parameters,
no Block Kit) and rendered at send time in the reader's language; what the reader gets is what the builders make
of the whole license page at the moment the tick decided. Rows queued in the old form (Block Kit in every
language) are still sent as stored."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from bot import i18n, usecases
from bot.core import notice
from bot.core.audit import MessageKind
from bot.testing.blocktext import message_to_text
from bot.testing.slack_standin import SlackStandIn
from bot.usecases import languages
from bot.worker import outbox
from bot.worker.sender import Sender
from bot.worker.tick import tick_accounts
from handlers.blocks.notices import all_set_message, reminder_message, unused_seats_message
from handlers.blocks.rendered import render_notice
from store import models
from store.db import Database
from store.queries import load_account, page_of
from tests.bot.worker.scenario import CHANNEL, D3, D7, NOTICES, TEAM, deactivate, standard_team, utc
from tests.conftest import NOW


def _queued(db: Database, now: datetime) -> list[tuple[str, dict[str, object], object]]:
    """(key, payload, the whole license page at `now`) of every row queued at `now`."""
    with db.transaction() as s:
        account = load_account(s, TEAM)
        page = page_of(s, account, now)
        rows = s.scalars(select(models.Delivery).where(models.Delivery.created_at == now)).all()
        return [(r.key, dict(r.payload), page) for r in rows]


def _expected(payload: dict[str, object], page: object, lang: str) -> dict[str, object]:
    n = notice.decode(payload)
    with i18n.use(lang):
        if isinstance(n, notice.Reminder):
            return reminder_message(page, n.days_before, n.note)  # type: ignore[arg-type]
        if isinstance(n, notice.AllSet):
            return all_set_message(page)  # type: ignore[arg-type]
        return unused_seats_message(page)  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_a_reminder_is_queued_small_and_rendered_as_the_whole_page_reads(db: Database, lang: str) -> None:
    standard_team(db)
    tick_accounts(db, D7, notices=NOTICES)
    queued = _queued(db, D7)  # with the page as it was then
    deactivate(db, TEAM, "User 8", "User 7", now=D7)  # nobody must go any more: "all set" at d3
    tick_accounts(db, D3, notices=NOTICES)
    queued += _queued(db, D3)
    assert {k for k, *_ in queued} == {"reminder:2027-01-01:d7", "allset:2027-01-01"}
    kinds = {notice.decode(p).__class__ for _k, p, _page in queued}
    assert kinds == {notice.Reminder, notice.AllSet}
    for _key, payload, _page in queued:
        assert "blocks" not in payload and len(json.dumps(payload)) < 2500  # no Block Kit, no other languages
    for _key, payload, page in queued:
        assert render_notice(payload, lang) == _expected(payload, page, lang)
    assert "User 8" in json.dumps(render_notice(queued[0][1], lang))  # who would go, named


def test_the_unused_seats_note_is_rendered_as_the_whole_page_reads(db: Database) -> None:
    standard_team(db, members=8, remove=None)
    note = utc(2026, 12, 10, 8)
    tick_accounts(db, NOW, notices=NOTICES)
    tick_accounts(db, note, notices=NOTICES)
    queued = _queued(db, note)
    assert [k for k, *_ in queued] == ["unused:2027-01-01"] * 3
    for _key, payload, page in queued:
        assert isinstance(notice.decode(payload), notice.UnusedSeats)
        for lang in i18n.LANGUAGES:
            assert render_notice(payload, lang) == _expected(payload, page, lang)


def test_a_reminder_queued_in_the_old_form_is_sent_as_stored_in_its_readers_language(
    db: Database, sender: Sender, standin: SlackStandIn
) -> None:
    standard_team(db)
    usecases.update_account(db, team=TEAM, changes=usecases.AccountChanges(language="fr"), now=NOW)
    languages.choose_language(db, team=TEAM, user_id="U0000", language="nl", now=NOW)
    with db.transaction() as s:
        account = load_account(s, TEAM)
        page = page_of(s, account, D7)
        old = i18n.variants(lambda: reminder_message(page, 7))  # what the tick queued before notices
        outbox.queue(
            s,
            account_id=account.id,
            key="reminder:2027-01-01:d7",
            kind=MessageKind.REMINDER,
            targets=[CHANNEL, "U0000"],
            message=old,
            now=D7,
        )
        s.flush()
        account.next_tick_at = D3  # the tick has nothing more to queue at D7
    sender.deliver_due(db, D7)
    seen = {str(c.params["channel"]): message_to_text(c.params) for c in standin.posts()}
    assert seen[CHANNEL] == message_to_text(i18n.pick(old, "fr"))
    assert next(t for c, t in seen.items() if c.startswith("DU0000")) == message_to_text(i18n.pick(old, "nl"))


def test_a_notice_this_code_cannot_read_fails_its_attempt_visibly(
    db: Database, sender: Sender, standin: SlackStandIn
) -> None:
    standard_team(db)
    with db.transaction() as s:
        account = load_account(s, TEAM)
        outbox.queue(
            s,
            account_id=account.id,
            key="reminder:2027-01-01:d7",
            kind=MessageKind.REMINDER,
            targets=[CHANNEL],
            message={notice.NOTICE: "reminder", "v": 99},
            now=D7,
        )
    report = sender.deliver_due(db, D7)
    assert standin.posts() == [] and len(report.retrying) == 1
    assert report.retrying[0].error and "cannot render" in report.retrying[0].error
