"""Notices rendered at send time (bot/core/notice.py) through the `Render` port, the same notice in the same
language (an account's admins' DMs) rendered once."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from bot import i18n
from bot.core.notice import is_notice
from bot.worker.ports import Render

RENDERED = 64
"""Notices rendered lately, kept for the same notice to the next reader."""


class Renderer:
    def __init__(self, render: Render | None) -> None:
        self.render = render
        self._rendered: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def message(self, payload: dict[str, Any], language: str | None) -> dict[str, Any]:
        """What is sent for a queued payload to a reader of `language`: a notice rendered, a message queued
        whole (every language, bot/i18n `variants`) picked; raises when a notice cannot be rendered."""
        if not is_notice(payload):
            return i18n.pick(payload, language)
        if self.render is None:
            raise RuntimeError("this Sender has no renderer for notices (bot/cli/wiring.py gives one)")
        lang = language or i18n.DEFAULT
        key = (lang, json.dumps(payload, sort_keys=True))
        with self._lock:
            message = self._rendered.get(key)
        if message is None:
            message = self.render(payload, lang)
            with self._lock:
                self._rendered[key] = message
                while len(self._rendered) > RENDERED:
                    self._rendered.popitem(last=False)
        return dict(message)
