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
from bot.i18n import _, n_, p_
from handlers.blocks.mrkdwn import Block, actions, button, context, line_sections, name_text, plain, section
from handlers.blocks.wording import fmt_date, more_users, users
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
    mark = ""
    if m.is_admin:
        mark = " " + (_("(admin, has consented)") if getattr(m, "consented", False) else _("(admin)"))
    line = f"• {name_text(m.name)}{mark}"
    added = getattr(m, "added_at", None)
    if timezone is not None and isinstance(added, datetime):
        line += ", " + _("added {day}", day=fmt_date(policy.local_date(added, timezone)))
    return line


def more_line(more: int, how: str) -> str:
    return _("…and {users}: {how}.", users=more_users(more), how=how)


def see_all() -> str:
    return _("*See all* lists everyone, page by page (or `/licenses users --at-risk`)")


def preview_lines(
    shown: Sequence[Named], more: int, *, timezone: str | None = None, how: str | None = None
) -> list[str]:
    """The first PREVIEW names, one line each, then "…and N more: <how to see them>" when some are not
    listed (`more` counts those not in `shown`)."""
    lines = [person_line(m, timezone) for m in shown[:PREVIEW]]
    hidden = more + max(0, len(shown) - PREVIEW)
    if hidden > 0:
        lines.append(more_line(hidden, how if how is not None else see_all()))
    return lines


def see_all_button(ref: ListRef, total: int) -> Block:
    return button(_("See all {total}", total=total), Action.OPEN_LIST, value=ref.dump())


def _title(p: PagedList) -> str:
    if p.kind is ListKind.RENEWAL:
        return p_("modal title", "Deactivated")
    return p_("modal title", "Deactivated if nothing changes") if p.renewal else p_("modal title", "Over the licenses")


def _intro(p: PagedList) -> str:
    if p.kind is ListKind.RENEWAL and p.renewal is not None:
        return n_(
            "{n} user of *{account}* was deactivated automatically when the renewal of {renewal} was processed.",
            "{n} users of *{account}* were deactivated automatically when the renewal of {renewal} was processed.",
            p.total,
            account=name_text(p.account_name),
            renewal=fmt_date(p.renewal),
        )
    if p.total == 0:
        return _("Nobody would be deactivated automatically: the active users fit the licenses.")
    if p.renewal:
        text = n_(
            "{n} user of *{account}* would be deactivated automatically at the renewal of {renewal} if nothing "
            "changes, the most recently added first.",
            "{n} users of *{account}* would be deactivated automatically at the renewal of {renewal} if nothing "
            "changes, the most recently added first.",
            p.total,
            account=name_text(p.account_name),
            renewal=fmt_date(p.renewal),
        )
    else:
        text = n_(
            "{n} user of *{account}* would be deactivated automatically if the renewal were processed now, the "
            "most recently added first.",
            "{n} users of *{account}* would be deactivated automatically if the renewal were processed now, the "
            "most recently added first.",
            p.total,
            account=name_text(p.account_name),
        )
    if p.unresolved:
        text += " " + _(
            "{users} cannot be chosen: only admins without consent are left.", users=more_users(p.unresolved)
        )
    return text


def _range(p: PagedList) -> str:
    if not p.people:
        return _("Page {page} of {pages}.", page=p.page + 1, pages=p.pages)
    return _(
        "{first}–{last} of {total} · page {page} of {pages}.",
        first=p.first,
        last=p.first + len(p.people) - 1,
        total=p.total,
        page=p.page + 1,
        pages=p.pages,
    )


def list_view(p: PagedList) -> View_:
    """The paged modal: one page of names, Previous / Next, the page in private_metadata."""
    blocks: list[Block] = [section(_intro(p)), *line_sections(person_line(m, p.timezone) for m in p.people)]
    nav: list[Block] = []
    if p.page > 0:
        nav.append(button(_("Previous"), Action.LIST_PAGE, value=ListRef(p.kind, p.renewal, p.page - 1).dump()))
    if p.page + 1 < p.pages:
        nav.append(button(_("Next"), Action.LIST_PAGE, value=ListRef(p.kind, p.renewal, p.page + 1).dump()))
    blocks.append(context(_range(p)))
    if nav:
        blocks.append(actions(nav))
    return {
        "type": "modal",
        "callback_id": View.LIST,
        "title": plain(_title(p), 24),
        "close": plain(_("Close")),
        "private_metadata": ListRef(p.kind, p.renewal, p.page).dump(),
        "blocks": blocks[:MODAL_BLOCKS],
    }


def list_message_parts(p: PagedList) -> tuple[str, list[Block]]:
    """`/licenses users --at-risk [--page N]`: one page, and the command for the next."""
    blocks: list[Block] = [section(_intro(p)), *line_sections(person_line(m, p.timezone) for m in p.people)]
    footer = _range(p)
    if p.page + 1 < p.pages:
        footer += " " + _("Next: `/licenses users --at-risk --page {next}`.", next=p.page + 2)
    blocks.append(context(footer))
    return _("{users} would be deactivated automatically", users=users(p.total)), blocks
