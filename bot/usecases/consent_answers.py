"""The target admin's answers to a consent request (docs/consent.md): review, grant, decline, revoke.

Only the admin a consent is addressed to answers it: every answer checks the acting Slack user id AND team
against the stored target. A refused attempt changes nothing and is written to the audit log. Answered
consents are never edited: the database refuses it (migration 0004), except granted -> revoked, which only
sets the status and its time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core import consent as rules
from bot.core.audit import Actor, AuditAction
from bot.core.consent import AGREE, SIGNATURE, SIGNATURE_MAX, Consent, SlackIdentity
from bot.core.errors import Conflict, NotAllowed, NotFound, UserError
from bot.core.statuses import ConsentStatus, MemberStatus
from bot.i18n import N_, _
from bot.usecases.consent import admin_states, announced
from bot.usecases.consents import view_of
from bot.usecases.ports import Announce, Database
from store import models
from store.queries import audit, wake


class ConsentInvalid(UserError):
    """The consent form is not filled in correctly; `errors` maps a field (AGREE, SIGNATURE) to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


class _Refused(Exception):
    def __init__(self, account_id: int, consent_id: int, reason: str) -> None:
        super().__init__(reason)
        self.account_id = account_id
        self.consent_id = consent_id
        self.reason = reason


REFUSAL = N_(
    "This consent request is addressed to another admin: only they can review, sign, decline or revoke it. "
    "Nothing was changed."
)
"""Shown as `_(REFUSAL)` (handlers/consent.py); NotAllowed(_(REFUSAL)) here."""


