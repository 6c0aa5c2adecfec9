"""`/licenses [sub-command]`: one command, a table of sub-commands; unknown text shows the help.

Every sub-command runs after `ack()`: Slack gets its answer at once and the reply follows through the
command's response_url (ephemeral). One exception: a status is answered in the ack's own body when its page
is ready at once and the process keeps up (handlers/quick.py); otherwise it runs after the ack too.
Add a sub-command by adding it to SUBCOMMANDS.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import usecases
from bot.core.audit import Actor
from bot.core.errors import UserError
from bot.core.ids import CHANNEL_ID, MENTION
from bot.i18n import N_, _, variants
from handlers import cancel as cancel_feature
from handlers import consent as consent_feature
from handlers import deactivate as deactivate_feature
from handlers import language as language_feature
from handlers import link as link_feature
from handlers import switch as switch_feature
from handlers.admins import with_admins_linked
from handlers.blocks.consent import consent_section
from handlers.blocks.deactivation import reactivated_message
from handlers.blocks.messages import (
    Message,
    channel_set_message,
    channel_welcome,
    help_message,
    history_message,
    message,
)
from handlers.blocks.mrkdwn import escape
from handlers.blocks.page import page_blocks, page_text
from handlers.context import Ctx
from handlers.deps import Deps
from handlers.errors import after_saving
from handlers.followup import at_once, later
from handlers.home import refresh_admin_homes
from handlers.ids import Command
from handlers.quick import QuickAnswers
from handlers.reduce import open_reduce
from handlers.users_args import users_reply

SubCommand = Callable[[Ctx, str, dict[str, Any]], None]
"""(request, the text after the sub-command name, the slash-command payload)."""
HISTORY_LENGTH = 15


def status_message(ctx: Ctx) -> Message:
    snap = with_admins_linked(ctx, ctx.snapshot())
    consents = consent_section(snap.viewer, snap.consents)
    return message(page_text(snap.page), page_blocks(snap.page, snap.viewer, consents))


def status(ctx: Ctx, _args: str, _command: dict[str, Any]) -> None:
    ctx.reply(status_message(ctx))


def reduce(ctx: Ctx, args: str, command: dict[str, Any]) -> None:
    open_reduce(ctx, str(command.get("trigger_id") or ""), args or None)


def cancel(ctx: Ctx, _args: str, _command: dict[str, Any]) -> None:
    cancel_feature.ask(ctx)


def users(ctx: Ctx, args: str, _command: dict[str, Any]) -> None:
    """`/licenses users [--at-risk] [--page N]` (handlers/users_args.py reads the flags)."""
    if ctx.require_admin() is not None:
        ctx.reply(users_reply(ctx, args))


def deactivate(ctx: Ctx, args: str, command: dict[str, Any]) -> None:
    deactivate_feature.from_command(ctx, args, str(command.get("trigger_id") or ""))


def reactivate(ctx: Ctx, args: str, _command: dict[str, Any]) -> None:
    """`/licenses reactivate @user`: one user deactivated by hand, if a license is free."""
    user_ids = MENTION.findall(args)
    if len(user_ids) != 1 or MENTION.sub(" ", args).strip():
        ctx.reply(message(_("Use `/licenses reactivate @user`: one user at a time; nothing was changed.")))
        return
    if ctx.require_admin() is None:
        return
    try:
        done = usecases.reactivate_member(
            ctx.deps.db, team=ctx.team, actor=Actor.slack(ctx.user), slack_user_id=user_ids[0], now=ctx.now()
        )
    except UserError as exc:
        ctx.reply(message(escape(exc.message)))
        return
    with after_saving(N_("The reactivation")):
        ctx.reply(reactivated_message(done))
        refresh_admin_homes(ctx)


def channel(ctx: Ctx, _args: str, command: dict[str, Any]) -> None:
    channel_id = str(command.get("channel_id") or "")
    if not CHANNEL_ID.match(channel_id):
        ctx.reply(message(_("Run `/licenses channel` in the channel that should get the admin posts (not in a DM).")))
        return
    if ctx.require_admin() is None:
        return
    key = usecases.set_admin_channel(
        ctx.deps.db,
        team=ctx.team,
        actor=Actor.slack(ctx.user),
        channel=channel_id,
        now=ctx.now(),
        announce=lambda channel, terms: [(channel, variants(lambda: channel_welcome(terms.name)))],
    )
    with after_saving(N_("The admin channel")):
        ctx.reply(channel_set_message(channel_id, posted=ctx.deliver(key)))


def history(ctx: Ctx, _args: str, _command: dict[str, Any]) -> None:
    if ctx.require_admin() is None:
        return
    page = usecases.license_page(ctx.deps.db, team=ctx.team, now=ctx.now())
    entries = usecases.history(ctx.deps.db, team=ctx.team, limit=HISTORY_LENGTH)
    ctx.reply(history_message(page.terms.name, entries, page.terms.timezone))


def show_help(ctx: Ctx, _args: str, _command: dict[str, Any]) -> None:
    ctx.reply(help_message())


SUBCOMMANDS: dict[str, SubCommand] = {
    "": status,
    "status": status,
    "reduce": reduce,
    "cancel": cancel,
    "plan": switch_feature.show_plan,
    "users": users,
    "deactivate": deactivate,
    "reactivate": reactivate,
    "consent": consent_feature.from_command,
    "channel": channel,
    "history": history,
    "help": show_help,
    "link": link_feature.from_command,
    "language": language_feature.from_command,
}


def dispatch(ctx: Ctx, command: dict[str, Any]) -> None:
    name, _sep, rest = str(command.get("text") or "").strip().partition(" ")
    handler = SUBCOMMANDS.get(name.lower())
    if handler is None:
        msg = help_message()
        close = difflib.get_close_matches(name.lower()[:40], [n for n in SUBCOMMANDS if n], n=1, cutoff=0.6)
        hint = " " + _("Did you mean `{command}`?", command=close[0]) if close else ""
        unknown = _("I do not know `{command}`.", command=escape(name))
        msg["blocks"].insert(0, {"type": "section", "text": {"type": "mrkdwn", "text": f"{unknown}{hint}"}})
        ctx.reply(msg)
        return
    handler(ctx, rest.strip(), command)


def opens_a_modal(text: str) -> bool:
    """Sub-commands that open a modal with the command's trigger id (valid 3 s) run in the listener, at once
    (only views.open: the modal is filled after the ack); every other one runs after the ack."""
    name, _sep, rest = text.strip().partition(" ")
    return name.lower() == "reduce" or (name.lower() == "deactivate" and not rest.strip())


def is_status(text: str) -> bool:
    return text.strip().lower() in ("", "status")


def register(app: App, deps: Deps) -> None:
    quick = QuickAnswers(deps)

    @app.command(Command.LICENSES)
    def licenses(ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
        if is_status(str(command.get("text") or "")):
            answer = quick.answer(context, client, respond, status_message)
            if answer is not None:  # the page in the ack itself (handlers/quick.py)
                ack({"response_type": "ephemeral", "text": answer["text"], "blocks": answer["blocks"]})
                return
        ack()
        ctx = Ctx.of(deps, context, client, respond)
        run = at_once if opens_a_modal(str(command.get("text") or "")) else later
        run(ctx, lambda: dispatch(ctx, command))
