"""The command line's tests use the worker's and the Teamleader integration's fixtures."""

from __future__ import annotations

from tests.bot.teamleader.conftest import connected, fake
from tests.bot.worker.conftest import sender, standin, team

__all__ = ["connected", "fake", "sender", "standin", "team"]
