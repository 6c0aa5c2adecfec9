"""No token in any log line: slack_sdk logs its requests and responses at DEBUG, and an oauth.v2.access
answer carries the workspace's bot and refresh tokens (a token rotation request carries the refresh
token). `install()` adds a filter to the loggers that write them which replaces every Slack token, and
the values of token-like fields, by `[redacted]`.

A filter on a logger only sees that logger's own records, so it is added to each logger by name.
"""

from __future__ import annotations

import logging
import re

TOKEN = re.compile(r"\b(?:xoxe\.)?xox[a-z]-[0-9A-Za-z.\-]+|\bxoxe-[0-9A-Za-z.\-]+|\bxapp-[0-9A-Za-z.\-]+")
FIELD = re.compile(
    r"""(['"]?(?:access_token|refresh_token|bot_token|user_token|client_secret|code|token)['"]?\s*[:=]\s*)"""
    r"""(['"])[^'"]*\2"""
)
LOGGERS = (
    "slack_sdk",
    "slack_sdk.web.base_client",
    "slack_sdk.web.client",
    "slack_sdk.oauth.token_rotation.rotator",
    "slack_sdk.oauth.installation_store.sqlalchemy",
    "slack_sdk.oauth.state_store.sqlalchemy",
    "slack_bolt",
    "slack_bolt.oauth.oauth_flow",
    "slack_bolt.MultiTeamsAuthorization",
    "slack_bolt.RequestVerification",
    "licensebot.slack",
    "licensebot.slack.installs",
)


def redacted(text: str) -> str:
    return FIELD.sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]{m.group(2)}", TOKEN.sub("[redacted]", text))


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error handling
            return True
        clean = redacted(text)
        if clean != text:
            record.msg, record.args = clean, None
        return True


_FILTER = RedactTokens()


def install() -> None:
    """Add the filter to the loggers that write Slack requests and answers (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
