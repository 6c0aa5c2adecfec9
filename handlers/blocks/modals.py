"""Modal views: Remove user licenses, Deactivate users, and the small loading / message views."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.core import lines as line_rules
from bot.core import policy
from bot.core.lines import PACKAGE_LINE
from bot.core.page import LicensePage, LineState
from bot.core.results import Person
from bot.core.wording import DEADLINE_LABEL, deadline_phrase, fmt_date, line_label, money, plural
from handlers.blocks.mrkdwn import Block, context, escape, plain, section
from handlers.blocks.page import NOT_LOWERING
from handlers.blocks.state import parse_id, selected_values, state_field
from handlers.ids import Action, View
from handlers.ids import Block as BlockId

View_ = dict[str, Any]
OPTIONS_LIMIT = 100


@dataclass(frozen=True)
class ReduceMeta:
    """What the reduce modal showed, carried in private_metadata to the submission."""

    renewal: date
    line: str = PACKAGE_LINE
    """The line the form reduces (an add-on line's key; the package's user licenses by default)."""

    def dump(self) -> str:
        if self.line == PACKAGE_LINE:
            return json.dumps({"renewal": self.renewal.isoformat()})
        return json.dumps({"renewal": self.renewal.isoformat(), "line": self.line})

    @classmethod
    def load(cls, text: str | None) -> ReduceMeta | None:
        try:
            data = json.loads(text or "")
            line = str(data.get("line") or PACKAGE_LINE)[:12]
            return cls(renewal=date.fromisoformat(data["renewal"]), line=line)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def seats_input(prefill: int | None) -> Block:
    """The number field of a Remove licenses form."""
    element: dict[str, Any] = {
        "type": "number_input",
        "is_decimal_allowed": False,
        "action_id": Action.SEATS_INPUT,
        "min_value": "1",
        "placeholder": plain("e.g. 3"),
    }
    if prefill is not None and prefill >= 1:
        element["initial_value"] = str(prefill)
    return {
        "type": "input",
        "block_id": BlockId.SEATS,
        "label": plain("Number of licenses to remove"),
        "element": element,
        "hint": plain("A whole number. The new number of licenses applies from the renewal date."),
    }


def loading_view(title: str, callback_id: str | None = None) -> View_:
    """Opened at once with the trigger id (it expires after 3 s); replaced by views.update."""
    view: View_ = {"type": "modal", "title": plain(title, 24), "blocks": [section(":hourglass_flowing_sand: Loading…")]}
    if callback_id:
        view["callback_id"] = callback_id
    return view


def message_view(title: str, text_mrkdwn: str) -> View_:
    return {"type": "modal", "title": plain(title, 24), "close": plain("Close"), "blocks": [section(text_mrkdwn)]}


def reduce_view(page: LicensePage, *, prefill: int | None = None, note: str | None = None) -> View_:
    """The Remove user licenses modal for the renewal a request made now applies to."""
    t, tg = page.terms, page.target
    most = policy.most_removable(t.licensed_seats, page.roster.members)
    blocks: list[Block] = []
    if note:
        blocks.append(section(f":warning: {note}"))
    if tg.missed:
        blocks.append(
            section(
                f"*The 15-day deadline for the renewal of {fmt_date(tg.missed)} has passed.* "
                f"This request applies to the renewal after it: *{fmt_date(tg.renewal)}*."
            )
        )
    else:
        blocks.append(
            section(
                f"This request applies to the renewal of *{fmt_date(tg.renewal)}*. "
                f"{DEADLINE_LABEL}: {fmt_date(tg.deadline)} ({deadline_phrase(tg.days_left)})."
            )
        )
    blocks.append(
        section(
            f"You have *{plural(t.licensed_seats, 'license')}* and *{plural(page.active, 'active user')}*. "
            f"You can remove at most {most}: at least one license stays, and one for each admin who has not "
            "consented to losing admin rights."
        )
    )
    blocks.append(seats_input(prefill))
    per_license = policy.saving(1, t.price_per_seat, t.plan)
    effect = []
    if prefill is not None and 1 <= prefill < t.licensed_seats:
        effect.append(f"After removing {prefill}: *{t.licensed_seats - prefill}* licenses from {fmt_date(tg.renewal)}.")
        total = policy.saving(prefill, t.price_per_seat, t.plan)
        if total is not None:
            effect.append(f"Saving: *{escape(money(total, t.currency))}* per {t.plan.value} period.")
    elif per_license is not None:
        effect.append(f"Each license removed saves {escape(money(per_license, t.currency))} per {t.plan.value} period.")
    if effect:
        blocks.append(section(" ".join(effect)))
    blocks.append(
        section(
            "*The rules*\n"
            f"• Charges for the removed licenses stop from the renewal date ({fmt_date(tg.renewal)}).\n"
            "• There is no credit note for the rest of the current period.\n"
            f"• Deactivate users by the renewal day at the latest. Users still over the new number on "
            f"{fmt_date(tg.renewal)} are deactivated automatically, the most recently added first.\n"
            "• You can cancel the request until the renewal has been processed."
        )
    )
    blocks.append(context(NOT_LOWERING))
    return {
        "type": "modal",
        "callback_id": View.REDUCE,
        "title": plain("Remove user licenses", 24),
        "submit": plain("Request"),
        "close": plain("Cancel"),
        "private_metadata": ReduceMeta(renewal=tg.renewal).dump(),
        "blocks": blocks,
    }


def addon_reduce_view(
    page: LicensePage, ls: LineState, *, prefill: int | None = None, note: str | None = None
) -> View_:
    """Remove licenses of an add-on line: the same deadline and rules; the holders over the new count lose
    the add-on, not their account."""
    t, tg = page.terms, page.target
    blocks: list[Block] = [section(f":warning: {note}")] if note else []
    if tg.missed:
        blocks.append(
            section(
                f"*The 15-day deadline for the renewal of {fmt_date(tg.missed)} has passed.* "
                f"This request applies to the renewal after it: *{fmt_date(tg.renewal)}*."
            )
        )
    else:
        blocks.append(
            section(
                f"This request applies to the renewal of *{fmt_date(tg.renewal)}*. "
                f"{DEADLINE_LABEL}: {fmt_date(tg.deadline)} ({deadline_phrase(tg.days_left)})."
            )
        )
    most = max(0, ls.line.licensed - 1)
    blocks.append(
        section(
            f"*{escape(line_label(ls.line))}*: you have *{plural(ls.line.licensed, 'license')}*, "
            f"{ls.assigned} assigned. You can remove at most {most}: at least one license stays."
        )
    )
    blocks.append(seats_input(prefill))
    each = line_rules.line_saving(1, ls.line, t.plan)
    if each is not None:
        blocks.append(
            section(f"Each license removed saves {escape(money(each, t.currency))} per {t.plan.value} period.")
        )
    blocks.append(
        section(
            "*The rules*\n"
            f"• Charges for the removed licenses stop from the renewal date ({fmt_date(tg.renewal)}).\n"
            "• There is no credit note for the rest of the current period.\n"
            f"• Users still holding this add-on over the new number on {fmt_date(tg.renewal)} lose the add-on "
            "automatically (not their account), the most recently assigned first.\n"
            "• You can cancel the request until the renewal has been processed."
        )
    )
    return {
        "type": "modal",
        "callback_id": View.REDUCE,
        "title": plain("Remove licenses", 24),
        "submit": plain("Request"),
        "close": plain("Cancel"),
        "private_metadata": ReduceMeta(renewal=tg.renewal, line=ls.line.key).dump(),
        "blocks": blocks,
    }


STATIC_LIMIT = OPTIONS_LIMIT
"""Up to this many active users the Deactivate users modal lists them all (a static select); beyond, it is
an external select with type-ahead: Slack asks for options as the admin types (handlers/suggest.py)."""
MAX_CHOSEN = 100
"""Users chosen at once in the Deactivate users modal."""
LABEL_LIMIT = 75
ADMIN_MARK = " (admin)"
AUTOMATIC_MARK = " · goes automatically"
"""Marks the users the renewal would otherwise deactivate automatically."""


def option_label(name: str, is_admin: bool, automatic: bool = False) -> str:
    """An option's label within Slack's 75 characters; a long name is cut, never its marks."""
    mark = (ADMIN_MARK if is_admin else "") + (AUTOMATIC_MARK if automatic else "")
    room = LABEL_LIMIT - len(mark)
    short = name if len(name) <= room else name[: room - 1] + "…"
    return short + mark


def _option(p: Person, automatic: Collection[int] = ()) -> dict[str, Any]:
    label = option_label(p.name, p.is_admin, p.member_id in automatic)
    return {"text": plain(label, LABEL_LIMIT), "value": str(p.member_id)}


def user_options(people: Sequence[Person], automatic: Collection[int] = ()) -> dict[str, Any]:
    """`options` (up to 100), admins first then by name; `automatic` marked."""
    ordered = sorted(people, key=lambda p: (not p.is_admin, p.name.casefold(), p.member_id))
    return {"options": [_option(p, automatic) for p in ordered[:OPTIONS_LIMIT]]}


def suggestions(people: Sequence[Person], automatic: Collection[int] = ()) -> list[dict[str, Any]]:
    """The options answering a type-ahead (block_suggestion): at most 100, admins first, as given."""
    return [_option(p, automatic) for p in people[:OPTIONS_LIMIT]]


def deactivate_view(
    people: Sequence[Person] | None, *, active: int, has_pending: bool, automatic: Collection[int] = ()
) -> View_:
    """`people`: every active user when they fit a static list (`active` <= STATIC_LIMIT); None: a type-ahead.
    `automatic`: the member ids the pending request's renewal would deactivate automatically (marked)."""
    element: dict[str, Any]
    if people is not None and len(people) <= STATIC_LIMIT:
        element = {"type": "multi_static_select", **user_options(people, automatic)}
        hint = None
    else:
        element = {"type": "multi_external_select", "min_query_length": 1}
        hint = f"Type a name or an email: {active} users are active, admins are listed first."
    element |= {
        "action_id": Action.USERS_INPUT,
        "placeholder": plain("Choose users"),
        "max_selected_items": MAX_CHOSEN,
    }
    block: dict[str, Any] = {
        "type": "input",
        "block_id": BlockId.USERS,
        "label": plain("Users to deactivate"),
        "element": element,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    intro = (
        "Choose the users to deactivate now. They lose access to the account.\n"
        "Admins are only deactivated after they give written consent that their admin rights may be removed."
    )
    if automatic:
        intro += (
            f"\nMarked “{AUTOMATIC_MARK.strip(' ·')}”: the {plural(len(automatic), 'user')} deactivated "
            "automatically at the renewal if nobody else is (the most recently added first)."
        )
    blocks: list[Block] = [
        section(intro),
        block,
        context(
            NOT_LOWERING + ("" if has_pending else " No request is pending: use `/licenses reduce` to remove licenses.")
        ),
    ]
    return {
        "type": "modal",
        "callback_id": View.DEACTIVATE,
        "title": plain("Deactivate users", 24),
        "submit": plain("Deactivate"),
        "close": plain("Cancel"),
        "blocks": blocks,
    }


def seats_value(view: dict[str, Any]) -> str | None:
    """The seats typed into the reduce modal, as Slack sends it in view.state (None if not text)."""
    value = state_field(view, BlockId.SEATS, Action.SEATS_INPUT, "value")
    return value if isinstance(value, str) else None


def selected_member_ids(view: dict[str, Any]) -> list[int] | None:
    """The member ids chosen in the Deactivate users modal; None when a value is not a member id."""
    values = selected_values(view, BlockId.USERS, Action.USERS_INPUT)
    ids = [parse_id(v) for v in values or []]
    if values is None or None in ids:
        return None
    return [i for i in ids if i is not None]
