"""What the command line prints goes through `bot.core.text.printable`: a name or an error from the
database, Teamleader or Slack cannot send escape sequences (colours, a cleared screen, a bell) or
bidirectional overrides to the operator's terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from bot.core.text import printable


class Printable:
    """A text stream that writes everything through `printable` to `stream`."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(printable(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, encoding, fileno, ...
        return getattr(self._stream, name)


@contextmanager
def printable_output() -> Iterator[None]:
    """While the block runs, sys.stdout and sys.stderr are Printable."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = Printable(out), Printable(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
