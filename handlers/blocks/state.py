"""Reading what Slack sends back (modal state, button values) without trusting its shape.

A submission's `view.state.values` or a button's `value` may be missing, null, of another type, or
hold any text: these readers return None (or nothing) instead of raising, so that the listener can say
what is wrong under the field rather than fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_ID_DIGITS = 18
"""Database ids are 64-bit at most; longer digit strings are not ids (and would overflow a query)."""


def state_field(view: Mapping[str, Any], block: str, action: str, name: str) -> object:
    """view.state.values[block][action][name], or None wherever the path is missing or not an object."""
    node: object = view.get("state")
    for key in ("values", block, action, name):
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def parse_id(value: object) -> int | None:
    """A positive database id from a button value or option value ("17"); None for anything else."""
    if not isinstance(value, str) or not (0 < len(value) <= MAX_ID_DIGITS):
        return None
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number > 0 else None


def selected_values(view: Mapping[str, Any], block: str, action: str) -> list[object] | None:
    """The `value` of each chosen option of a select or checkboxes; None when the state is not a list of
    options (missing or empty: [])."""
    options = state_field(view, block, action, "selected_options")
    if options is None:
        return []
    if not isinstance(options, list) or not all(isinstance(o, Mapping) for o in options):
        return None
    return [o.get("value") for o in options]


def action_value(body: Mapping[str, Any]) -> object:
    """The `value` of the button (or other element) a block action carries; None when there is none."""
    acts = body.get("actions")
    if not isinstance(acts, list) or not acts or not isinstance(acts[0], Mapping):
        return None
    return acts[0].get("value")
