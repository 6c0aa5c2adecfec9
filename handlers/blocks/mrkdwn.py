"""Small Block Kit and mrkdwn helpers. `escape()` is the one way people's text enters mrkdwn.

Rule: every text that came from people (names, emails, account names, numbers typed in, error
messages that quote them) goes through `escape()` before it is put into a `mrkdwn` text object or a
message's `text`. `plain_text` objects (headers, option labels, modal titles) are not parsed by
Slack for mentions or links, so they carry the raw text (cut to Slack's length limits).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from bot.core.ids import CHANNEL_ID, USER_ID
from bot.i18n import _, n_

Block = dict[str, Any]

SECTION_LIMIT = 3000
MESSAGE_BLOCKS = 50
MESSAGE_TEXT_BUDGET = 12_000
"""Characters of text in all of a message's blocks together: Slack refuses long messages
(`msg_blocks_too_long`) far below 50 full sections. Lists are built to stay inside it; `fit` checks."""
FALLBACK_LIMIT = 4_000
"""A message's `text` (the notification fallback) is cut to this."""
NAME_LIMIT = 250
"""A person's name as it enters mrkdwn (escaped): at most this many characters (names are stored with
up to 200; only names full of `&`, `<`, `>` are cut)."""


def escape(text: object) -> str:
    """Escape `&`, `<` and `>` so Slack shows the text as typed: no mention, no link, no ping. What people
    wrote stays on its line: line breaks and other control characters become spaces, bidirectional and
    other formatting characters are dropped (names have none: bot.core.text.clean_name; this covers the rest)."""
    shown = "".join(_shown(ch) for ch in str(text))
    return shown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _shown(ch: str) -> str:
    category = unicodedata.category(ch)
    if category == "Cf":
        return ""
    return " " if category in ("Cc", "Zl", "Zp") else ch


def name_text(name: str, limit: int = NAME_LIMIT) -> str:
    """A person's name for mrkdwn: escaped, at most `limit` characters (cut with "…")."""
    text = escape(name)
    if len(text) <= limit:
        return text
    raw = name[: limit - 1]
    while len(escape(raw)) > limit - 1:
        raw = raw[:-1]
    return escape(raw) + "…"


def mention(user_id: str) -> str:
    """A user mention for a well-formed Slack user id, else the escaped text."""
    return f"<@{user_id}>" if USER_ID.match(user_id) else escape(user_id)


def channel_link(channel_id: str) -> str:
    return f"<#{channel_id}>" if CHANNEL_ID.match(channel_id) else escape(channel_id)


def actor(label: str) -> str:
    """Who did something, from an audit/request label: a Slack user id or the operator (`cli`)."""
    if USER_ID.match(label):
        return mention(label)
    return "an operator" if label == "cli" else escape(label)


def plain(text: str, limit: int = 3000) -> dict[str, Any]:
    cut = text if len(text) <= limit else text[: limit - 1] + "…"
    return {"type": "plain_text", "text": cut, "emoji": True}


def md(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, 150)}


def section(text: str, *, block_id: str | None = None, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": md(_cut(text))}
    if block_id:
        block["block_id"] = block_id
    if accessory:
        block["accessory"] = accessory
    return block


def fields(*texts: str) -> Block:
    return {"type": "section", "fields": [md(_cut(t, 2000)) for t in texts[:10]]}


def context(text: str) -> Block:
    return {"type": "context", "elements": [md(_cut(text, 2000))]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    *,
    value: str | None = None,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> Block:
    element: Block = {"type": "button", "text": plain(text, 75), "action_id": action_id}
    if value is not None:
        element["value"] = value
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def confirm_dialog(title: str, text: str, yes: str, no: str, *, danger: bool = False) -> dict[str, Any]:
    dialog: dict[str, Any] = {
        "title": plain(title, 100),
        "text": md(_cut(text, 300)),
        "confirm": plain(yes, 30),
        "deny": plain(no, 30),
    }
    if danger:
        dialog["style"] = "danger"
    return dialog


def danger_button(
    text: str, action_id: str, value: str, *, title: str, question: str, yes: str, no: str, red_confirm: bool = True
) -> Block:
    """A red button that asks first: Slack shows `question` in a dialog titled `title` (`yes` / `no`)."""
    dialog = confirm_dialog(title, question, yes, no, danger=red_confirm)
    return button(text, action_id, value=value, style="danger", confirm=dialog)


def request_form(callback_id: str, title: str, metadata: str, blocks: list[Block]) -> dict[str, Any]:
    """A modal that files a request: `title` (at most 24 characters), Request / Cancel, `metadata` carried to
    the submission (what the form showed)."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "submit": plain(_("Request")),
        "close": plain(_("Cancel")),
        "private_metadata": metadata,
        "blocks": blocks,
    }


def actions(elements: Sequence[Block], *, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def line_sections(lines: Iterable[str], *, limit: int = SECTION_LIMIT) -> list[Block]:
    """Lines packed into as few section blocks as fit Slack's text limit."""
    blocks: list[Block] = []
    chunk = ""
    for line in lines:
        line = _cut(line, limit)
        if chunk and len(chunk) + 1 + len(line) > limit:
            blocks.append(section(chunk))
            chunk = line
        else:
            chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(section(chunk))
    return blocks


def block_text_length(blocks: Iterable[Block]) -> int:
    """The characters of every `text` string in the blocks (what Slack counts against a message)."""

    def walk(node: object) -> int:
        if isinstance(node, dict):
            return sum(len(v) if k == "text" and isinstance(v, str) else walk(v) for k, v in node.items())
        if isinstance(node, list):
            return sum(walk(v) for v in node)
        return 0

    return walk(list(blocks))


def fit(blocks: list[Block], limit: int = MESSAGE_BLOCKS, budget: int = MESSAGE_TEXT_BUDGET) -> list[Block]:
    """At most `limit` blocks and `budget` characters of text. The builders make lists that fit (the first
    names, "and N more", the rest on demand); this is the last guard: what does not fit is dropped from the
    end and the last block says how many blocks were left out, never silently."""
    if len(blocks) <= limit and block_text_length(blocks) <= budget:
        return blocks
    kept = list(blocks[: limit - 1])
    while kept and block_text_length(kept) > budget - 100:
        kept.pop()
    left = len(blocks) - len(kept)
    return [
        *kept,
        context(
            n_(
                "… {n} more block left out (too long for one message)",
                "… {n} more blocks left out (too long for one message)",
                left,
            )
        ),
    ]


def fallback(text: str) -> str:
    """A message's notification `text`, at most FALLBACK_LIMIT characters."""
    return _cut(text, FALLBACK_LIMIT)


def _cut(text: str, limit: int = SECTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
