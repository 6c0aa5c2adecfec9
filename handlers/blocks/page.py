"""The license page in Block Kit: the `/licenses` answer and the App Home tab (pure functions)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.core import policy
from bot.core.page import LicensePage
from bot.core.results import ListKind, Viewer
from bot.core.wording import (
    DEADLINE_LABEL,
    deadline_phrase,
    fmt_date,
    last_sync_line,
    line_label,
    money,
    plural,
    reconnect_banner,
    unknown_added_line,
    unreachable_line,
    users_are_active,
)
from handlers.blocks.activity import Entry, activity_lines
from handlers.blocks.lines import addon_blocks, package_blocks
from handlers.blocks.lists import ListRef, preview_lines, see_all_button
from handlers.blocks.mrkdwn import (
    Block,
    actions,
    actor,
    button,
    confirm_dialog,
    context,
    divider,
    escape,
    fields,
    fit,
    header,
    line_sections,
    section,
)
from handlers.ids import Action
from handlers.ids import Block as BlockId

HOME_BLOCKS = 100
HOME_TEXT = 100_000
"""App Home: Slack's 100 blocks; its lists are bounded by construction, so this only guards (`fit` says what it
left out)."""
NOT_LOWERING = "Deactivating users does not lower the number of licenses: only a request to remove licenses does."


def days_phrase(days: int) -> str:
    if days > 1:
        return f"in {days} days"
    return {1: "tomorrow", 0: "today"}.get(days, f"{-days} days ago")


def _seats_and_plan(page: LicensePage) -> tuple[str, str]:
    t = page.terms
    seats = f"{t.licensed_seats} licensed · {page.active} active"
    if page.unused_seats:
        seats += f" · {page.unused_seats} unused"
    plan = t.plan.value
    if t.price_per_seat is not None:
        plan += f" · {escape(money(t.price_per_seat, t.currency))} per license per month"
    return f"*Licenses*\n{seats}", f"*Plan*\n{plan}"


def summary_fields(page: LicensePage, *, dates: bool = True) -> Block:
    if not dates:
        return fields(*_seats_and_plan(page))
    return fields(
        f"*Next renewal*\n{fmt_date(page.next_renewal)} ({days_phrase((page.next_renewal - page.today).days)})",
        f"*{DEADLINE_LABEL}*\n{fmt_date(page.next_deadline)} ({deadline_phrase(page.days_to_deadline)})",
        *_seats_and_plan(page),
    )


def local_day(instant: datetime, timezone: str) -> str:
    """The account's local date of an instant, e.g. when a user was added."""
    return fmt_date(policy.local_date(instant, timezone))


def target_note(page: LicensePage) -> str | None:
    tg = page.target
    if tg.missed is None:
        return None
    return (
        f"The 15-day deadline for the renewal of {fmt_date(tg.missed)} has passed: a request made now applies to "
        f"the renewal of *{fmt_date(tg.renewal)}* (deadline {fmt_date(tg.deadline)})."
    )


def cancel_button(request_id: int, seats: int, renewal: date) -> Block:
    return button(
        "Cancel request",
        Action.CANCEL_REQUEST,
        value=str(request_id),
        style="danger",
        confirm=confirm_dialog(
            "Cancel the request?",
            f"Cancel request #{request_id} to remove {plural(seats, 'license')} at the renewal of "
            f"{fmt_date(renewal)}? The number of licenses then stays as it is.",
            "Cancel request",
            "Keep it",
            danger=True,
        ),
    )


def pending_block(page: LicensePage, *, admin: bool) -> Block:
    p = page.pending
    if p is None and page.multi_line:
        return section(
            f"*{escape(line_label(page.package_line.line))}:* no pending request; they stay as they are at the renewal."
        )
    if p is None:
        return section("*Pending request:* none. The number of licenses stays as it is at the renewal.")
    of = f" ({escape(line_label(page.package_line.line))})" if page.multi_line else ""
    text = (
        f"*Pending request #{p.id}{of}:* remove {plural(p.seats_removed, 'license')} at the renewal of "
        f"*{fmt_date(p.renewal)}* ({page.terms.licensed_seats} → {page.new_seat_count}), "
        f"requested by {actor(p.requested_by)} on {local_day(p.requested_at, page.terms.timezone)}."
    )
    if page.saving is not None:
        text += f"\nSaving: {escape(money(page.saving, page.terms.currency))} per {page.terms.plan.value} period."
    accessory = cancel_button(p.id, p.seats_removed, p.renewal) if admin else None
    return section(text, accessory=accessory)


