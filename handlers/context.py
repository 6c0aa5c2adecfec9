"""One Slack request as the listeners see it: who, which workspace, and how to answer them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import i18n
from bot.core.results import Viewer
from bot.usecases import languages, people, snapshot
from bot.usecases.snapshot import Snapshot
from bot.worker.fresh import Queued
from bot.worker.sender import DeliveryReport
from handlers.blocks.messages import Message, message
from handlers.blocks.page import not_admin_text
from handlers.deps import Deps
from handlers.keepalive import KeepAliveRespond
from handlers.webapi import deliver_now

log = logging.getLogger(__name__)


class NeedsSlack(Exception):
    """Raised instead of a Web API call by a Ctx that answers before its ack (`offline`, handlers/quick.py)."""


@dataclass
class Ctx:
    deps: Deps
    client: WebClient
    team: str
    user: str
    respond: Respond | None
    """Answers through the request's response_url (slash commands, buttons in messages); None without one."""
    offline: bool = False
    """Building an answer before the ack (handlers/quick.py): what would call Slack raises NeedsSlack."""

    @classmethod
    def of(
        cls,
        deps: Deps,
        context: BoltContext,
        client: WebClient,
        respond: Respond | None = None,
        *,
        offline: bool = False,
    ) -> Ctx:
        team = context.team_id or context.enterprise_id or ""
        answer = KeepAliveRespond.of(respond) if respond is not None and respond.response_url is not None else None
        ctx = cls(deps=deps, client=client, team=team, user=context.user_id or "", respond=answer, offline=offline)
        i18n.bind(ctx.language)  # found when the first text needs it: after the ack, one stored row at most
        return ctx

    def language(self) -> str:
        """The language of this request's user: their choice, else their Slack locale (asked of Slack once a
        week at most, kept in memory), else the account's."""
        return languages.language_of(
            self.deps.db, team=self.team, user_id=self.user, now=self.now(), locale_of=self.locale_of
        )

    def locale_of(self) -> str | None:
        """The user's Slack locale (users.info include_locale, users:read); None when Slack does not say."""
        if self.offline:
            raise NeedsSlack("users.info")
        try:
            user = self.client.users_info(user=self.user, include_locale=True).get("user") or {}
        except SlackApiError as exc:
            log.warning("users.info %s failed: %s", self.user, exc.response.get("error"))
            return None
        found = user.get("locale")
        return found if isinstance(found, str) and found else None

    def now(self) -> datetime:
        return self.deps.now()

    def email_of(self, user_id: str) -> str | None:
        """The email Slack knows for a user (users.info, needs users:read.email); None when unknown."""
        if self.offline:
            raise NeedsSlack("users.info")
        try:
            user = self.client.users_info(user=user_id).get("user") or {}
        except SlackApiError as exc:
            log.warning("users.info %s failed: %s", user_id, exc.response.get("error"))
            return None
        email = (user.get("profile") or {}).get("email")
        return email if isinstance(email, str) and email else None

    def viewer(self) -> Viewer:
        return people.identify(self.deps.db, team=self.team, user_id=self.user, now=self.now(), email_of=self.email_of)

    def snapshot(self, activity: int = 0) -> Snapshot:
        """The license page as this user sees it, read in one transaction (bot/usecases/snapshot.py)."""
        return snapshot.read(
            self.deps.db, team=self.team, user_id=self.user, now=self.now(), email_of=self.email_of, activity=activity
        )

    def require_admin(self) -> Viewer | None:
        """The viewer when they are an admin of the account; otherwise they are told who the admins are, and
        None (the caller stops: a refusal is an answer)."""
        viewer = self.viewer()
        if not viewer.is_admin:
            self.reply(message(not_admin_text(viewer)))
            return None
        return viewer

    def reply(self, msg: Message, *, replace: bool = False) -> None:
        """An answer only the user sees: ephemeral through response_url, else a DM from the app."""
        if self.respond is not None:
            self.respond(text=msg["text"], blocks=msg["blocks"], response_type="ephemeral", replace_original=replace)
        else:
            self.dm(self.user, msg)

    def deliver(self, key: str | None, queued: Sequence[Queued] | None = None) -> bool:
        """Send the announcements of a stored change (queued under `key` with it) now; False when some wait
        for the worker's retry (logged by the sender). `queued`: those rows as the change's transaction read
        them (else read here)."""
        report = self.deliver_report(key, queued)
        return not (report.retrying or report.failed or report.errors)

    def deliver_report(self, key: str | None, queued: Sequence[Queued] | None = None) -> DeliveryReport:
        """`deliver`, with what happened to each message."""
        if key is None:
            return DeliveryReport()
        return deliver_now(self.client, self.deps.db, key, self.now(), queued)

    def dm(self, user_id: str, msg: Message) -> bool:
        """Post in the app's Messages tab with `user_id` (chat:write). False (logged) when Slack refuses."""
        return self.post(user_id, msg)

    def post(self, channel: str, msg: Message) -> bool:
        try:
            self.client.chat_postMessage(channel=channel, text=msg["text"], blocks=msg["blocks"])
        except SlackApiError as exc:
            log.warning("chat.postMessage to %s failed: %s", channel, exc.response.get("error"))
            return False
        return True
