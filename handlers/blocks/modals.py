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
from bot.core.policy import Target
from bot.core.results import Person
from bot.i18n import TITLE, _, n_, p_
from handlers.blocks.mrkdwn import Block, context, escape, plain, request_form, section
from handlers.blocks.state import parse_id, selected_values, state_field
from handlers.blocks.wording import (
    active_users,
    deadline_label,
    deadline_phrase,
    fmt_date,
    licenses,
    line_label,
    money,
    not_lowering,
    per_period,
)
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
        "placeholder": plain(_("e.g. 3")),
    }
    if prefill is not None and prefill >= 1:
        element["initial_value"] = str(prefill)
    return {
        "type": "input",
        "block_id": BlockId.SEATS,
        "label": plain(_("Number of licenses to remove")),
        "element": element,
        "hint": plain(_("A whole number. The new number of licenses applies from the renewal date.")),
    }


def loading_view(title: str = "licensebot", callback_id: str | None = None) -> View_:
    """Opened at once with the trigger id (it expires after 3 s); replaced by views.update. It has no words:
    the reader's language is found after the ack (never a Slack call before views.open)."""
    view: View_ = {"type": "modal", "title": plain(title, 24), "blocks": [section(":hourglass_flowing_sand: …")]}
    if callback_id:
        view["callback_id"] = callback_id
    return view


def message_view(title: str, text_mrkdwn: str) -> View_:
    """`title`: a modal title of the catalogs (marked with T_("modal title", ...)) in the reader's language."""
    title = p_(TITLE, title)
    return {"type": "modal", "title": plain(title, 24), "close": plain(_("Close")), "blocks": [section(text_mrkdwn)]}


def renewal_block(tg: Target) -> Block:
    """Which renewal a request made now changes (said plainly when the deadline of the next one has passed)."""
    if tg.missed:
        return section(
            _(
                "*The 15-day deadline for the renewal of {missed} has passed.* This request applies to the "
                "renewal after it: *{renewal}*.",
                missed=fmt_date(tg.missed),
                renewal=fmt_date(tg.renewal),
            )
        )
    return section(
        _("This request applies to the renewal of *{renewal}*.", renewal=fmt_date(tg.renewal))
        + f" {deadline_label()}: {fmt_date(tg.deadline)} ({deadline_phrase(tg.days_left)})."
    )


def rules_block(tg: Target, removal_rule: str) -> Block:
    """The rules of a reduction, the same for every line; `removal_rule` says who goes when some are still over."""
    return section(
        "\n".join(
            [
                "*{}*".format(_("The rules")),
                _(
                    "• Charges for the removed licenses stop from the renewal date ({renewal}).",
                    renewal=fmt_date(tg.renewal),
                ),
                _("• There is no credit note for the rest of the current period."),
                removal_rule,
                _("• You can cancel the request until the renewal has been processed."),
            ]
        )
    )


def reduce_view(page: LicensePage, *, prefill: int | None = None, note: str | None = None) -> View_:
    """The Remove user licenses modal for the renewal a request made now applies to."""
    t, tg = page.terms, page.target
    most = policy.most_removable(t.licensed_seats, page.roster.members)
    blocks: list[Block] = []
    if note:
        blocks.append(section(f":warning: {note}"))
    blocks.append(renewal_block(tg))
    blocks.append(
        section(
            _(
                "You have *{licenses}* and *{active}*. You can remove at most {most}: at least one license stays, "
                "and one for each admin who has not consented to losing admin rights.",
                licenses=licenses(t.licensed_seats),
                active=active_users(page.active),
                most=most,
            )
        )
    )
    blocks.append(seats_input(prefill))
    per_license = policy.saving(1, t.price_per_seat, t.plan)
    effect = []
    if prefill is not None and 1 <= prefill < t.licensed_seats:
        effect.append(
            _(
                "After removing {removed}: *{licenses}* from {renewal}.",
                removed=prefill,
                licenses=licenses(t.licensed_seats - prefill),
                renewal=fmt_date(tg.renewal),
            )
        )
        total = policy.saving(prefill, t.price_per_seat, t.plan)
        if total is not None:
            effect.append(
                _(
                    "Saving: *{saving}* {period}.",
                    saving=escape(money(total, t.currency)),
                    period=per_period(t.plan.value),
                )
            )
    elif per_license is not None:
        effect.append(
            _(
                "Each license removed saves {saving} {period}.",
                saving=escape(money(per_license, t.currency)),
                period=per_period(t.plan.value),
            )
        )
    if effect:
        blocks.append(section(" ".join(effect)))
    blocks.append(
        rules_block(
            tg,
            _(
                "• Deactivate users by the renewal day at the latest. Users still over the new number on "
                "{renewal} are deactivated automatically, the most recently added first.",
                renewal=fmt_date(tg.renewal),
            ),
        )
    )
    blocks.append(context(not_lowering()))
    return request_form(
        View.REDUCE, p_("modal title", "Remove user licenses"), ReduceMeta(renewal=tg.renewal).dump(), blocks
    )


