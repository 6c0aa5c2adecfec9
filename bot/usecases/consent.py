"""Use cases of the written consent an admin gives before losing admin rights (docs/consent.md): asking
for it here; the target admin's answers in bot/usecases/consent_answers.py.

Only the admin a consent is addressed to answers it: every answer (review, grant, decline, revoke)
checks the acting Slack user id AND team against the stored target. A refused attempt changes
nothing and is written to the audit log. Answered consents are never edited: the database refuses it
(migration 0004), except granted -> revoked, which only sets the status and its time.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core import consent as rules
from bot.core import policy
from bot.core.audit import Actor, AuditAction, MessageKind
from bot.core.consent import Consent
from bot.core.errors import Conflict, NotAllowed, NotFound, UserError
from bot.core.statuses import ConsentStatus, MemberStatus
from bot.i18n import _
from bot.i18n.formats import long_day
from bot.usecases.common import require_admin
from bot.usecases.consents import requester_name, view_of
from bot.usecases.ports import Announce, Database
from bot.worker import outbox
from store import models
from store.db import Clash
from store.queries import audit, load_account, pending_of, terms_of


def _open_row(s: Session, member_id: int) -> models.AdminConsent | None:
    return s.scalar(
        select(models.AdminConsent).where(
            models.AdminConsent.member_id == member_id,
            models.AdminConsent.status.in_([ConsentStatus.REQUESTED.value, ConsentStatus.GRANTED.value]),
        )
    )


def admin_states(s: Session, account_id: int) -> list[rules.AdminState]:
    admins = s.scalars(
        select(models.Member).where(models.Member.account_id == account_id, models.Member.is_admin.is_(True))
    ).all()
    open_ids = set(
        s.scalars(
            select(models.AdminConsent.member_id).where(
                models.AdminConsent.account_id == account_id,
                models.AdminConsent.status.in_([ConsentStatus.REQUESTED.value, ConsentStatus.GRANTED.value]),
            )
        )
    )
    return [
        rules.AdminState(
            member_id=m.id,
            active=m.status == MemberStatus.ACTIVE.value,
            is_admin=m.is_admin,
            consent_open=m.id in open_ids,
        )
        for m in admins
    ]


def _find_target(s: Session, account: models.Account, member_id: int | None, user_id: str | None) -> models.Member:
    query = select(models.Member).where(models.Member.account_id == account.id)
    if member_id is not None:
        query = query.where(models.Member.id == member_id)
    elif user_id:
        query = query.where(models.Member.slack_user_id == user_id)
    else:
        raise UserError(_("Say which admin to ask, e.g. `/licenses consent @name`."))
    target = s.scalar(query)
    if target is None:
        raise NotFound(
            _("That user is not a member of {account}; only its admins can be asked for consent.", account=account.name)
        )
    return target


def request_consent(
    db: Database,
    *,
    team: str,
    actor: Actor,
    now: datetime,
    member_id: int | None = None,
    user_id: str | None = None,
    announce: Announce[Consent] | None = None,
) -> Consent:
    """An admin asks another admin (by member id or Slack user id) for written consent; `announce` words the
    messages that tell about it (the request to the admin, ...), queued in the outbox with it."""
    try:
        with db.transaction() as s:
            account = load_account(s, team, lock=True)
            requester = require_admin(s, account, actor)
            target = _find_target(s, account, member_id, user_id)
            if requester is not None and requester.id == target.id:
                raise NotAllowed(
                    _(
                        "You cannot ask yourself for consent: another admin of the account must ask you, "
                        "so that you sign it yourself."
                    )
                )
            if target.status != MemberStatus.ACTIVE.value:
                raise Conflict(_("{name} is already deactivated: there is no consent to ask for.", name=target.name))
            if not target.is_admin:
                raise Conflict(
                    _("{name} is not an admin: their user can be deactivated without consent.", name=target.name)
                )
            if not target.slack_user_id:
                raise Conflict(
                    _(
                        "{name} is not linked to a Slack user yet, so they cannot sign in Slack. "
                        "They become linked when they open licensebot (the App Home or `/licenses`).",
                        name=target.name,
                    )
                )
            existing = _open_row(s, target.id)
            if existing is not None and existing.status == ConsentStatus.GRANTED.value:
                raise Conflict(_("{name} has already consented; they can be deactivated.", name=target.name))
            if existing is not None:
                who = requester_name(s, account.id, existing.requested_by)
                raise Conflict(
                    _(
                        "{name} was already asked by {who} on {day} and has not answered yet.",
                        name=target.name,
                        who=who,
                        day=long_day(policy.local_date(existing.requested_at, account.timezone)),
                    )
                )
            if not rules.keeps_an_admin(admin_states(s, account.id), target.id):
                raise Conflict(
                    _(
                        "{name} cannot be asked: every other admin of {account} has consented or been asked "
                        "already, and at least one admin must always keep their admin rights.",
                        name=target.name,
                        account=account.name,
                    )
                )
            pending = pending_of(s, account.id)
            effective = rules.effective_date(
                pending.renewal if pending else None,
                policy.next_renewal(account.renewal_anchor, policy.Plan(account.plan), now, account.timezone),
            )
            row = models.AdminConsent(
                account_id=account.id,
                member_id=target.id,
                requested_by=actor.label,
                requested_at=now,
                effective_on=effective,
                status=ConsentStatus.REQUESTED.value,
            )
            s.add(row)
            s.flush()
            audit(
                s,
                account.id,
                actor,
                AuditAction.CONSENT_REQUESTED,
                now,
                consent=row.id,
                member=target.id,
                name=target.name,
                effective_on=effective.isoformat(),
            )
            return announced(s, account, view_of(s, row, account, target), "requested", announce, now)
    except Clash:
        raise Conflict(
            _("Another admin asked for the same consent at the same moment: look at the license page.")
        ) from None


def announced(
    s: Session, account: models.Account, c: Consent, what: str, announce: Announce[Consent] | None, now: datetime
) -> Consent:
    """`c` after its change `what`, with the messages `announce` words queued in the change's transaction."""
    if announce is None:
        return c
    messages = announce(c, terms_of(account))
    key = outbox.announce(
        s, account_id=account.id, kind=MessageKind.CONSENT, ref=f"{c.id}:{what}", messages=messages, now=now
    )
    return replace(c, announced=key)
