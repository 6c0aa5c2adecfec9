"""`/licenses users [--at-risk] [--page N]`: the flags, and the answer (kept apart from commands.py)."""

from __future__ import annotations

from bot.i18n import N_, _
from bot.usecases import lists, people
from handlers.blocks.messages import Message, at_risk_message, message, users_message
from handlers.blocks.mrkdwn import escape
from handlers.context import Ctx

USAGE = N_("Use `/licenses users`, `/licenses users --page 2`, `/licenses users --at-risk` or `--at-risk --page 2`.")
MAX_PAGE = 10_000


def parse(args: str) -> tuple[bool, int] | str:
    """(at risk?, 1-based page), or what is wrong (mrkdwn)."""
    at_risk, page = False, 1
    words = args.split()
    i = 0
    while i < len(words):
        word = words[i].lower()
        if word in ("--at-risk", "at-risk"):
            at_risk = True
        elif word == "--page" and i + 1 < len(words):
            i += 1
            raw = words[i]
            if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
                return _("`{text}` is not a page number.", text=escape(raw[:20])) + " " + _(USAGE)
            page = int(raw)
        else:
            return _("I do not know `{command}`.", command=escape(words[i][:40])) + " " + _(USAGE)
        i += 1
    return at_risk, page


def users_reply(ctx: Ctx, args: str) -> Message:
    parsed = parse(args)
    if isinstance(parsed, str):
        return message(parsed)
    at_risk, page = parsed
    if at_risk:
        return at_risk_message(lists.at_risk(ctx.deps.db, team=ctx.team, now=ctx.now(), page=page - 1, size=30))
    return users_message(people.users_overview(ctx.deps.db, team=ctx.team, now=ctx.now(), page=page))
