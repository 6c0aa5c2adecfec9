"""Settings from the environment and the one factory that builds the Bolt app."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

from slack_bolt import App
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryState
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.core.errors import UserError
from handlers import register
from handlers.deps import Deps
from handlers.followup import AfterAck, Together
from handlers.observe import ContextExecutor, CountRateLimits, TrackedApp

DEFAULT_API_URL = "https://slack.com/api/"
LISTENER_THREADS = 32
RATE_LIMIT_WAIT = 3
"""Seconds a listener waits out a 429 (Retry-After) before it calls once more; longer limits fail at once."""


class _TokenIsTheClients(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and, given a client as well, warns at every
    start that the token will be unused; it is the client's own token (the same setting), so the warning
    says nothing. Only that one message is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


BOLT_LOGGER = logging.getLogger("licensebot.slack")
BOLT_LOGGER.addFilter(_TokenIsTheClients())


class BriefRateLimitRetry(RateLimitErrorRetryHandler):
    """Retry a 429 once when Slack asks to wait at most RATE_LIMIT_WAIT s (a person is waiting; a trigger
    id lives 3 s). The worker's sender has its own, more patient client (handlers/webapi.py)."""

    def __init__(self) -> None:
        super().__init__(max_retry_count=1)

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = next((v[0] for k, v in response.headers.items() if k.lower() == "retry-after" and v), "1")
        return str(wait).strip().isdigit() and int(str(wait).strip()) <= RATE_LIMIT_WAIT


@dataclass(frozen=True)
class Settings:
    bot_token: str
    signing_secret: str
    """Empty in Socket Mode (Slack does not sign Socket Mode envelopes)."""
    app_token: str | None = None
    api_url: str = DEFAULT_API_URL

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET (HTTP mode), SLACK_APP_TOKEN, SLACK_API_URL.

        Raises UserError naming every missing setting in one line.
        """
        env = os.environ if env is None else env
        token = env.get("SLACK_BOT_TOKEN", "").strip()
        secret = env.get("SLACK_SIGNING_SECRET", "").strip()
        app_token = env.get("SLACK_APP_TOKEN", "").strip() or None
        missing = [] if token else ["SLACK_BOT_TOKEN"]
        if not app_token and not secret:
            missing.append("SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)")
        if missing:
            raise UserError(f"missing settings: {', '.join(missing)}; set them in the environment (see docs/slack.md)")
        if app_token and not app_token.startswith("xapp-"):
            raise UserError("SLACK_APP_TOKEN must be an app-level token (xapp-…) with connections:write")
        api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
        if not api_url.endswith("/"):
            api_url += "/"
        return cls(bot_token=token, signing_secret=secret, app_token=app_token, api_url=api_url)


def build_app(
    settings: Settings,
    deps: Deps,
    *,
    process_before_response: bool = False,
    token_verification: bool = True,
    listener_threads: int = LISTENER_THREADS,
) -> App:
    """The Bolt app with every listener registered.

    `process_before_response` must stay False over HTTP in production (ack first, slow work after,
    within Slack's 3 s); tests set it True so that everything has happened when the response returns.
    `listener_threads` run the listeners: ack() comes from one of them, so while all are busy new requests
    wait for their ack; Bolt's default of 5 is too few. The work after an ack runs on a pool of its own
    (handlers/followup.py) unless `process_before_response`.
    """
    client = WebClient(token=settings.bot_token, base_url=settings.api_url)
    client.retry_handlers[:0] = [CountRateLimits()]
    client.retry_handlers.append(BriefRateLimitRetry())
    app = TrackedApp(
        name="licensebot",
        logger=BOLT_LOGGER,
        client=client,
        signing_secret=settings.signing_secret or None,
        request_verification_enabled=not settings.socket_mode or bool(settings.signing_secret),
        token_verification_enabled=token_verification,
        process_before_response=process_before_response,
        listener_executor=ContextExecutor(max_workers=listener_threads, thread_name_prefix="listener"),
    )
    if not process_before_response:
        # acks never wait for earlier requests' work; a change's Web API calls go out at the same time
        deps = replace(deps, after_ack=AfterAck(), together=Together())
    register(app, deps)
    return app
