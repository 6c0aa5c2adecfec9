"""Lists of people that never lie at any size (pure Block Kit builders).

A message or the license page names the first few (`preview_lines`: "and N more" after them, and a
"See all" button); the whole list is shown on demand one page at a time (`list_view`, a modal with
Previous / Next; `list_message`, `/licenses users --at-risk --page N`). Each name is rendered once, only
where it is shown; every surface stays inside Slack's limits (tests/handlers/blocks/test_limits.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from bot.core import policy
from bot.core.page import PREVIEW
from bot.core.results import ListKind, PagedList
from bot.core.wording import fmt_date, plural
from handlers.blocks.mrkdwn import Block, actions, button, context, line_sections, name_text, plain, section
from handlers.ids import Action, View

View_ = dict[str, Any]
MODAL_BLOCKS = 100


@dataclass(frozen=True)
class ListRef:
    """Which list and page a button or a modal shows (a button's value, a modal's private_metadata)."""

    kind: ListKind
    renewal: date | None = None
    page: int = 0

    def dump(self) -> str:
        data: dict[str, Any] = {"k": self.kind.value, "p": self.page}
        if self.renewal is not None:
            data["r"] = self.renewal.isoformat()
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def load(cls, text: object) -> ListRef | None:
        """None for anything that is not a list reference this app made (bounded, typed)."""
        if not isinstance(text, str) or len(text) > 200:
            return None
        try:
            data = json.loads(text)
            kind = ListKind(data["k"])
            page = data.get("p", 0)
            renewal = date.fromisoformat(data["r"]) if "r" in data else None
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        if not isinstance(page, int) or isinstance(page, bool) or not 0 <= page <= 10_000:
            return None
        if kind is ListKind.RENEWAL and renewal is None:
            return None
        return cls(kind=kind, renewal=renewal, page=page)


class Named(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def is_admin(self) -> bool: ...


def person_line(m: Named, timezone: str | None = None) -> str:
    """• Name (admin)[, added 1 January 2027]: the one rendering of a person in a list (the date when
    `timezone` is given and the person has an `added_at`)."""
    mark = (" (admin, has consented)" if getattr(m, "consented", False) else " (admin)") if m.is_admin else ""
    line = f"• {name_text(m.name)}{mark}"
    added = getattr(m, "added_at", None)
    if timezone is not None and isinstance(added, datetime):
        line += f", added {fmt_date(policy.local_date(added, timezone))}"
    return line


def more_line(more: int, how: str) -> str:
    return f"…and {plural(more, 'more user')}: {how}."


SEE_ALL = "*See all* lists everyone, page by page (or `/licenses users --at-risk`)"


def preview_lines(shown: Sequence[Named], more: int, *, timezone: str | None = None, how: str = SEE_ALL) -> list[str]:
    """The first PREVIEW names, one line each, then "…and N more: <how to see them>" when some are not
    listed (`more` counts those not in `shown`)."""
    lines = [person_line(m, timezone) for m in shown[:PREVIEW]]
    hidden = more + max(0, len(shown) - PREVIEW)
    if hidden > 0:
        lines.append(more_line(hidden, how))
    return lines


def see_all_button(ref: ListRef, total: int) -> Block:
    return button(f"See all {total}", Action.OPEN_LIST, value=ref.dump())


def _title(p: PagedList) -> str:
    if p.kind is ListKind.RENEWAL:
        return "Deactivated"
    return "Deactivated if nothing changes" if p.renewal else "Over the licenses"


def _intro(p: PagedList) -> str:
    if p.kind is ListKind.RENEWAL and p.renewal is not None:
        return (
            f"{plural(p.total, 'user')} of *{name_text(p.account_name)}* were deactivated automatically when the "
            f"renewal of {fmt_date(p.renewal)} was processed."
        )
    if p.total == 0:
        return "Nobody would be deactivated automatically: the active users fit the licenses."
    when = f"at the renewal of {fmt_date(p.renewal)}" if p.renewal else "if the renewal were processed now"
    text = (
        f"{plural(p.total, 'user')} of *{name_text(p.account_name)}* would be deactivated automatically {when} "
        "if nothing changes, the most recently added first."
    )
    if p.unresolved:
        text += f" {plural(p.unresolved, 'more user')} cannot be chosen: only admins without consent are left."
    return text


def _range(p: PagedList) -> str:
    if not p.people:
        return f"Page {p.page + 1} of {p.pages}."
    return f"{p.first}–{p.first + len(p.people) - 1} of {p.total} · page {p.page + 1} of {p.pages}."


def list_view(p: PagedList) -> View_:
    """The paged modal: one page of names, Previous / Next, the page in private_metadata."""
    blocks: list[Block] = [section(_intro(p)), *line_sections(person_line(m, p.timezone) for m in p.people)]
    nav: list[Block] = []
    if p.page > 0:
        nav.append(button("Previous", Action.LIST_PAGE, value=ListRef(p.kind, p.renewal, p.page - 1).dump()))
    if p.page + 1 < p.pages:
        nav.append(button("Next", Action.LIST_PAGE, value=ListRef(p.kind, p.renewal, p.page + 1).dump()))
    blocks.append(context(_range(p)))
    if nav:
        blocks.append(actions(nav))
    return {
        "type": "modal",
        "callback_id": View.LIST,
        "title": plain(_title(p), 24),
        "close": plain("Close"),
        "private_metadata": ListRef(p.kind, p.renewal, p.page).dump(),
        "blocks": blocks[:MODAL_BLOCKS],
    }


def list_message_parts(p: PagedList) -> tuple[str, list[Block]]:
    """`/licenses users --at-risk [--page N]`: one page, and the command for the next."""
    blocks: list[Block] = [section(_intro(p)), *line_sections(person_line(m, p.timezone) for m in p.people)]
    footer = _range(p)
    if p.page + 1 < p.pages:
        footer += f" Next: `/licenses users --at-risk --page {p.page + 2}`."
    blocks.append(context(footer))
    return f"{plural(p.total, 'user')} would be deactivated automatically", blocks
