"""The stop signals of the long-running commands (`licensebot serve`, `licensebot worker`)."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def on_stop_signals(handler: Callable[[str], None]) -> Iterator[None]:
    """While the block runs, SIGTERM and SIGINT call `handler(signal name)` in the main thread; the handlers
    installed before are put back after it."""

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        handler(signal.Signals(signum).name)

    previous: dict[int, Any] = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, before in previous.items():
            signal.signal(sig, before)
