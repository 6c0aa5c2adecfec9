"""Written consent of an admin: the pure parts (statement text, signature check, who may answer).

No Slack, no database, no clock reads: the use cases in bot/usecases/consent.py and consent_answers.py pass
everything in.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.statuses import ConsentStatus

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(d: date) -> str:
    """`Friday 1 January 2027`, in English whatever the process locale."""
    weekdays = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    return f"{weekdays[d.weekday()]} {d.day} {MONTHS[d.month - 1]} {d.year}"


def effective_date(pending_renewal: date | None, next_renewal: date) -> date:
    """From when the admin's rights would be removed: the renewal of the pending request, else the next one."""
    return pending_renewal if pending_renewal is not None else next_renewal


@dataclass(frozen=True)
class StatementFacts:
    """Everything the consent statement says; all of it is stored with the consent."""

    account_name: str
    team_id: str
    admin_name: str
    effective_on: date
    requester_name: str
    requested_on: date


def statement(f: StatementFacts) -> str:
    """The exact consent text shown to the admin and stored when they sign (plain text, not mrkdwn)."""
    return (
        f"I, {f.admin_name}, consent that my admin rights in the account {f.account_name} "
        f"(Slack workspace {f.team_id}) are removed and that my user is deactivated.\n\n"
        f"This applies from the renewal of {long_date(f.effective_on)}: if my user is still active then, "
        "it may be deactivated automatically like any other user. Before that date, an admin of the account "
        "may also deactivate my user by hand through licensebot.\n\n"
        "What will happen: my user is deactivated, I lose access to the account, I am no longer an admin "
        "of it and I can no longer manage its licenses. Deactivating my user does not by itself lower the "
        "number of licenses.\n\n"
        "I can revoke this consent until my user has been deactivated.\n\n"
        f"Requested by {f.requester_name} on {long_date(f.requested_on)}."
    )


AGREE = "agree"
"""The consent form's "I consent" field."""
SIGNATURE = "signature"
"""The consent form's signature field."""
SIGNATURE_MAX = 200


def digest(text: str) -> str:
    """A short fingerprint of a statement, to check that what was signed is what was shown."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def normalise_name(text: str) -> str:
    """Case-, accent- and whitespace-insensitive form of a name (Unicode NFKD, marks dropped)."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def signature_matches(typed: str, name: str) -> bool:
    """Whether the typed signature is the member's full name (ignoring case, accents and spacing)."""
    wanted = normalise_name(name)
    return bool(wanted) and normalise_name(typed) == wanted


@dataclass(frozen=True)
class SlackIdentity:
    """Who acts in Slack: the user id and the team (workspace) the request came from, both checked."""

    user_id: str
    team_id: str


def is_target(who: SlackIdentity, *, target_user_id: str | None, account_team_id: str) -> bool:
    """Only the admin a consent is addressed to, in that account's workspace, may answer it."""
    return bool(target_user_id) and who.user_id == target_user_id and who.team_id == account_team_id


@dataclass(frozen=True)
class AdminState:
    member_id: int
    active: bool
    is_admin: bool
    consent_open: bool
    """Consented already, or asked and not answered yet (both may end in consent)."""


def keeps_an_admin(admins: list[AdminState], target_id: int) -> bool:
    """Whether, if `target_id` consents too, an active admin who has not consented (nor been asked) remains."""
    return any(a.active and a.is_admin and not a.consent_open and a.member_id != target_id for a in admins)


@dataclass(frozen=True)
class Consent:
    """One consent (request) as the adapters show it."""

    id: int
    team_id: str
    account_name: str
    admin_channel: str | None
    member_id: int
    member_name: str
    member_email: str
    member_user_id: str | None
    member_active: bool
    requested_by: str
    """Slack user id of the admin who asked (or `cli`)."""
    requester_name: str
    requested_at: datetime
    effective_on: date
    status: ConsentStatus
    statement: str
    """The signed text once granted; before that, the text the admin would sign now."""
    signature: str | None
    signed_by_user_id: str | None
    signed_by_team_id: str | None
    granted_at: datetime | None
    declined_at: datetime | None
    revoked_at: datetime | None
    announced: str | None = None
    """After a change (asked, answered): the outbox key of the messages announcing it."""
    statement_language: str = "en"
    """The language of `statement` (nl, fr, en): signed in it, or the reader's for an open request."""
    statement_version: str = "en-1"
    """The version id of that language's statement text (bot/i18n/statements.py)."""

    @property
    def statement_digest(self) -> str:
        return digest(self.statement)

    @property
    def revocable(self) -> bool:
        return self.status is ConsentStatus.GRANTED and self.member_active
