"""Whose language: a person's own choice, else their Slack locale when we speak it, else the account's.

The Slack locale is asked of Slack (users.info include_locale) only when it is not known or older than
LOCALE_TTL, and stored (`slack_people`): a listener reads one row, never calls Slack on every request.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot import i18n
from bot.usecases.ports import Database
from store import models

LOCALE_TTL = timedelta(days=7)
"""How long a Slack locale is trusted before users.info is asked again."""
LOCALE_STORED_TTL = timedelta(days=3)
"""A locale the worker stored (admins, with their timezone) is used this long before the listener asks."""

LocaleOf = Callable[[], str | None]
"""The person's Slack locale (users.info include_locale), `fr-FR`; None when Slack does not say."""


@dataclass(frozen=True)
class Known:
    """What is stored about a person's language."""

    choice: str | None
    slack_locale: str | None
    checked_at: datetime | None
    account: str


def _account_language(s: Session, team: str) -> str:
    lang = s.scalar(select(models.Account.language).where(models.Account.slack_team_id == team))
    return i18n.known(lang)


def known(db: Database, *, team: str, user_id: str) -> Known:
    with db.transaction(read_only=True) as s:
        person = s.get(models.SlackPerson, (team, user_id))
        return Known(
            choice=person.language if person else None,
            slack_locale=person.slack_locale if person else None,
            checked_at=person.locale_checked_at if person else None,
            account=_account_language(s, team),
        )


def _person(s: Session, team: str, user_id: str, now: datetime) -> models.SlackPerson:
    person = s.get(models.SlackPerson, (team, user_id))
    if person is None:
        person = models.SlackPerson(team_id=team, user_id=user_id, updated_at=now)
        s.add(person)
    return person


def store_locale(db: Database, *, team: str, user_id: str, slack_locale: str | None, now: datetime) -> None:
    """Remember the Slack locale of a person (None: Slack did not say; remembered too, until LOCALE_TTL)."""
    with db.transaction() as s:
        person = _person(s, team, user_id, now)
        person.slack_locale = slack_locale[:16] if slack_locale else None
        person.locale_checked_at = now
        person.updated_at = now


CACHE_TTL = timedelta(minutes=5)
"""How long a process reuses a person's language before it reads it again (a choice made in this process is
seen at once; in another process within CACHE_TTL)."""
_cache: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], tuple[str, datetime]]] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def _cached(db: Database, key: tuple[str, str], now: datetime) -> str | None:
    with _cache_lock:
        hit = _cache.get(db, {}).get(key)
    return hit[0] if hit is not None and hit[1] > now else None


def _remember(db: Database, key: tuple[str, str], lang: str | None, now: datetime) -> None:
    with _cache_lock:
        entries = _cache.setdefault(db, {})
        if lang is None:
            entries.pop(key, None)
        else:
            if len(entries) > 10_000:
                entries.clear()
            entries[key] = (lang, now + CACHE_TTL)


def language_of(db: Database, *, team: str, user_id: str, now: datetime, locale_of: LocaleOf | None = None) -> str:
    """The language to write to this person in (choice > Slack locale > account language); cached for
    CACHE_TTL per database (a request reads no row for it most of the time)."""
    cached = _cached(db, (team, user_id), now)
    if cached is not None:
        return cached
    lang = _language_of(db, team=team, user_id=user_id, now=now, locale_of=locale_of)
    _remember(db, (team, user_id), lang, now)
    return lang


_locales: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], tuple[str | None, datetime]]] = (
    weakref.WeakKeyDictionary()
)
"""Slack locales a listener asked for, per database, kept in memory for LOCALE_TTL: a listener never writes
(a refused action stores nothing); the worker stores admins' locales with their timezones."""


def _language_of(db: Database, *, team: str, user_id: str, now: datetime, locale_of: LocaleOf | None) -> str:
    k = known(db, team=team, user_id=user_id)
    if k.choice in i18n.LOCALES:
        return str(k.choice)
    if k.checked_at is not None and now - k.checked_at <= LOCALE_STORED_TTL:
        return i18n.choose(None, k.slack_locale, k.account)
    key = (team, user_id)
    with _cache_lock:
        hit = _locales.get(db, {}).get(key)
    if hit is not None and hit[1] > now:
        return i18n.choose(None, hit[0], k.account)
    slack_locale = k.slack_locale
    if locale_of is not None and user_id:
        slack_locale = locale_of()
        with _cache_lock:
            entries = _locales.setdefault(db, {})
            if len(entries) > 10_000:
                entries.clear()
            entries[key] = (slack_locale, now + LOCALE_TTL)
    return i18n.choose(None, slack_locale, k.account)


def choose_language(db: Database, *, team: str, user_id: str, language: str | None, now: datetime) -> str | None:
    """The person's own choice (None: forget it, follow the Slack locale / the account again)."""
    if language is not None and language not in i18n.LOCALES:
        raise ValueError(f"unknown language {language!r}")
    with db.transaction() as s:
        person = _person(s, team, user_id, now)
        person.language = language
        person.updated_at = now
    _remember(db, (team, user_id), language, now)
    return language


def languages_in(s: Session, team: str, user_ids: list[str], account_language: str | None = None) -> dict[str, str]:
    """Many people's languages in one query (no Slack call: the stored choice and locale, else the account's:
    `account_language` when the caller read the account already)."""
    account = _account_language(s, team) if account_language is None else i18n.known(account_language)
    rows = s.connection().execute(_LANGUAGES_IN, {"team": team, "users": user_ids}).all()
    found = {user: i18n.choose(choice, locale, account) for user, choice, locale in rows}
    return {user: found.get(user, account) for user in user_ids}


_PEOPLE = models.Base.metadata.tables[models.SlackPerson.__tablename__].c
_LANGUAGES_IN = select(_PEOPLE.user_id, _PEOPLE.language, _PEOPLE.slack_locale).where(
    _PEOPLE.team_id == bindparam("team"), _PEOPLE.user_id.in_(bindparam("users", expanding=True))
)
