"""Text that comes from people and other systems, made safe where it enters and where it leaves.

- `clean_name`: a person's or an account's name as stored: no control or formatting characters (line
  breaks, tabs, bidirectional overrides such as U+202E, zero-width characters), one space between words.
  Names enter from the CSV import, Teamleader and the command line; all go through it.
- `printable`: text for a terminal or a log line: control characters other than line breaks and tabs
  (ESC sequences, BEL, C1 controls) and bidirectional controls are shown as `\\xNN` / `\\uNNNN`.
"""

from __future__ import annotations

import unicodedata

_KEEP_ON_A_TERMINAL = {"\n", "\t"}


def _hidden(ch: str) -> bool:
    """A character that is not shown as itself: controls (Cc), formats (Cf: bidi, zero-width), separators."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")


def clean_name(text: str) -> str:
    """`text` with every hidden character made a space, then runs of whitespace made one space, trimmed."""
    shown = "".join(" " if _hidden(ch) else ch for ch in unicodedata.normalize("NFC", text))
    return " ".join(shown.split())


def printable(text: str) -> str:
    """`text` with the characters a terminal would act on (or reorder) written out as escapes. Line breaks,
    tabs and a carriage return before a line break (CSV's CRLF) are kept."""
    if text.isprintable() or text.replace("\n", "").replace("\t", "").isprintable():  # a log line and its "\n"
        return text
    if all(ch in _KEEP_ON_A_TERMINAL or not _hidden(ch) for ch in text.replace("\r\n", "\n")):
        return text
    out = []
    for i, ch in enumerate(text):
        if ch in _KEEP_ON_A_TERMINAL or not _hidden(ch) or (ch == "\r" and text[i + 1 : i + 2] == "\n"):
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(f"\\u{ord(ch):04x}")
    return "".join(out)
