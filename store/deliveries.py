"""The outbox's writes that touch other tables: the DM channels learned while delivering."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from store import models


def store_dm_channels(s: Session, changes: list[dict[str, Any]]) -> None:
    """Set members.dm_channel, one statement for all (executemany): {"a": account id, "u": user, "c": channel}."""
    if changes:
        members = models.Base.metadata.tables["members"]
        member = members.c
        s.connection().execute(
            update(members)
            .where(member.account_id == bindparam("a"), member.slack_user_id == bindparam("u"))
            .values(dm_channel=bindparam("c")),
            changes,
        )
