"""The consent statement, a legal text the admin signs: versioned per language.

Each language has its current version (CURRENT); a version's text never changes once used (the pinned
digests in tests/test_consent_languages.py fail when one does): a new wording is a new version id. What is
stored as evidence when an admin signs is the exact text shown, its language and its version id
(admin_consents.statement, statement_language, statement_version); `verify` tells whether a stored text is
that version's text with only the facts filled in.

en-1 is the English text licensebot showed before it spoke other languages (bot/core/consent.statement).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from babel.dates import format_date

from bot.core import consent as rules
from bot.core.consent import StatementFacts

TEXTS: dict[str, str] = {
    "en-1": (
        "I, {admin_name}, consent that my admin rights in the account {account_name} "
        "(Slack workspace {team_id}) are removed and that my user is deactivated.\n\n"
        "This applies from the renewal of {effective_on}: if my user is still active then, "
        "it may be deactivated automatically like any other user. Before that date, an admin of the account "
        "may also deactivate my user by hand through licensebot.\n\n"
        "What will happen: my user is deactivated, I lose access to the account, I am no longer an admin "
        "of it and I can no longer manage its licenses. Deactivating my user does not by itself lower the "
        "number of licenses.\n\n"
        "I can revoke this consent until my user has been deactivated.\n\n"
        "Requested by {requester_name} on {requested_on}."
    ),
    "nl-1": (
        "Ik, {admin_name}, geef toestemming dat mijn beheerdersrechten in het account {account_name} "
        "(Slack-workspace {team_id}) worden ingetrokken en dat mijn gebruiker wordt gedeactiveerd.\n\n"
        "Dit geldt vanaf de hernieuwing van {effective_on}: als mijn gebruiker dan nog actief is, kan die "
        "automatisch worden gedeactiveerd zoals elke andere gebruiker. Vóór die datum kan een beheerder van het "
        "account mijn gebruiker ook manueel deactiveren via licensebot.\n\n"
        "Wat er zal gebeuren: mijn gebruiker wordt gedeactiveerd, ik verlies de toegang tot het account, ik ben "
        "er geen beheerder meer van en ik kan de licenties ervan niet meer beheren. Het deactiveren van mijn "
        "gebruiker verlaagt op zich het aantal licenties niet.\n\n"
        "Ik kan deze toestemming intrekken zolang mijn gebruiker niet gedeactiveerd is.\n\n"
        "Aangevraagd door {requester_name} op {requested_on}."
    ),
    "fr-1": (
        "Je soussigné(e), {admin_name}, accepte que mes droits d’administrateur dans le compte {account_name} "
        "(espace de travail Slack {team_id}) soient retirés et que mon utilisateur soit désactivé.\n\n"
        "Ceci s’applique à partir du renouvellement du {effective_on} : si mon utilisateur est encore actif à "
        "cette date, il peut être désactivé automatiquement comme tout autre utilisateur. Avant cette date, un "
        "administrateur du compte peut aussi désactiver mon utilisateur manuellement via licensebot.\n\n"
        "Ce qui va se passer : mon utilisateur est désactivé, je perds l’accès au compte, je n’en suis plus "
        "administrateur et je ne peux plus en gérer les licences. La désactivation de mon utilisateur ne réduit "
        "pas à elle seule le nombre de licences.\n\n"
        "Je peux retirer cet accord tant que mon utilisateur n’a pas été désactivé.\n\n"
        "Demandé par {requester_name} le {requested_on}."
    ),
}
CURRENT: dict[str, str] = {"en": "en-1", "nl": "nl-1", "fr": "fr-1"}
"""The version each language shows now."""
LEGACY = "en-1"
"""The version of a statement stored before the statements had versions (language NULL: English)."""

_DATES: dict[str, Callable[[date], str]] = {
    "en-1": rules.long_date,  # "Friday 1 January 2027", as it always was
    "nl-1": lambda d: format_date(d, "full", locale="nl_BE"),
    "fr-1": lambda d: format_date(d, "full", locale="fr_BE"),
}


def version_for(language: str) -> str:
    return CURRENT.get(language, CURRENT["en"])


def language_of(version: str) -> str:
    return version.split("-")[0]


def render(version: str, f: StatementFacts) -> str:
    """The exact text of `version` for these facts (what the admin reads and signs)."""
    when = _DATES[version]
    return TEXTS[version].format(
        admin_name=f.admin_name,
        account_name=f.account_name,
        team_id=f.team_id,
        effective_on=when(f.effective_on),
        requester_name=f.requester_name,
        requested_on=when(f.requested_on),
    )


def verify(version: str | None, text: str | None) -> bool:
    """Whether `text` is the text of `version` with only its facts filled in (a known version, every other
    word as written)."""
    template = TEXTS.get(version or "")
    if template is None or text is None:
        return False
    parts = re.split(r"\{(\w+)\}", template)  # literal text and placeholder names, alternating
    pattern = "".join(re.escape(part) if i % 2 == 0 else "(.+?)" for i, part in enumerate(parts))
    return re.fullmatch(pattern, text, flags=re.DOTALL) is not None
