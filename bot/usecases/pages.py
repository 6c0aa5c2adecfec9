"""Reading: the license page, the renewal a request made now applies to, the history."""

from __future__ import annotations

from datetime import datetime

from bot.core import policy
from bot.core.audit import ActivityEntry
from bot.core.page import LicensePage
from bot.usecases.ports import Database
from store import queries


def license_page(db: Database, *, team: str, now: datetime) -> LicensePage:
    with db.transaction(read_only=True) as s:
        account = queries.load_account(s, team)
        return queries.page_of(s, account, now, teamleader=queries.teamleader_link(s, account.id))


def request_target(db: Database, *, team: str, now: datetime) -> policy.Target:
    """The renewal a reduction requested at `now` applies to: the account's terms only, no members."""
    with db.transaction(read_only=True) as s:
        terms = queries.terms_of(queries.load_account(s, team))
    return policy.request_target(terms.anchor, terms.plan, now, terms.timezone)


def history(db: Database, *, team: str, limit: int = 20) -> list[ActivityEntry]:
    with db.transaction(read_only=True) as s:
        return queries.history(s, queries.load_account(s, team).id, limit)
