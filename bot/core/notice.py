"""A queued notice: what a reminder, an "all set" message or the unused-seats note needs, not its Block Kit.

The tick queues `encode(notice)` (a few hundred bytes of JSON: the license page as these messages read it,
without the roster's members) and the sender renders it at send time in the reader's language
(bot/worker/ports.py `Render`, handlers/blocks/rendered.py). A payload without NOTICE is a message queued
whole (Block Kit in every language, bot/i18n `variants`): it is sent as stored.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar, Union

from bot.core.page import AccountTerms, LicensePage
from bot.core.policy import Roster
from bot.core.results import ReminderNote, Submitted

NOTICE = "notice"
"""The payload key naming a notice's kind."""
VERSION = 1
T = TypeVar("T")


@dataclass(frozen=True)
class Reminder:
    page: LicensePage
    days_before: int
    note: ReminderNote


@dataclass(frozen=True)
class AllSet:
    page: LicensePage


@dataclass(frozen=True)
class UnusedSeats:
    page: LicensePage


@dataclass(frozen=True)
class RequestSubmitted:
    """A stored reduction request told to its requester (a DM), or with `requester` in the admin channel:
    queued as this (a few hundred bytes) and worded once, at send time, in its reader's language (was
    worded in every language before the submission's commit: bot/i18n `variants`)."""

    done: Submitted
    terms: AccountTerms
    requester: str | None = None


Notice = Reminder | AllSet | UnusedSeats | RequestSubmitted
KINDS: dict[str, type[Reminder] | type[AllSet] | type[UnusedSeats] | type[RequestSubmitted]] = {
    "reminder": Reminder,
    "all_set": AllSet,
    "unused_seats": UnusedSeats,
    "request_submitted": RequestSubmitted,
}


class NoticeError(ValueError):
    """A payload that is not a notice this code can read."""


def slim(page: LicensePage) -> LicensePage:
    """The page as the notices read it: the counts, the pending request, who would go (the preview), not the
    roster's members, the lines or the Teamleader link."""
    return replace(page, roster=Roster(active=page.roster.active, members=()), addons=(), package=None, teamleader=None)


def page_data(page: LicensePage) -> object:
    """The page as a notice stores it (`encode`'s `page`: the notices of one account share it)."""
    return _to_data(slim(page))


def encode(notice: Notice, *, page: object = None) -> dict[str, Any]:
    """The payload to queue; `page`: `page_data(notice.page)` when the caller has it already."""
    kind = next(k for k, cls in KINDS.items() if isinstance(notice, cls))
    data: dict[str, Any] = {NOTICE: kind, "v": VERSION}
    cls: type = type(notice)
    for f in _fields(cls):
        value = getattr(notice, f.name)
        data[f.name] = (page if page is not None else page_data(value)) if f.name == "page" else _to_data(value)
    return data


@functools.lru_cache(maxsize=64)
def _fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    return dataclasses.fields(cls)


@functools.lru_cache(maxsize=64)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def is_notice(payload: dict[str, Any]) -> bool:
    return isinstance(payload.get(NOTICE), str)


def decode(payload: dict[str, Any]) -> Notice:
    kind = payload.get(NOTICE)
    if kind not in KINDS or payload.get("v") != VERSION:
        raise NoticeError(f"not a notice this version can read: {kind!r} v{payload.get('v')!r}")
    cls = KINDS[str(kind)]
    try:
        decoded: Notice = _from_data(cls, {k: v for k, v in payload.items() if k not in (NOTICE, "v")})
        return decoded
    except (KeyError, TypeError, ValueError) as exc:
        raise NoticeError(f"a {kind} notice that cannot be read: {exc}") from exc


def _to_data(value: object) -> object:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_to_data(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_data(getattr(value, f.name)) for f in _fields(type(value))}
    raise TypeError(f"cannot encode {type(value).__name__}")


def _from_data(hint: Any, data: Any) -> Any:
    return _decoder(hint)(data)


@functools.lru_cache(maxsize=256)
def _decoder(hint: Any) -> Callable[[Any], Any]:
    """How to decode a value of type `hint`, worked out once per type (a notice is decoded per message sent)."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        inner = _decoder(next(a for a in typing.get_args(hint) if a is not type(None)))
        return lambda data: None if data is None else inner(data)
    if origin is tuple:
        item = _decoder(typing.get_args(hint)[0])
        return lambda data: tuple(item(v) for v in data)
    if hint is datetime:
        return datetime.fromisoformat
    if hint is date:
        return date.fromisoformat
    if hint is Decimal:
        return Decimal
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        cls: Any = hint
        fields = {name: _decoder(h) for name, h in _hints(hint).items() if name in {f.name for f in _fields(hint)}}

        def decode_dataclass(data: Any) -> Any:
            return cls(**{name: fields[name](v) for name, v in data.items() if name in fields})

        return decode_dataclass
    if hint in (int, str, bool):

        def exactly(data: Any) -> Any:
            if not isinstance(data, hint):
                raise TypeError(f"{data!r} is not {hint.__name__}")
            return data

        return exactly
    raise TypeError(f"cannot decode {hint!r}")
