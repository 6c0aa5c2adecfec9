"""Names are cleaned where they enter; text for a terminal is made printable."""

from __future__ import annotations

import pytest

from bot.core.text import clean_name, printable


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Ann Peeters", "Ann Peeters"),
        ("Eve\n*FAKE: every user was deactivated*", "Eve *FAKE: every user was deactivated*"),
        ("  Jan \t  Janssens\r\n", "Jan Janssens"),
        ("\u202eevil\u202c name", "evil name"),
        ("zero\u200bwidth", "zero width"),
        ("line\u2028sep", "line sep"),
        ("Chloe\u0301", "Chloé"),  # NFC: one character, as people type it
        ("\x1b[31mred\x07", "[31mred"),
    ],
)
def test_clean_name(raw: str, clean: str) -> None:
    assert clean_name(raw) == clean


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain text\nnext line\tTab", "plain text\nnext line\tTab"),
        ("a,b\r\nc,d\r\n", "a,b\r\nc,d\r\n"),  # CSV lines stay as they are
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        ("bell\x07", "bell\\x07"),
        ("over\rwrite", "over\\x0dwrite"),
        ("\u202eevil", "\\u202eevil"),
        ("Chloé Maes", "Chloé Maes"),
    ],
)
def test_printable(text: str, shown: str) -> None:
    assert printable(text) == shown
