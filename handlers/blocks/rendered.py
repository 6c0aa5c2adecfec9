"""A queued notice (bot/core/notice.py) rendered at send time, in its reader's language: the worker's `Render`
port (bot/worker/ports.py; bot/cli/wiring.py gives it to the Sender)."""

from __future__ import annotations

from typing import Any

from bot import i18n
from bot.core import notice
from handlers.blocks.messages import submitted_message, submitted_post
from handlers.blocks.notices import Message, all_set_message, reminder_message, unused_seats_message


def render_notice(payload: dict[str, Any], lang: str) -> Message:
    """The Block Kit message of a queued notice in `lang`; NoticeError when it is not one this code reads."""
    n = notice.decode(payload)
    with i18n.use(lang):
        if isinstance(n, notice.Reminder):
            return reminder_message(n.page, n.days_before, n.note)
        if isinstance(n, notice.AllSet):
            return all_set_message(n.page)
        if isinstance(n, notice.RequestSubmitted):
            if n.requester is None:
                return submitted_message(n.done, n.terms)
            return submitted_post(n.done, n.terms, n.requester)
        return unused_seats_message(n.page)