def deactivation_blocks(page: LicensePage) -> list[Block]:
    """The banner: how many users must still be deactivated, by when, and who goes automatically (the
    first few named, the rest counted, a button that lists everyone page by page)."""
    d, p = page.deactivation, page.pending
    if d is None or p is None:
        return []
    if d.shortfall == 0:
        return [
            section(
                f"Active users fit the {plural(page.new_seat_count or 0, 'license')} left after the renewal: "
                "nobody will be deactivated automatically.",
                block_id=BlockId.BANNER,
            )
        ]
    when = f"{fmt_date(p.renewal)} ({days_phrase((p.renewal - page.today).days)})"
    lines = [
        f":warning: *{plural(d.shortfall, 'user')} must still be deactivated by {when}.* "
        f"{users_are_active(page.active)} for {plural(page.new_seat_count or 0, 'license')}.",
    ]
    if d.total:
        lines.append(
            "If nobody is deactivated by then, these users are deactivated automatically on the renewal day "
            "(the most recently added first):"
        )
        lines.extend(preview_lines(d.chosen, d.more, timezone=page.terms.timezone))
    if d.unresolved:
        lines.append(
            f":exclamation: {plural(d.unresolved, 'more user')} cannot be chosen automatically: only admins who "
            "have not consented to losing admin rights are left. Deactivate users or ask for consent."
        )
    blocks = line_sections(lines)
    blocks[0]["block_id"] = BlockId.BANNER
    if d.more:
        blocks.append(actions([see_all_button(ListRef(ListKind.AT_RISK), d.total)]))
    return blocks


def teamleader_block(page: LicensePage) -> Block | None:
    """The Teamleader sync: a warning banner when an admin must reconnect, else when it last synced."""
    link, t = page.teamleader, page.terms
    if link is None:
        return None
    if link.reconnect_needed:
        return section(
            f":warning: *{reconnect_banner(t.team_id, link, t.timezone, code='`')}*", block_id=BlockId.TEAMLEADER
        )
    failed = " (the last try failed; it is retried)" if link.last_error else ""
    return context(last_sync_line(link, t.timezone) + failed)


def unreachable_blocks(page: LicensePage) -> list[Block]:
    """Admins no reminder reaches in Slack, named."""
    notes = [f":warning: {escape(unreachable_line(page.unreachable_admins))}"] if page.unreachable_admins else []
    if page.unknown_added:
        notes.append(escape(unknown_added_line(page.unknown_added)))
    return [context(n) for n in notes]


def admins_phrase(viewer: Viewer) -> str:
    names = [escape(a.name) for a in viewer.admins]
    return ", ".join(names) if names else "nobody yet (an operator sets admins)"


def is_outsider(viewer: Viewer) -> bool:
    """Not an active member of the account: they see no page and no names, only whom to ask."""
    return viewer.member is None or not viewer.member.active


def outsider_text(viewer: Viewer) -> str:
    return (
        f"You are not an active user in the member list of {escape(viewer.account_name)}, so licensebot shows "
        "you nothing of its licenses. Ask your account admin to add you if you should be."
    )


def outsider_blocks(viewer: Viewer) -> list[Block]:
    return [header(f"Licenses · {viewer.account_name}"), section(outsider_text(viewer))]


def not_admin_text(viewer: Viewer) -> str:
    """The answer to anybody but an admin who tries to change something."""
    if is_outsider(viewer):
        return outsider_text(viewer)
    return (
        f"Only account admins can change licenses. The admins of {escape(viewer.account_name)} are: "
        f"{admins_phrase(viewer)}."
    )


def read_only_note(viewer: Viewer) -> Block:
    return context(
        f"You can see this page; only account admins can change licenses. "
        f"The admins of {escape(viewer.account_name)} are: {admins_phrase(viewer)}."
    )


def admin_buttons(page: LicensePage) -> Block:
    """Remove licenses and Deactivate users (Cancel request sits beside the pending request); Switch package
    when the account has a package with a smaller one in the catalog and no switch pending."""
    elements = [
        button("Remove licenses", Action.OPEN_REDUCE, style="primary"),
        button("Deactivate users", Action.OPEN_DEACTIVATE),
    ]
    pkg = page.package
    if pkg is not None and pkg.smaller and pkg.pending is None:
        elements.append(button("Switch package", Action.OPEN_SWITCH))
    return actions(elements, block_id=BlockId.ACTIONS)


