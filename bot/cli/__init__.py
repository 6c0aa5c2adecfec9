"""Every entry point of licensebot (`licensebot ...`), and the one place that wires the layers together.

`main.py` builds the parser from each sub-command module's `add_commands`; the sub-commands share
`args.py`; `wiring.py` puts the worker, its Slack client and the features' hooks together.
"""

from __future__ import annotations

from bot.cli.main import main

__all__ = ["main"]
