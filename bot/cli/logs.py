"""Logging, configured in one place for every command (`configure`, called by bot/cli/main.py).

- LOG_LEVEL: DEBUG, INFO (default; WARNING for `licensebot demo`, which prints its own story), WARNING,
  ERROR; `--debug` (or LICENSEBOT_DEBUG=1) means DEBUG.
- LOG_FORMAT: `text` (default: one line per record) or `json` (one JSON object per line, for a log
  collector): `ts` (UTC, ISO-8601 with milliseconds and Z), `level`, `logger`, `message`, and while a
  Slack request is handled its `team`, `user` and `request_id` (handlers/observe.py); `exc` holds a
  traceback.
- Never a token: Slack tokens (xoxb-…, xapp-…, …) in a message or a traceback are replaced by
  `xox…[redacted]` whatever logged them (SQLAlchemy hides statement parameters and rows: store/db.py).

Alembic's own INFO lines (its context, one per migration) are shown at DEBUG only: store/db.py logs
one line when it upgrades the schema.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Mapping
from typing import IO, Any

from bot.core.errors import UserError
from handlers.observe import FIELDS, RequestContext

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMATS = ("text", "json")
TOKEN = re.compile(r"\b(xox[abeoprs]|xapp)-[0-9A-Za-z-]+")
QUIET_BELOW_DEBUG = ("alembic",)
"""Loggers held at WARNING unless LOG_LEVEL is DEBUG."""


def redact(text: str) -> str:
    return TOKEN.sub(lambda m: m.group(1) + "-[redacted]", text)


_second: tuple[int, str] = (-1, "")
"""The last second formatted (every log line of that second reuses it)."""


def utc_timestamp(created: float) -> str:
    global _second
    whole, seconds = _second
    if whole != int(created):
        whole, seconds = int(created), time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
        _second = (whole, seconds)
    return f"{seconds}.{int(created % 1 * 1000):03d}Z"


class JsonFormatter(logging.Formatter):
    """One JSON object per record (see the module docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": utc_timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value:
                entry[name] = value
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        elif record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`2026-12-01T21:40:00.123Z INFO logger: message [team=T… user=U… request_id=…]`."""

    def format(self, record: logging.LogRecord) -> str:
        context = " ".join(f"{n}={getattr(record, n)}" for n in FIELDS if getattr(record, n, None))
        line = f"{utc_timestamp(record.created)} {record.levelname} {record.name}: {record.getMessage()}"
        if context:
            line += f" [{context}]"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        elif record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return redact(line)


_format = "text"
"""The LOG_FORMAT `configure` applied last."""


def say(text: str, *, stdout: bool = False) -> None:
    """A status line of a long-running command (started, stopping, a worker pass): printed as it is in the
    text format (stderr, or stdout for reports), an INFO record of the `licensebot` logger in JSON, so
    that a log collector reads every line."""
    if _format == "json":
        logging.getLogger("licensebot").info(text)
    else:
        print(text, file=sys.stdout if stdout else sys.stderr, flush=True)


class _Ours(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler `configure` installs (so that configuring again replaces it)."""


def settings(env: Mapping[str, str], *, debug: bool = False, default_level: str = "INFO") -> tuple[int, str]:
    """The level and format from LOG_LEVEL and LOG_FORMAT; UserError (exit 2) naming the bad one."""
    level_name = "DEBUG" if debug else (env.get("LOG_LEVEL") or default_level).strip().upper()
    if level_name not in LEVELS:
        raise UserError(f"LOG_LEVEL must be one of {', '.join(LEVELS)}, not {env.get('LOG_LEVEL')!r}")
    fmt = (env.get("LOG_FORMAT") or "text").strip().lower()
    if fmt not in FORMATS:
        raise UserError(f"LOG_FORMAT must be text or json, not {env.get('LOG_FORMAT')!r}")
    return logging.getLevelName(level_name), fmt


def handler(fmt: str, stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing records in `fmt` ("text" or "json") with the Slack request context."""
    out = _Ours(stream if stream is not None else sys.stderr)
    out.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    out.addFilter(RequestContext())
    return out


def configure(
    env: Mapping[str, str] | None = None,
    *,
    debug: bool = False,
    default_level: str = "INFO",
    stream: IO[str] | None = None,
    force: bool = False,
) -> None:
    """Send every log record to stderr (or `stream`) in the configured format and level.

    Like logging.basicConfig, it leaves a root logger that already has other handlers alone (a test
    runner capturing logs) unless `force`."""
    global _format
    level, fmt = settings(os.environ if env is None else env, debug=debug, default_level=default_level)
    _format = fmt
    root = logging.getLogger()
    others = [h for h in root.handlers if not isinstance(h, _Ours)]
    if others and not force:
        return
    for old in [h for h in root.handlers if isinstance(h, _Ours)]:
        root.removeHandler(old)
    root.addHandler(handler(fmt, stream))
    root.setLevel(level)
    for name in QUIET_BELOW_DEBUG:
        logging.getLogger(name).setLevel(logging.NOTSET if level <= logging.DEBUG else logging.WARNING)
