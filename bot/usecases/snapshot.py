"""What one look at the license page shows, read in one transaction: who looks, the page, the consents
(for an admin) and the recent activity (for the App Home). `for_admins`: the same for every admin at
once, when their App Homes are refreshed after a change.

Someone not yet known by their Slack id is identified first (people.identify may link them by email: a
write), then read as usual.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot.core.audit import ActivityEntry
from bot.core.consent import Consent
from bot.core.page import LicensePage
from bot.core.results import Viewer
from bot.usecases import consents, languages, people
from bot.usecases.people import EmailLookup
from bot.usecases.ports import Database
from store import models
from store.queries import history, load_account, page_of, teamleader_link


@dataclass(frozen=True)
class Snapshot:
    viewer: Viewer
    page: LicensePage
    consents: dict[int, Consent] | None
    """Member id -> latest consent; read for admins only (None for anybody else)."""
    activity: list[ActivityEntry]
    """The latest `activity` audit entries asked for, newest first."""


def read(db: Database, *, team: str, user_id: str, now: datetime, email_of: EmailLookup, activity: int = 0) -> Snapshot:
    """The snapshot for `user_id` (NotFound when the workspace is not linked)."""
    with db.transaction(read_only=True) as s:
        account = load_account(s, team)
        viewer = people.known_viewer(s, account, user_id)
        if viewer is not None:
            return _snapshot(s, account, viewer, now, activity)
    viewer = people.identify(db, team=team, user_id=user_id, now=now, email_of=email_of)
    with db.transaction(read_only=True) as s:
        return _snapshot(s, load_account(s, team), viewer, now, activity)


def _snapshot(s: Session, account: models.Account, viewer: Viewer, now: datetime, activity: int) -> Snapshot:
    return Snapshot(
        viewer=viewer,
        page=page_of(s, account, now, teamleader=teamleader_link(s, account.id)),
        consents=consents.latest_of(consents.consents_in(s, account)) if viewer.is_admin else None,
        activity=history(s, account.id, activity) if activity else [],
    )


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
        account = load_account(s, team)
        viewers = people.admin_viewers_in(s, account)
        return AdminsView(
            viewers=viewers,
            page=page_of(s, account, now, teamleader=teamleader_link(s, account.id)),
            consents=consents.latest_of(consents.consents_in(s, account)),
            activity=history(s, account.id, activity),
            languages=languages.languages_in(s, team, [v.user_id for v in viewers]),
        )
