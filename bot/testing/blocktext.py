"""Block Kit as readable plain text: what a person would see in Slack (for the demo and tests).

Mentions become `@Name` (from `names`), channel links `#name`, links `label (url)`, and the mrkdwn
escapes `&lt; &gt; &amp;` are turned back into the characters Slack shows.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

TOKEN = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]*))?>|<([^>|]+)\|([^>]*)>|<([^>]+)>")
EMOJI = {
    ":white_check_mark:": "✅",
    ":warning:": "⚠️",
    ":x:": "❌",
    ":alarm_clock:": "⏰",
    ":rotating_light:": "🚨",
    ":lock:": "🔒",
    ":no_entry:": "⛔",
    ":exclamation:": "❗",
    ":hourglass_flowing_sand:": "⏳",
}
EMOJI_CODE = re.compile(r":[a-z0-9_+-]+:")
BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")


def mrkdwn(text: str, names: Mapping[str, str] | None = None) -> str:
    """mrkdwn -> what Slack shows (without the *bold* marks; common emoji codes as emoji)."""
    names = names or {}

    def token(m: re.Match[str]) -> str:
        sigil, ref, label, url, url_label, bare = m.groups()
        if sigil == "@":
            return "@" + (names.get(ref) or label or ref)
        if sigil == "#":
            return "#" + (names.get(ref) or label or ref)
        if sigil == "!":
            return "@" + ref.split("^")[0]
        if url is not None:
            return f"{url_label} ({url})"
        return bare or ""

    shown = BOLD.sub(r"\1", TOKEN.sub(token, text))
    shown = EMOJI_CODE.sub(lambda m: EMOJI.get(m.group(0), m.group(0)), shown)
    return shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: Any, names: Mapping[str, str]) -> str:
    if not isinstance(obj, dict):
        return ""
    raw = str(obj.get("text", ""))
    return mrkdwn(raw, names) if obj.get("type") == "mrkdwn" else raw


def _element(el: Mapping[str, Any], names: Mapping[str, str]) -> str:
    kind = el.get("type")
    if kind == "button":
        mark = " (asks to confirm)" if el.get("confirm") else ""
        return f"[{_text(el.get('text'), names)}]{mark}"
    if kind in ("multi_static_select", "static_select"):
        options = list(el.get("options") or [])
        for group in el.get("option_groups") or []:
            options += group.get("options") or []
        labels = [_text(o.get("text"), names) for o in options]
        return f"[choose: {', '.join(labels)}]"
    if kind in ("plain_text_input", "number_input"):
        value = el.get("initial_value") or ""
        hint = _text(el.get("placeholder"), names)
        return f"[ {value or '_' * 6} ]" + (f" ({hint})" if hint and not value else "")
    return f"[{kind}]"


def _wrap(text: str, indent: str = "", width: int | None = None) -> list[str]:
    out: list[str] = []
    for line in text.splitlines() or [""]:
        if width is None:
            out.append(indent + line)
        else:
            out += textwrap.wrap(line, width, initial_indent=indent, subsequent_indent=indent + "  ") or [indent]
    return out


def blocks_to_lines(
    blocks: Iterable[Mapping[str, Any]], names: Mapping[str, str] | None = None, width: int | None = None
) -> list[str]:
    """Each block as lines; long lines are wrapped at `width` (None: not wrapped)."""
    names = names or {}
    lines: list[str] = []
    for b in blocks:
        kind = b.get("type")
        if kind == "header":
            title = _text(b.get("text"), names)
            lines += [title, "═" * min(len(title), width or 80)]
        elif kind == "section":
            if b.get("text"):
                lines += _wrap(_text(b["text"], names), width=width)
            for f in b.get("fields") or []:
                label, _, value = _text(f, names).partition("\n")
                lines += _wrap(f"{label}: {value}", width=width)
            if b.get("accessory"):
                lines.append("    " + _element(b["accessory"], names))
        elif kind == "context":
            for el in b.get("elements") or []:
                lines += _wrap(_text(el, names), "  › ", width)
        elif kind == "divider":
            lines.append("─" * 40)
        elif kind == "actions":
            lines.append("  ".join(_element(el, names) for el in b.get("elements") or []))
        elif kind == "input":
            lines.append(f"{_text(b.get('label'), names)}: {_element(b.get('element') or {}, names)}")
            if b.get("hint"):
                lines += _wrap(_text(b["hint"], names), "  › ", width)
        else:
            lines.append(f"[{kind} block]")
    return lines


def message_to_text(msg: Mapping[str, Any], names: Mapping[str, str] | None = None, width: int | None = None) -> str:
    blocks = msg.get("blocks")
    if blocks:
        return "\n".join(blocks_to_lines(blocks, names, width))
    return mrkdwn(str(msg.get("text", "")), names)


def view_to_text(view: Mapping[str, Any], names: Mapping[str, str] | None = None, width: int | None = None) -> str:
    """A modal (title, body, buttons) or an App Home tab."""
    lines: list[str] = []
    if view.get("type") == "modal":
        lines.append(f"┌ {_text(view.get('title'), names or {})} ┐")
    lines += blocks_to_lines(view.get("blocks") or [], names, width)
    buttons = [f"[{_text(view[k], names or {})}]" for k in ("close", "submit") if view.get(k)]
    if buttons:
        lines.append("  ".join(buttons))
    return "\n".join(lines)