def page_blocks(page: LicensePage, viewer: Viewer, consent: Sequence[Block] = ()) -> list[Block]:
    """The `/licenses status` answer (`consent`: the admin consent section, handlers/blocks/consent.py)."""
    if is_outsider(viewer):
        return outsider_blocks(viewer)
    blocks: list[Block] = [header(f"Licenses · {page.terms.name}"), summary_fields(page)]
    note = target_note(page)
    if note:
        blocks.append(context(note))
    directory = teamleader_block(page)
    if directory:
        blocks.append(directory)
    blocks.extend(package_blocks(page, admin=viewer.is_admin))
    blocks.append(pending_block(page, admin=viewer.is_admin))
    blocks.extend(deactivation_blocks(page))
    blocks.extend(addon_blocks(page, admin=viewer.is_admin))
    blocks.extend(unreachable_blocks(page))
    blocks.append(context(NOT_LOWERING))
    blocks.append(admin_buttons(page) if viewer.is_admin else read_only_note(viewer))
    blocks.extend(consent)
    return blocks


def page_text(page: LicensePage) -> str:
    """The notification fallback of the page."""
    return (
        f"Licenses of {escape(page.terms.name)}: {page.terms.licensed_seats} licensed, {page.active} active; "
        f"next renewal {fmt_date(page.next_renewal)}"
    )


def home_view(
    page: LicensePage, viewer: Viewer, activity: Sequence[Entry] = (), consent: Sequence[Block] = ()
) -> dict[str, Any]:
    """The App Home tab: renewal and deadline first, the banner, seats, the request, buttons, activity."""
    if is_outsider(viewer):
        return {"type": "home", "blocks": outsider_blocks(viewer)}
    t = page.terms
    blocks: list[Block] = [
        header(f"Licenses · {t.name}"),
        section(
            f"*Next renewal: {fmt_date(page.next_renewal)}* ({days_phrase((page.next_renewal - page.today).days)})"
            f"\n{DEADLINE_LABEL}: {fmt_date(page.next_deadline)} "
            f"({deadline_phrase(page.days_to_deadline)})"
        ),
    ]
    note = target_note(page)
    if note:
        blocks.append(context(note))
    directory = teamleader_block(page)
    if directory:
        blocks.append(directory)
    blocks.extend(deactivation_blocks(page))
    blocks.extend(unreachable_blocks(page))
    blocks.append(summary_fields(page, dates=False))
    blocks.extend(package_blocks(page, admin=viewer.is_admin))
    blocks.append(pending_block(page, admin=viewer.is_admin))
    blocks.extend(addon_blocks(page, admin=viewer.is_admin))
    blocks.append(context(NOT_LOWERING))
    blocks.append(admin_buttons(page) if viewer.is_admin else read_only_note(viewer))
    blocks.extend(consent)
    lines = activity_lines(activity, t.timezone)
    if lines:
        blocks += [divider(), section("*Recent activity*"), context("\n".join(lines))]
    return {"type": "home", "blocks": fit(blocks, HOME_BLOCKS, budget=HOME_TEXT)}


def unlinked_home_view(message: str, *, link: bool = False, notice: str | None = None) -> dict[str, Any]:
    """The Home of a workspace without account; `link`: with a field for the link code and a button,
    `notice`: the answer to the last try, on top."""
    blocks: list[Block] = [header("Licenses")]
    if notice:
        blocks.append(section(escape(notice)))
    blocks.append(section(escape(message)))
    if link:
        blocks.append(
            {
                "type": "input",
                "block_id": BlockId.LINK_CODE,
                "optional": True,
                "label": {"type": "plain_text", "text": "Link code"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": Action.LINK_CODE_INPUT,
                    "max_length": 40,
                    "placeholder": {"type": "plain_text", "text": "XXXX-XXXX-XXXX"},
                },
                "hint": {
                    "type": "plain_text",
                    "text": "The code your provider gave you. Only a workspace admin or owner can link the workspace.",
                },
            }
        )
        blocks.append(actions([button("Link this workspace", Action.LINK_WORKSPACE, style="primary")]))
    return {"type": "home", "blocks": blocks}