def addon_reduce_view(
    page: LicensePage, ls: LineState, *, prefill: int | None = None, note: str | None = None
) -> View_:
    """Remove licenses of an add-on line: the same deadline and rules; the holders over the new count lose
    the add-on, not their account."""
    t, tg = page.terms, page.target
    blocks: list[Block] = [section(f":warning: {note}")] if note else []
    blocks.append(renewal_block(tg))
    most = max(0, ls.line.licensed - 1)
    blocks.append(
        section(
            _(
                "*{line}*: you have *{licenses}*, {assigned} assigned. You can remove at most {most}: at least one "
                "license stays.",
                line=escape(line_label(ls.line)),
                licenses=licenses(ls.line.licensed),
                assigned=ls.assigned,
                most=most,
            )
        )
    )
    blocks.append(seats_input(prefill))
    each = line_rules.line_saving(1, ls.line, t.plan)
    if each is not None:
        blocks.append(
            section(
                _(
                    "Each license removed saves {saving} {period}.",
                    saving=escape(money(each, t.currency)),
                    period=per_period(t.plan.value),
                )
            )
        )
    blocks.append(
        rules_block(
            tg,
            _(
                "• Users still holding this add-on over the new number on {renewal} lose the add-on "
                "automatically (not their account), the most recently assigned first.",
                renewal=fmt_date(tg.renewal),
            ),
        )
    )
    return request_form(
        View.REDUCE,
        p_("modal title", "Remove user licenses"),
        ReduceMeta(renewal=tg.renewal, line=ls.line.key).dump(),
        blocks,
    )


STATIC_LIMIT = OPTIONS_LIMIT
"""Up to this many active users the Deactivate users modal lists them all (a static select); beyond, it is
an external select with type-ahead: Slack asks for options as the admin types (handlers/suggest.py)."""
MAX_CHOSEN = 100
"""Users chosen at once in the Deactivate users modal."""
LABEL_LIMIT = 75


def admin_mark() -> str:
    return " " + _("(admin)")


def automatic_mark() -> str:
    """Marks the users the renewal would otherwise deactivate automatically."""
    return " · " + _("goes automatically")


def option_label(name: str, is_admin: bool, automatic: bool = False) -> str:
    """An option's label within Slack's 75 characters; a long name is cut, never its marks."""
    mark = (admin_mark() if is_admin else "") + (automatic_mark() if automatic else "")
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
        hint = n_(
            "Type a name or an email: {n} user is active, admins are listed first.",
            "Type a name or an email: {n} users are active, admins are listed first.",
            active,
        )
    element |= {
        "action_id": Action.USERS_INPUT,
        "placeholder": plain(_("Choose users")),
        "max_selected_items": MAX_CHOSEN,
    }
    block: dict[str, Any] = {
        "type": "input",
        "block_id": BlockId.USERS,
        "label": plain(_("Users to deactivate")),
        "element": element,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    intro = _(
        "Choose the users to deactivate now. They lose access to the account.\n"
        "Admins are only deactivated after they give written consent that their admin rights may be removed."
    )
    if automatic:
        intro += "\n" + n_(
            "Marked “{mark}”: the {n} user deactivated automatically at the renewal if nobody else is.",
            "Marked “{mark}”: the {n} users deactivated automatically at the renewal if nobody else is (the most "
            "recently added first).",
            len(automatic),
            mark=automatic_mark().strip(" ·"),
        )
    blocks: list[Block] = [
        section(intro),
        block,
        context(
            not_lowering()
            + ("" if has_pending else " " + _("No request is pending: use `/licenses reduce` to remove licenses."))
        ),
    ]
    return {
        "type": "modal",
        "callback_id": View.DEACTIVATE,
        "title": plain(p_("modal title", "Deactivate users"), 24),
        "submit": plain(_("Deactivate")),
        "close": plain(_("Cancel")),
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
