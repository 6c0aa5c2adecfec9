"""Dates, money and instants in the current language (Babel, CLDR data).

- `day(d)`: a contract date (renewal, deadline): nl "donderdag 31 december 2026", fr "jeudi 31 décembre
  2026", en "Thu 31 Dec 2026" (English keeps its short form);
- `money(amount, "EUR")`: nl "39,00 €", fr "39,00 €", en "€39.00";
- `instant(at, tz)`: a moment a person should see in their own timezone: Slack's date token (each reader's
  Slack shows it in their timezone and language) with the account-local time as the fallback text.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

import pendulum
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal

from bot.i18n import LOCALES, language, locale

DAY_PATTERNS = {"en": "EEE dd MMM y"}
"""The day pattern of a language; others: CLDR's full date."""
MONEY_PATTERNS = {"nl": "#,##0.00\u00a0¤"}
"""Belgian Dutch writes the sign after the amount ("39,00 €"), as the vendor's invoices do."""


def day(d: date) -> str:
    return _day(d, language())


@lru_cache(maxsize=4096)
def _day(d: date, lang: str) -> str:
    """Formatted once per date and language: Babel parses the pattern and the locale's data on every call."""
    return format_date(d, DAY_PATTERNS.get(lang, "full"), locale=LOCALES[lang])


LONG_PATTERNS = {"en": "EEEE d MMMM y"}
"""English writes a long date as licensebot always did ("Thursday 26 November 2026"); others: CLDR's full."""


def long_day(d: date) -> str:
    """A date written out in full in every language (a consent request's date)."""
    return format_date(d, LONG_PATTERNS.get(language(), "full"), locale=locale())


def money(amount: Decimal, currency: str | None) -> str:
    return _money(amount, currency, language())


@lru_cache(maxsize=4096)
def _money(amount: Decimal, currency: str | None, lang: str) -> str:
    if not currency:
        return format_decimal(amount, format="#,##0.00", locale=LOCALES[lang])
    return format_currency(amount, currency, format=MONEY_PATTERNS.get(lang), locale=LOCALES[lang])


def number(n: int) -> str:
    return format_decimal(n, locale=locale())


def local_time(at: datetime, timezone: str) -> str:
    """An instant as a date and time in `timezone`, named: "Thu 26 Nov 2026 09:14 (Europe/Brussels)"."""
    return _local_time(at, timezone, language())


@lru_cache(maxsize=4096)
def _local_time(at: datetime, timezone: str, lang: str) -> str:
    """Once per instant, timezone and language (the recent activity shows the same entries again and again)."""
    local = pendulum.instance(at).in_timezone(timezone)
    clock = format_time(local.time(), "HH:mm", locale=LOCALES[lang])
    return f"{_day(local.date(), lang)} {clock} ({timezone})"


def instant(at: datetime, timezone: str, token: str = "{date_long} {time}") -> str:
    """A moment shown in each reader's own timezone (mrkdwn only): Slack's
    `<!date^epoch^{date_long} {time}|fallback>`, the fallback in the account's timezone."""
    epoch = int(pendulum.instance(at).timestamp())
    fallback = local_time(at, timezone).replace("|", "/").replace(">", "").replace("<", "")
    return f"<!date^{epoch}^{token}|{fallback}>"
