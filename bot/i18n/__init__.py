"""The languages licensebot speaks (nl, fr, en) and the one way a text is put in one of them.

Mark every text a person reads with `_("...")` (or `n_("1 license", "{n} licenses", n)` for a count);
the catalogs in bot/i18n/locales/<lang>/LC_MESSAGES/licensebot.po hold the Dutch and French (English is
the source language: the message ids). Placeholders are `{name}` fields filled by keyword:
`_("Request #{id} is saved", id=r.id)`; the translation must keep every placeholder (tests/test_i18n.py).

Which language: the context variable set by `use(lang)` (the worker, each variant of a queued message) or
bound lazily for a Slack request by `bind(resolve)` (handlers/context.py: resolved on the first text, after
the ack). How to add a text or a language: /work/notes/I18N_HOWTO.md and docs/i18n.md.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from bot.i18n.catalogs import translations

DEFAULT = "en"
LOCALES: dict[str, str] = {"en": "en", "nl": "nl_BE", "fr": "fr_BE"}
"""Language -> the Babel locale its dates and money are written in. Adding a language: a catalog + a line."""
LANGUAGES: tuple[str, ...] = tuple(LOCALES)
NAMES: dict[str, str] = {"en": "English", "nl": "Nederlands", "fr": "Français"}
"""Each language in its own words (the App Home selector, `/licenses language`)."""

T = TypeVar("T")


class _Lazy:
    """A language found only when the first text needs it (a Slack request: after the ack)."""

    def __init__(self, resolve: Callable[[], str]) -> None:
        self._resolve: Callable[[], str] | None = resolve
        self._lang = DEFAULT

    def get(self) -> str:
        if self._resolve is not None:
            resolve, self._resolve = self._resolve, None
            try:
                self._lang = known(resolve())
            except Exception:  # a language is never a reason for an answer to fail: the default then
                self._lang = DEFAULT
        return self._lang


_current: contextvars.ContextVar[str | _Lazy] = contextvars.ContextVar("licensebot_language", default=DEFAULT)


def known(lang: str | None) -> str:
    """`lang` when we speak it, else the default."""
    return lang if lang in LOCALES else DEFAULT


def language() -> str:
    """The language texts are put in now."""
    value = _current.get()
    return value if isinstance(value, str) else value.get()


def locale() -> str:
    """The Babel locale of the current language (`nl_BE`)."""
    return LOCALES[language()]


@contextmanager
def use(lang: str | None) -> Iterator[str]:
    """Put every text in `lang` (unknown: the default) inside the block."""
    token = _current.set(known(lang))
    try:
        yield known(lang)
    finally:
        _current.reset(token)


def bind(resolve: Callable[[], str]) -> None:
    """This request's language, found by `resolve()` when the first text needs it (once; a failure: en)."""
    _current.set(_Lazy(resolve))


def _(msgid: str, **params: Any) -> str:
    """`msgid` in the current language, its `{placeholders}` filled from `params`."""
    text = translations(language()).gettext(msgid)
    return text.format(**params) if params else text


def n_(singular: str, plural: str, n: int, **params: Any) -> str:
    """The plural form for `n` in the current language; `{n}` and `params` filled."""
    return translations(language()).ngettext(singular, plural, n).format(n=n, **params)


TITLE = "modal title"
"""The context of a text that is also a modal title (24 characters at most in every language): the same
English as a button ("Deactivate users") may need a shorter translation there."""


def p_(context: str, msgid: str, **params: Any) -> str:
    """`msgid` in the current language as said in `context` (gettext's msgctxt)."""
    text = translations(language()).pgettext(context, msgid)
    return text.format(**params) if params else text


def T_(context: str, msgid: str) -> str:
    """Marks a text of a context for the catalogs without translating it (`p_(context, X)` later)."""
    return msgid


def N_(msgid: str) -> str:
    """Marks a text for the catalogs without translating it (a constant put in a language later by `_(X)`)."""
    return msgid


def each_language(render: Callable[[], T]) -> dict[str, T]:
    """`render()` once in every language."""
    out: dict[str, T] = {}
    for lang in LANGUAGES:
        with use(lang):
            out[lang] = render()
    return out


VARIANTS = "i18n"
"""The key of a queued message's other languages: {"text", "blocks", "i18n": {"nl": {...}, "fr": {...}}}."""


def variants(render: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A message to queue: the English one with the others under VARIANTS; the sender picks the recipient's
    language when it sends it (`pick`). A message queued before (no VARIANTS) is English only."""
    every = each_language(render)
    message = dict(every.pop(DEFAULT))
    message[VARIANTS] = every
    return message


def pick(payload: dict[str, Any], lang: str | None) -> dict[str, Any]:
    """The message of a queued payload in `lang` (English when that variant is missing)."""
    others = payload.get(VARIANTS)
    if isinstance(others, dict) and lang in others and isinstance(others[lang], dict):
        return dict(others[lang])
    return {k: v for k, v in payload.items() if k != VARIANTS}


def from_slack_locale(slack_locale: object) -> str | None:
    """The language of a Slack locale (`fr-FR`, `nl-NL`, `en-US`) when we speak it, else None."""
    if not isinstance(slack_locale, str) or not slack_locale:
        return None
    lang = slack_locale.replace("_", "-").split("-")[0].lower()
    return lang if lang in LOCALES else None


def choose(choice: str | None, slack_locale: str | None, account: str | None) -> str:
    """Whose language: the person's own choice, else their Slack locale when we speak it, else the account's."""
    if choice in LOCALES:
        return str(choice)
    by_locale = from_slack_locale(slack_locale)
    if by_locale is not None:
        return by_locale
    return known(account)
