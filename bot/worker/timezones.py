"""Keep admins' Slack timezones fresh: their reminder DMs go at 09:00 their time (users.info `tz`).

A step of every worker pass (bot/cli/wiring.py installs it when a bot token is set): the admins whose
timezone was never read, or read more than REFRESH_AFTER ago, oldest first, at most BATCH per pass (a
partial index holds only admins with a Slack id). Slack is asked outside any transaction through the
`Timezones` port; a change is stored, audited and wakes the account (its reminders move with it).
`user_change` events update a timezone at once (handlers/timezones.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, text

from bot.core.audit import WORKER
from bot.usecases.languages import store_locale
from bot.usecases.people import store_timezone
from bot.worker.ports import Timezones
from store import models
from store.db import Database

log = logging.getLogger(__name__)

REFRESH_AFTER = timedelta(days=1)
BATCH = 50


def refresh_timezones(db: Database, now: datetime, *, directory: Timezones, batch: int = BATCH) -> int:
    """Read up to `batch` admins' timezones from Slack; how many changed."""
    m, a = models.Member, models.Account
    with db.transaction(read_only=True) as s:
        due = s.execute(
            select(a.slack_team_id, m.slack_user_id)
            .join(a, a.id == m.account_id)
            .where(text(models.TIMEZONE_DUE))  # as the partial index says it, so that the index is used
            .where((m.timezone_checked_at.is_(None)) | (m.timezone_checked_at < now - REFRESH_AFTER))
            .order_by(m.timezone_checked_at.nulls_first())
            .limit(batch)
        ).all()
    changed = 0
    for team, user_id in due:
        if not user_id:
            continue
        try:
            tz = directory.timezone(team, user_id)
        except Exception as exc:  # Slack unreachable: try again next pass, and stop asking for now
            log.warning("timezone of %s in %s: %s", user_id, team, exc)
            break
        changed += store_timezone(db, team=team, user_id=user_id, timezone=tz, now=now, actor=WORKER)
        locale_of = getattr(directory, "locale", None)
        if callable(locale_of):  # the same users.info answer says the admin's Slack language (bot/i18n)
            store_locale(db, team=team, user_id=user_id, slack_locale=locale_of(team, user_id), now=now)
    return changed
