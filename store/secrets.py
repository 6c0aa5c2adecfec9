"""Secrets at rest: Slack bot/refresh tokens and Teamleader access/refresh tokens are stored encrypted.

`SecretText` is the column type of every token column. With LICENSEBOT_SECRET_KEY set (one or more
comma-separated Fernet keys; the first one encrypts, all of them decrypt: MultiFernet, so a new key goes
first and an old one stays listed until `licensebot secrets rotate` has re-encrypted every row) a value
is written as `fernet:<token>`. A value without that prefix is a plain row from before encryption: it
is read as it is and encrypted by `rotate` (or the next write). Without any key a value is written
plain (single-workspace mode without Teamleader keeps working with no setup; `serve` in OAuth mode
refuses to start without a key, see bot/cli/serve.py) and an encrypted value cannot be read (one
clear error naming the variable).

Why cryptography in the store: the store is the one place that reads and writes these columns, and a
column type is where SQLAlchemy lets a value be transformed on its way in and out, so nothing else can
forget to encrypt. The contract "store-is-a-leaf" (pyproject.toml) names cryptography for this module.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Dialect, Text, TypeDecorator

from bot.core.errors import UserError

ENV = "LICENSEBOT_SECRET_KEY"
PREFIX = "fernet:"


class SecretKeyError(UserError):
    """LICENSEBOT_SECRET_KEY is missing, malformed, or does not open a stored secret."""


def new_key() -> str:
    """A fresh Fernet key (what LICENSEBOT_SECRET_KEY holds)."""
    return Fernet.generate_key().decode()


@dataclass(frozen=True)
class Keyring:
    first: Fernet
    """Encrypts."""
    all: MultiFernet
    """Decrypts (any listed key)."""

    def encrypt(self, plain: str) -> str:
        return PREFIX + self.first.encrypt(plain.encode()).decode()


def parse_keys(raw: str) -> Keyring | None:
    """The keyring of a LICENSEBOT_SECRET_KEY value (None when empty); SecretKeyError when a key is bad."""
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    if not keys:
        return None
    fernets = []
    for n, key in enumerate(keys, 1):
        try:
            fernets.append(Fernet(key.encode()))
        except (ValueError, TypeError):
            raise SecretKeyError(
                f"{ENV}: key {n} is not a Fernet key (32 url-safe base64 bytes; `licensebot secrets new-key` makes one)"
            ) from None
    return Keyring(first=fernets[0], all=MultiFernet(fernets))


_lock = threading.Lock()
_cache: tuple[str, Keyring | None] = ("", None)


def keyring(env: Mapping[str, str] | None = None) -> Keyring | None:
    """The keyring from LICENSEBOT_SECRET_KEY (read each time, parsed once per value)."""
    global _cache
    raw = (os.environ if env is None else env).get(ENV, "")
    with _lock:
        if _cache[0] != raw:
            _cache = (raw, parse_keys(raw))
        return _cache[1]


def has_key(env: Mapping[str, str] | None = None) -> bool:
    return keyring(env) is not None


def is_encrypted(stored: str | None) -> bool:
    return stored is not None and stored.startswith(PREFIX)


def encrypt(plain: str) -> str:
    """`fernet:<token>` under the first key; the plain value when no key is set."""
    ring = keyring()
    if ring is None:
        return plain
    return ring.encrypt(plain)


def decrypt(stored: str) -> str:
    """The plain value of a stored one (a plain legacy row is returned as it is)."""
    if not is_encrypted(stored):
        return stored
    ring = keyring()
    if ring is None:
        raise SecretKeyError(f"a stored token is encrypted but {ENV} is not set")
    try:
        return ring.all.decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise SecretKeyError(f"a stored token does not open with any key in {ENV} (was a key removed?)") from None


def reencrypted(stored: str) -> str | None:
    """The stored value encrypted under the first key, or None when it already is."""
    ring = keyring()
    if ring is None:
        raise SecretKeyError(f"{ENV} is not set: nothing to encrypt with")
    if is_encrypted(stored):
        try:
            ring.first.decrypt(stored[len(PREFIX) :].encode())
            return None  # already under the first key: leave the row alone
        except InvalidToken:
            pass
    return ring.encrypt(decrypt(stored))


class SecretText(TypeDecorator[str]):
    """A text column whose value is encrypted in the database (see the module docstring)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or is_encrypted(value):
            return value
        return encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else decrypt(value)
