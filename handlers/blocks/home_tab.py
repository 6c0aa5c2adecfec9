"""The App Home's parts that need no license page: the language selector, the Home of an unlinked workspace."""

from __future__ import annotations

from typing import Any

from bot.i18n import LANGUAGES, NAMES, _, language
from handlers.blocks.mrkdwn import Block, actions, button, escape, header, section
from handlers.ids import Action
from handlers.ids import Block as BlockId


def language_block() -> Block:
    """The App Home's language selector (a static_select; the choice is the person's own)."""
    options = [{"text": {"type": "plain_text", "text": NAMES[lang]}, "value": lang} for lang in LANGUAGES]
    current = next(o for o in options if o["value"] == language())
    return {
        "type": "section",
        "block_id": BlockId.LANGUAGE,
        "text": {"type": "mrkdwn", "text": _("*Language* · the language licensebot writes to you in")},
        "accessory": {
            "type": "static_select",
            "action_id": Action.CHOOSE_LANGUAGE,
            "options": options,
            "initial_option": current,
        },
    }


def unlinked_home_view(message: str, *, link: bool = False, notice: str | None = None) -> dict[str, Any]:
    """The Home of a workspace without account; `link`: with a field for the link code and a button,
    `notice`: the answer to the last try, on top."""
    blocks: list[Block] = [header(_("Licenses"))]
    if notice:
        blocks.append(section(escape(notice)))
    blocks.append(section(escape(message)))
    if link:
        blocks.append(
            {
                "type": "input",
                "block_id": BlockId.LINK_CODE,
                "optional": True,
                "label": {"type": "plain_text", "text": _("Link code")},
                "element": {
                    "type": "plain_text_input",
                    "action_id": Action.LINK_CODE_INPUT,
                    "max_length": 40,
                    "placeholder": {"type": "plain_text", "text": "XXXX-XXXX-XXXX"},
                },
                "hint": {
                    "type": "plain_text",
                    "text": _(
                        "The code your provider gave you. Only a workspace admin or owner can link the workspace."
                    ),
                },
            }
        )
        blocks.append(actions([button(_("Link this workspace"), Action.LINK_WORKSPACE, style="primary")]))
    blocks.append(language_block())
    return {"type": "home", "blocks": blocks}
