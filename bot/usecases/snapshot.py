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

from sqlalchemy import Row
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
    with db.transaction(read_only=True) as s:
        account = page_reads.account_row(s, team)
        admins = page_reads.admin_rows(s, account.id)
        viewer = page_reads.viewer_of(s, account, user_id, admins)
        if viewer is not None:
            return _snapshot(s, account, admins, viewer, now, activity)
    viewer = people.identify(db, team=team, user_id=user_id, now=now, email_of=email_of)
    with db.transaction(read_only=True) as s:
        account = page_reads.account_row(s, team)
        return _snapshot(s, account, page_reads.admin_rows(s, account.id), viewer, now, activity)


def _snapshot(
    s: Session, account: Row[Any], admins: list[Row[Any]], viewer: Viewer, now: datetime, activity: int
) -> Snapshot:
    return Snapshot(
        viewer=viewer,
        page=page_reads.page_of_row(s, account, now, admins),
        consents=_consents(s, account.id) if viewer.is_admin else None,
        activity=history(s, account.id, activity) if activity else [],
    )


def _consents(s: Session, account_id: int) -> dict[int, Consent]:
    """Member id -> latest consent (the ORM account only here: the consent texts need it)."""
    if not page_reads.has_consents(s, account_id):  # most accounts, most of the time: one indexed look
        return {}
    account = s.get(models.Account, account_id)
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
        account = page_reads.account_row(s, team)
        return admins_in(s, account, page_reads.admin_rows(s, account.id), now, activity)


def admins_in(s: Session, account: Row[Any], admins: list[Row[Any]], now: datetime, activity: int) -> AdminsView:
    """`for_admins` in a transaction that read the account row and its active admins already (a change that
    refreshes the Homes reads them in its own transaction: bot/usecases/requests.py)."""
    people_ = tuple(page_reads.person(a) for a in admins)
    viewers = [
        Viewer(account.slack_team_id, account.name, p.slack_user_id, p, people_) for p in people_ if p.slack_user_id
    ]
    return AdminsView(
        viewers=viewers,
        page=page_reads.page_of_row(s, account, now, admins),
        consents=_consents(s, account.id),
        activity=history(s, account.id, activity),
        languages=languages.languages_in(s, account.slack_team_id, [v.user_id for v in viewers], account.language),
    )