def _load(s: Session, consent_id: int, who: SlackIdentity) -> tuple[models.AdminConsent, models.Account, models.Member]:
    """The consent, its account (locked) and target, when `who` is the target; else _Refused."""
    found = s.get(models.AdminConsent, consent_id)
    if found is None:
        raise NotFound(_("This consent request no longer exists."))
    account = s.scalar(select(models.Account).where(models.Account.id == found.account_id).with_for_update())
    row = s.scalar(
        select(models.AdminConsent)
        .where(models.AdminConsent.id == consent_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    member = s.get(models.Member, found.member_id)
    assert account is not None and row is not None and member is not None
    if not rules.is_target(who, target_user_id=member.slack_user_id, account_team_id=account.slack_team_id):
        reason = "another team" if who.team_id != account.slack_team_id else "not the target admin"
        raise _Refused(account.id, row.id, reason)
    return row, account, member


def _refused(db: Database, exc: _Refused, who: SlackIdentity, action: str, now: datetime) -> NotAllowed:
    with db.transaction() as s:
        audit(
            s,
            exc.account_id,
            Actor.slack(who.user_id),
            AuditAction.CONSENT_REFUSED,
            now,
            consent=exc.consent_id,
            attempted=action,
            reason=exc.reason,
            user=who.user_id,
            team=who.team_id,
        )
    return NotAllowed(_(REFUSAL))


def _state_message(row: models.AdminConsent, member: models.Member) -> str:
    match row.status:
        case ConsentStatus.GRANTED.value:
            return _("You have already consented. You can revoke it from the licensebot App Home.")
        case ConsentStatus.DECLINED.value:
            return _("You declined this request. Another admin can ask you again.")
        case ConsentStatus.REVOKED.value:
            return _("You revoked this consent. Another admin can ask you again.")
    if member.status != MemberStatus.ACTIVE.value:
        return _("Your user has been deactivated already.")
    return _("This consent request is still open.")


def review(db: Database, *, consent_id: int, who: SlackIdentity, now: datetime, language: str = "en") -> Consent:
    """The target admin opens the consent form: the statement they would sign, in their `language`."""
    try:
        with db.transaction() as s:
            row, account, member = _load(s, consent_id, who)
            if row.status != ConsentStatus.REQUESTED.value or member.status != MemberStatus.ACTIVE.value:
                raise Conflict(_state_message(row, member))
            return view_of(s, row, account, member, language)
    except _Refused as exc:
        raise _refused(db, exc, who, "review", now) from None


def form_errors(view: Consent, *, agreed: bool, signature: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not agreed:
        errors[AGREE] = _("Tick “I consent” to give your consent.")
    if not signature.strip():
        errors[SIGNATURE] = _("Type your full name as your signature.")
    elif len(signature.strip()) > SIGNATURE_MAX:
        errors[SIGNATURE] = _("A signature has at most {most} characters: type your full name.", most=SIGNATURE_MAX)
    elif not rules.signature_matches(signature, view.member_name):
        errors[SIGNATURE] = _(
            "The signature must be your full name as the account knows it: {name} (case and accents do not matter).",
            name=view.member_name,
        )
    return errors


def grant(
    db: Database,
    *,
    consent_id: int,
    who: SlackIdentity,
    agreed: bool,
    signature: str,
    now: datetime,
    shown_digest: str | None = None,
    announce: Announce[Consent] | None = None,
    language: str = "en",
) -> Consent:
    """The target admin signs: stores the exact statement (in `language`, the one shown), its language and
    version id, the typed signature and who signed."""
    try:
        with db.transaction() as s:
            row, account, member = _load(s, consent_id, who)
            if row.status != ConsentStatus.REQUESTED.value or member.status != MemberStatus.ACTIVE.value:
                raise Conflict(_state_message(row, member))
            if not member.is_admin:
                raise Conflict(_("You are no longer an admin: your user can be deactivated without consent."))
            view = view_of(s, row, account, member, language)
            if shown_digest is not None and shown_digest != view.statement_digest:
                raise Conflict(
                    _("The statement changed since you opened it (a name or date changed): review it again.")
                )
            errors = form_errors(view, agreed=agreed, signature=signature)
            if errors:
                raise ConsentInvalid(errors)
            if not rules.keeps_an_admin(admin_states(s, account.id), member.id):
                raise Conflict(
                    _(
                        "You are the last admin of {account} who has not consented: at least one admin must always "
                        "keep their admin rights, so you cannot consent now.",
                        account=account.name,
                    )
                )
            row.statement = view.statement
            row.statement_language = view.statement_language
            row.statement_version = view.statement_version
            row.signature = signature.strip()
            row.signed_by_user_id = who.user_id
            row.signed_by_team_id = who.team_id
            row.granted_at = now
            row.status = ConsentStatus.GRANTED.value
            wake(account, now)
            _audit_answer(
                s,
                row,
                member,
                who,
                AuditAction.CONSENT_GRANTED,
                now,
                statement=row.statement,
                statement_language=row.statement_language,
                statement_version=row.statement_version,
                signature=row.signature,
                effective_on=row.effective_on.isoformat(),
            )
            return announced(s, account, view_of(s, row, account, member), "granted", announce, now)
    except _Refused as exc:
        raise _refused(db, exc, who, "grant", now) from None


def _audit_answer(
    s: Session,
    row: models.AdminConsent,
    member: models.Member,
    who: SlackIdentity,
    action: AuditAction,
    now: datetime,
    **extra: Any,
) -> None:
    """The audit entry of the target admin's answer (grant, decline, revoke): who signed, from where."""
    audit(
        s,
        row.account_id,
        Actor.slack(who.user_id),
        action,
        now,
        consent=row.id,
        member=member.id,
        name=member.name,
        user=who.user_id,
        team=who.team_id,
        **extra,
    )


def decline(
    db: Database, *, consent_id: int, who: SlackIdentity, now: datetime, announce: Announce[Consent] | None = None
) -> Consent:
    """The target admin declines; another admin may ask again later."""
    try:
        with db.transaction() as s:
            row, account, member = _load(s, consent_id, who)
            if row.status != ConsentStatus.REQUESTED.value:
                raise Conflict(_state_message(row, member))
            row.status = ConsentStatus.DECLINED.value
            row.declined_at = now
            _audit_answer(s, row, member, who, AuditAction.CONSENT_DECLINED, now)
            return announced(s, account, view_of(s, row, account, member), "declined", announce, now)
    except _Refused as exc:
        raise _refused(db, exc, who, "decline", now) from None


def revoke(
    db: Database, *, consent_id: int, who: SlackIdentity, now: datetime, announce: Announce[Consent] | None = None
) -> Consent:
    """The target admin withdraws a granted consent, until their user has been deactivated."""
    try:
        with db.transaction() as s:
            row, account, member = _load(s, consent_id, who)
            if row.status != ConsentStatus.GRANTED.value:
                raise Conflict(_("There is no granted consent to revoke:") + " " + _state_message(row, member))
            if member.status != MemberStatus.ACTIVE.value:
                raise Conflict(_("Your user has been deactivated already: the consent was used and cannot be revoked."))
            row.status = ConsentStatus.REVOKED.value
            row.revoked_at = now
            wake(account, now)
            _audit_answer(s, row, member, who, AuditAction.CONSENT_REVOKED, now)
            return announced(s, account, view_of(s, row, account, member), "revoked", announce, now)
    except _Refused as exc:
        raise _refused(db, exc, who, "revoke", now) from None
