"""Remind me later (early reminder DMs): the button's value names the reminder and the choice."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pendulum
from slack_bolt import App

from bot.core.audit import Actor
from bot.core.errors import UserError
from bot.core.schedule import MAX_REMINDER_DAYS, SNOOZE_CHOICES
from bot.i18n import _
from bot.i18n.formats import day
from bot.usecases.snooze import snooze_reminder
from handlers.blocks.messages import message
from handlers.blocks.mrkdwn import escape
from handlers.blocks.state import action_value
from handlers.context import Ctx
from handlers.deps import Deps
from handlers.followup import acked
from handlers.ids import Action


@dataclass(frozen=True)
class SnoozeRef:
    renewal: date
    days_before: int
    choice: int

    @classmethod
    def load(cls, text: object) -> SnoozeRef | None:
        if not isinstance(text, str) or len(text) > 100:
            return None
        try:
            data = json.loads(text)
            renewal, days, choice = date.fromisoformat(data["r"]), data["d"], data["n"]
        except (ValueError, KeyError, TypeError):
            return None
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (days, choice)):
            return None
        if not 0 <= days <= MAX_REMINDER_DAYS or choice not in SNOOZE_CHOICES:
            return None
        return cls(renewal, days, choice)


def snooze(ctx: Ctx, value: object) -> None:
    ref = SnoozeRef.load(value)
    if ref is None:
        raise UserError(_("That button does not name a reminder; nothing was snoozed."))
    done = snooze_reminder(
        ctx.deps.db,
        team=ctx.team,
        actor=Actor.slack(ctx.user),
        renewal=ref.renewal,
        days_before=ref.days_before,
        choice=ref.choice,
        now=ctx.now(),
    )
    local = pendulum.instance(done.until).in_timezone(done.timezone)
    clock = local.format("HH:mm")
    ctx.reply(
        message(
            _(
                ":alarm_clock: Snoozed: I remind you again on {day} at {time} ({timezone}). The admin channel and "
                "the other admins are reminded as usual.",
                day=day(local.date()),
                time=clock,
                timezone=escape(done.timezone),
            )
        )
    )


def _clicked(ctx: Ctx, body: dict[str, Any]) -> None:
    snooze(ctx, action_value(body))


def register(app: App, deps: Deps) -> None:
    app.action(Action.SNOOZE)(acked(deps, _clicked))
