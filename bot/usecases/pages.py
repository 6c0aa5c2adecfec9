"""Reading: the license page, the renewal a request made now applies to, the history."""

from __future__ import annotations

from datetime import datetime

from bot.core import policy
from bot.core.audit import ActivityEntry
from bot.core.page import LicensePage
from bot.usecases.ports import Database
from store import page_reads, queries


def license_page(db: Database, *, team: str, now: datetime) -> LicensePage:
    """The license page (the prebuilt reads of store/page_reads.py: a modal's, a submission's)."""
    with db.reading() as conn:
        account = page_reads.page_head(conn, team)
        return page_reads.page_of_row(conn, account, now, page_reads.admin_rows(conn, account.id))


def request_target(db: Database, *, team: str, now: datetime) -> policy.Target:
    """The renewal a reduction requested at `now` applies to: the account's terms only, no members (before a
    submission's ack: one prebuilt read)."""
    with db.transaction(read_only=True) as s:
        terms = page_reads.terms_of_row(page_reads.account_row(s, team))
    return policy.request_target(terms.anchor, terms.plan, now, terms.timezone)


def history(db: Database, *, team: str, limit: int = 20) -> list[ActivityEntry]:
    with db.transaction(read_only=True) as s:
        return queries.history(s, queries.load_account(s, team).id, limit)
