"""The Slack adapter: `register(app, deps)` wires every listener of the app.

Listeners parse, call a use case (bot.usecases, bot.people) and render with the pure builders in
handlers/blocks/. Ids are the enums in handlers/ids.py.
"""

from __future__ import annotations

from slack_bolt import App

from handlers.deps import Deps

__all__ = ["Deps", "register"]


def register(app: App, deps: Deps) -> None:
    from handlers import (
        binding,
        cancel,
        commands,
        consent,
        deactivate,
        errors,
        home,
        language,
        link,
        lists,
        reduce,
        retries,
        snooze,
        suggest,
        switch,
        timezones,
    )

    retries.register(app, deps)
    binding.register(app, deps)
    commands.register(app, deps)
    consent.register(app, deps)
    reduce.register(app, deps)
    cancel.register(app, deps)
    switch.register(app, deps)
    deactivate.register(app, deps)
    home.register(app, deps)
    lists.register(app, deps)
    suggest.register(app, deps)
    snooze.register(app, deps)
    timezones.register(app, deps)
    link.register(app, deps)
    language.register(app, deps)
    errors.register(app, deps)
