"""What one look at the license page shows, read in one transaction: who looks, the page, the consents
(for an admin) and the recent activity (for the App Home). `for_admins`: the same for every admin at
once, when their App Homes are refreshed after a change.

Someone not yet known by their Slack id is identified first (people.identify may link them by email: a
write), then read as usual.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row
from sqlalchemy.orm import Session

from bot.core.audit import ActivityEntry
from bot.core.consent import Consent
from bot.core.page import LicensePage
from bot.core.results import Viewer
from bot.usecases import consents, languages, people
from bot.usecases.people import EmailLookup
from bot.usecases.ports import Database
from store import models, page_reads
from store.queries import history


@dataclass(frozen=True)
class Snapshot:
    viewer: Viewer
    page: LicensePage
    consents: dict[int, Consent] | None
    """Member id -> latest consent; read for admins only (None for anybody else)."""
    activity: list[ActivityEntry]
    """The latest `activity` audit entries asked for, newest first."""


def read(db: Database, *, team: str, user_id: str, now: datetime, email_of: EmailLookup, activity: int = 0) -> Snapshot:
    """The snapshot for `user_id` (NotFound when the workspace is not linked). The usual case, someone known
    by their Slack id, is one read-only transaction of prebuilt statements (store/page_reads.py)."""
    with db.reading() as conn:
        account = page_reads.page_head(conn, team, user_id)
        admins = page_reads.admin_rows(conn, account.id)
        viewer = page_reads.viewer_of(account, user_id, admins)
        if viewer is not None:
            return _snapshot(conn, account, admins, viewer, now, activity)
    viewer = people.identify(db, team=team, user_id=user_id, now=now, email_of=email_of)
    with db.reading() as conn:
        account = page_reads.page_head(conn, team)
        return _snapshot(conn, account, page_reads.admin_rows(conn, account.id), viewer, now, activity)


def _snapshot(
    conn: Connection, account: Row[Any], admins: list[Row[Any]], viewer: Viewer, now: datetime, activity: int
) -> Snapshot:
    return Snapshot(
        viewer=viewer,
        page=page_reads.page_of_row(conn, account, now, admins),
        consents=_consents(conn, account) if viewer.is_admin else None,
        activity=history(page_reads.orm(conn), account.id, activity) if activity else [],
    )


def _consents(conn: Connection, head: Row[Any]) -> dict[int, Consent]:
    """Member id -> latest consent (the ORM account only here: the consent texts need it)."""
    if not head.any_consent:  # most accounts, most of the time (read with the page's head)
        return {}
    s = page_reads.orm(conn)
    account = s.get(models.Account, head.id)
    assert account is not None
    return consents.latest_of(consents.consents_in(s, account))


@dataclass(frozen=True)
class AdminsView:
    """Every active admin with a Slack id, and what all their App Homes show alike."""

    viewers: list[Viewer]
    page: LicensePage
    consents: dict[int, Consent]
    activity: list[ActivityEntry]
    languages: dict[str, str] = field(default_factory=dict)
    """Each admin's language (Slack user id -> nl/fr/en), read in the same transaction."""


def for_admins(db: Database, *, team: str, now: datetime, activity: int) -> AdminsView:
    with db.transaction(read_only=True) as s:
        conn = s.connection()
        account = page_reads.page_head(conn, team)
        return admins_in(s, account, page_reads.admin_rows(conn, account.id), now, activity)


def admins_in(s: Session, head: Row[Any], admins: list[Row[Any]], now: datetime, activity: int) -> AdminsView:
    """`for_admins` in a transaction that read the account's `page_head` and its active admins already (a
    change that refreshes the Homes reads them in its own transaction, after its writes:
    bot/usecases/requests.py)."""
    conn = s.connection()
    people_ = tuple(page_reads.person(a) for a in admins)
    viewers = [Viewer(head.slack_team_id, head.name, p.slack_user_id, p, people_) for p in people_ if p.slack_user_id]
    return AdminsView(
        viewers=viewers,
        page=page_reads.page_of_row(conn, head, now, admins),
        consents=_consents(conn, head),
        activity=history(s, head.id, activity),
        languages=languages.languages_in(s, head.slack_team_id, [v.user_id for v in viewers], head.language),
    )
