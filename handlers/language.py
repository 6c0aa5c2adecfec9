"""The language licensebot writes to a person in: `/licenses language nl|fr|en` and the App Home selector.

The choice is the person's own (bot/usecases/languages.py); without one, their Slack locale when we speak
it, else the account's language. Saying so is answered in the new language at once.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot import i18n
from bot.i18n import _
from bot.usecases import languages
from handlers.blocks.messages import message
from handlers.blocks.mrkdwn import escape
from handlers.context import Ctx
from handlers.deps import Deps
from handlers.followup import acked
from handlers.home import publish_home
from handlers.ids import Action

AUTO = "auto"
"""`/licenses language auto`: forget the choice (the Slack locale, else the account's language, again)."""


def usage() -> str:
    names = ", ".join(f"`{lang}` ({i18n.NAMES[lang]})" for lang in i18n.LANGUAGES)
    return _(
        "Use `/licenses language nl`, `fr` or `en`: the language licensebot writes to you in ({names}). "
        "`/licenses language auto` follows your Slack language again, else the account's.",
        names=names,
    )


def choose(ctx: Ctx, choice: str | None) -> str:
    """Store the choice; returns the language the person now reads."""
    languages.choose_language(ctx.deps.db, team=ctx.team, user_id=ctx.user, language=choice, now=ctx.now())
    return choice or ctx.language()


def from_command(ctx: Ctx, args: str, _command: dict[str, Any]) -> None:
    wanted = args.strip().lower()
    if not wanted:
        current = i18n.NAMES[i18n.language()]
        ctx.reply(message(_("licensebot writes to you in {language}.", language=current) + " " + usage()))
        return
    if wanted != AUTO and wanted not in i18n.LOCALES:
        ctx.reply(message(_("I do not know the language `{wanted}`.", wanted=escape(wanted[:20])) + " " + usage()))
        return
    lang = choose(ctx, None if wanted == AUTO else wanted)
    with i18n.use(lang):
        ctx.reply(
            message(
                _(":white_check_mark: From now on licensebot writes to you in {language}.", language=i18n.NAMES[lang])
            )
        )
        _refresh_home(ctx)


def _refresh_home(ctx: Ctx) -> None:
    publish_home(ctx, ctx.user)


def _from_selector(ctx: Ctx, body: dict[str, Any]) -> None:
    action = (body.get("actions") or [{}])[0]
    value = ((action.get("selected_option") or {}).get("value")) if isinstance(action, dict) else None
    if not isinstance(value, str) or value not in i18n.LOCALES:
        return  # not one of our options: nothing to change (the Home shows the language it had)
    lang = choose(ctx, value)
    with i18n.use(lang):
        _refresh_home(ctx)


def register(app: App, deps: Deps) -> None:
    app.action(Action.CHOOSE_LANGUAGE)(acked(deps, _from_selector))
