"""Reading the written consents of admins: one consent, every consent of an account, the latest per admin.

The statement shown is the stored, signed text once granted; before that, the text the admin would sign now.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core import consent as rules
from bot.core import policy
from bot.core.audit import OPERATOR
from bot.core.consent import Consent
from bot.core.errors import NotFound
from bot.core.statuses import ConsentStatus, MemberStatus
from bot.i18n import _, statements
from bot.usecases.ports import Database
from store import models
from store.queries import load_account, member_for_slack_user


def requester_name(s: Session, account_id: int, requested_by: str) -> str:
    if requested_by == OPERATOR.label:
        return "an operator"
    m = member_for_slack_user(s, account_id, requested_by)
    return m.name if m is not None else requested_by


def view_of(
    s: Session, row: models.AdminConsent, account: models.Account, member: models.Member, language: str = "en"
) -> Consent:
    """`language`: the reader's, for the statement of a request not signed yet (a signed one is as stored)."""
    requester = requester_name(s, account.id, row.requested_by)
    text = row.statement
    lang, version = row.statement_language or "en", row.statement_version or statements.LEGACY
    if text is None or row.status in (ConsentStatus.REQUESTED.value, ConsentStatus.DECLINED.value):
        version = statements.version_for(language)
        lang = statements.language_of(version)
        text = statements.render(
            version,
            rules.StatementFacts(
                account_name=account.name,
                team_id=account.slack_team_id,
                admin_name=member.name,
                effective_on=row.effective_on,
                requester_name=requester,
                requested_on=policy.local_date(row.requested_at, account.timezone),
            ),
        )
    return Consent(
        id=row.id,
        team_id=account.slack_team_id,
        account_name=account.name,
        admin_channel=account.admin_channel,
        member_id=member.id,
        member_name=member.name,
        member_email=member.email,
        member_user_id=member.slack_user_id,
        member_active=member.status == MemberStatus.ACTIVE.value,
        requested_by=row.requested_by,
        requester_name=requester,
        requested_at=row.requested_at,
        effective_on=row.effective_on,
        status=ConsentStatus(row.status),
        statement=text,
        signature=row.signature,
        signed_by_user_id=row.signed_by_user_id,
        signed_by_team_id=row.signed_by_team_id,
        granted_at=row.granted_at,
        declined_at=row.declined_at,
        revoked_at=row.revoked_at,
        statement_language=lang,
        statement_version=version,
    )


def views_of(s: Session, account: models.Account, query_rows: list[models.AdminConsent]) -> list[Consent]:
    # Only the members asked, not every member of the account.
    ids = {r.member_id for r in query_rows}
    if not ids:
        return []
    members = {m.id: m for m in s.scalars(select(models.Member).where(models.Member.id.in_(ids)))}
    return [view_of(s, r, account, members[r.member_id]) for r in query_rows]


def list_consents(db: Database, *, team: str) -> list[Consent]:
    """Every consent of the account, oldest request first."""
    with db.transaction(read_only=True) as s:
        return consents_in(s, load_account(s, team))


def consents_in(s: Session, account: models.Account) -> list[Consent]:
    rows = s.scalars(
        select(models.AdminConsent)
        .where(models.AdminConsent.account_id == account.id)
        .order_by(models.AdminConsent.requested_at, models.AdminConsent.id)
    ).all()
    return views_of(s, account, list(rows))


def get_consent(db: Database, *, consent_id: int) -> Consent:
    """One consent by id, for rendering only (authorization happens in the answers above)."""
    with db.transaction(read_only=True) as s:
        row = s.get(models.AdminConsent, consent_id)
        if row is None:
            raise NotFound(_("This consent request no longer exists."))
        account = s.get(models.Account, row.account_id)
        member = s.get(models.Member, row.member_id)
        assert account is not None and member is not None
        return view_of(s, row, account, member)


def latest_of(consents: list[Consent]) -> dict[int, Consent]:
    """Member id -> their latest consent, from a list in request order."""
    return {c.member_id: c for c in consents}


def latest_for_user(db: Database, *, team: str, user_id: str) -> Consent | None:
    """The latest consent addressed to this Slack user in the account (their App Home shows it)."""
    with db.transaction(read_only=True) as s:
        account = load_account(s, team)
        member = member_for_slack_user(s, account.id, user_id)
        if member is None:
            return None
        row = s.scalar(
            select(models.AdminConsent)
            .where(models.AdminConsent.member_id == member.id)
            .order_by(models.AdminConsent.requested_at.desc(), models.AdminConsent.id.desc())
            .limit(1)
        )
        return view_of(s, row, account, member) if row is not None else None
