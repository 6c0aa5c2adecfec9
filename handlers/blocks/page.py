"""The license page in Block Kit: the `/licenses` answer and the App Home tab (pure functions)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.core import policy
from bot.core.page import LicensePage
from bot.core.results import ListKind, Viewer
from bot.i18n import _, language
from handlers.blocks.activity import Entry, activity_lines
from handlers.blocks.home_tab import language_block
from handlers.blocks.lines import addon_blocks
from handlers.blocks.lists import ListRef, preview_lines, see_all_button
from handlers.blocks.mrkdwn import (
    Block,
    actions,
    actor,
    button,
    context,
    danger_button,
    divider,
    escape,
    fields,
    fit,
    header,
    line_sections,
    section,
)
from handlers.blocks.package import package_blocks
from handlers.blocks.wording import (
    days_phrase,
    deadline_label,
    deadline_phrase,
    fmt_date,
    last_sync_line,
    licenses,
    line_label,
    money,
    more_users,
    not_lowering,
    per_period,
    plan_name,
    reconnect_banner,
    unknown_added_line,
    unreachable_line,
    users,
    users_are_active,
)
from handlers.ids import Action
from handlers.ids import Block as BlockId

HOME_BLOCKS = 100
HOME_TEXT = 100_000
"""App Home: Slack's 100 blocks; its lists are bounded by construction, so this only guards (`fit` says what it
left out)."""


def _seats_and_plan(page: LicensePage) -> tuple[str, str]:
    t = page.terms
    seats = _("{licensed} licensed · {active} active", licensed=t.licensed_seats, active=page.active)
    if page.unused_seats:
        seats += " · " + _("{unused} unused", unused=page.unused_seats)
    plan = plan_name(t.plan.value)
    if t.price_per_seat is not None:
        plan += " · " + _("{price} per license per month", price=escape(money(t.price_per_seat, t.currency)))
    return "*{}*\n{}".format(_("Licenses"), seats), "*{}*\n{}".format(_("Plan"), plan)


def summary_fields(page: LicensePage, *, dates: bool = True) -> Block:
    if not dates:
        return fields(*_seats_and_plan(page))
    renewal = f"{fmt_date(page.next_renewal)} ({days_phrase((page.next_renewal - page.today).days)})"
    deadline = f"{fmt_date(page.next_deadline)} ({deadline_phrase(page.days_to_deadline)})"
    return fields(
        "*{}*\n{}".format(_("Next renewal"), renewal),
        f"*{deadline_label()}*\n{deadline}",
        *_seats_and_plan(page),
    )


def local_day(instant: datetime, timezone: str) -> str:
    """The account's local date of an instant, e.g. when a user was added."""
    return fmt_date(policy.local_date(instant, timezone))


def target_note(page: LicensePage) -> str | None:
    tg = page.target
    if tg.missed is None:
        return None
    return _(
        "The 15-day deadline for the renewal of {missed} has passed: a request made now applies to the renewal of "
        "*{renewal}* (deadline {deadline}).",
        missed=fmt_date(tg.missed),
        renewal=fmt_date(tg.renewal),
        deadline=fmt_date(tg.deadline),
    )


def cancel_button(request_id: int, seats: int, renewal: date) -> Block:
    return danger_button(
        _("Cancel request"),
        Action.CANCEL_REQUEST,
        str(request_id),
        title=_("Cancel the request?"),
        question=_(
            "Cancel request #{id} to remove {licenses} at the renewal of {renewal}? The number of licenses "
            "then stays as it is.",
            id=request_id,
            licenses=licenses(seats),
            renewal=fmt_date(renewal),
        ),
        yes=_("Cancel request"),
        no=_("Keep it"),
    )


def pending_block(page: LicensePage, *, admin: bool) -> Block:
    p = page.pending
    if p is None and page.multi_line:
        return section(
            _(
                "*{line}:* no pending request; they stay as they are at the renewal.",
                line=escape(line_label(page.package_line.line)),
            )
        )
    if p is None:
        return section(_("*Pending request:* none. The number of licenses stays as it is at the renewal."))
    of = f" ({escape(line_label(page.package_line.line))})" if page.multi_line else ""
    text = _(
        "*Pending request #{id}{of}:* remove {licenses} at the renewal of *{renewal}* ({before} → {after}), "
        "requested by {who} on {day}.",
        id=p.id,
        of=of,
        licenses=licenses(p.seats_removed),
        renewal=fmt_date(p.renewal),
        before=page.terms.licensed_seats,
        after=page.new_seat_count,
        who=actor(p.requested_by),
        day=local_day(p.requested_at, page.terms.timezone),
    )
    if page.saving is not None:
        text += "\n" + _(
            "Saving: {saving} {period}.",
            saving=escape(money(page.saving, page.terms.currency)),
            period=per_period(page.terms.plan.value),
        )
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
                _(
                    "Active users fit the {licenses} left after the renewal: nobody will be deactivated automatically.",
                    licenses=licenses(page.new_seat_count or 0),
                ),
                block_id=BlockId.BANNER,
            )
        ]
    when = f"{fmt_date(p.renewal)} ({days_phrase((p.renewal - page.today).days)})"
    lines = [
        _(
            ":warning: *{users} must still be deactivated by {when}.* {active} for {licenses}.",
            users=users(d.shortfall),
            when=when,
            active=users_are_active(page.active),
            licenses=licenses(page.new_seat_count or 0),
        )
    ]
    if d.total:
        lines.append(
            _(
                "If nobody is deactivated by then, these users are deactivated automatically on the renewal day "
                "(the most recently added first):"
            )
        )
        lines.extend(preview_lines(d.chosen, d.more, timezone=page.terms.timezone))
    if d.unresolved:
        lines.append(
            _(
                ":exclamation: {users} cannot be chosen automatically: only admins who have not consented to "
                "losing admin rights are left. Deactivate users or ask for consent.",
                users=more_users(d.unresolved),
            )
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
    failed = " " + _("(the last try failed; it is retried)") if link.last_error else ""
    return context(last_sync_line(link, t.timezone) + failed)


def unreachable_blocks(page: LicensePage) -> list[Block]:
    """Admins no reminder reaches in Slack, named."""
    notes = [f":warning: {escape(unreachable_line(page.unreachable_admins))}"] if page.unreachable_admins else []
    if page.unknown_added:
        notes.append(escape(unknown_added_line(page.unknown_added)))
    return [context(n) for n in notes]


def admins_phrase(viewer: Viewer) -> str:
    names = [escape(a.name) for a in viewer.admins]
    return ", ".join(names) if names else _("nobody yet (an operator sets admins)")


def is_outsider(viewer: Viewer) -> bool:
    """Not an active member of the account: they see no page and no names, only whom to ask."""
    return viewer.member is None or not viewer.member.active


def outsider_text(viewer: Viewer) -> str:
    return _(
        "You are not an active user in the member list of {account}, so licensebot shows you nothing of its "
        "licenses. Ask your account admin to add you if you should be.",
        account=escape(viewer.account_name),
    )


def outsider_blocks(viewer: Viewer) -> list[Block]:
    return [header(_("Licenses · {account}", account=viewer.account_name)), section(outsider_text(viewer))]


def not_admin_text(viewer: Viewer) -> str:
    """The answer to anybody but an admin who tries to change something."""
    if is_outsider(viewer):
        return outsider_text(viewer)
    return _(
        "Only account admins can change licenses. The admins of {account} are: {admins}.",
        account=escape(viewer.account_name),
        admins=admins_phrase(viewer),
    )


def read_only_note(viewer: Viewer) -> Block:
    return context(
        _(
            "You can see this page; only account admins can change licenses. The admins of {account} are: {admins}.",
            account=escape(viewer.account_name),
            admins=admins_phrase(viewer),
        )
    )


def admin_buttons(page: LicensePage) -> Block:
    """Remove licenses and Deactivate users (Cancel request sits beside the pending request); Switch package
    when the account has a package with a smaller one in the catalog and no switch pending."""
    elements = [
        button(_("Remove licenses"), Action.OPEN_REDUCE, style="primary"),
        button(_("Deactivate users"), Action.OPEN_DEACTIVATE),
    ]
    pkg = page.package
    if pkg is not None and pkg.smaller and pkg.pending is None:
        elements.append(button(_("Switch package"), Action.OPEN_SWITCH))
    return actions(elements, block_id=BlockId.ACTIONS)


def page_blocks(page: LicensePage, viewer: Viewer, consent: Sequence[Block] = ()) -> list[Block]:
    """The `/licenses status` answer (`consent`: the admin consent section, handlers/blocks/consent.py)."""
    if is_outsider(viewer):
        return outsider_blocks(viewer)
    blocks: list[Block] = [header(_("Licenses · {account}", account=page.terms.name)), summary_fields(page)]
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
    blocks.append(context(not_lowering()))
    blocks.append(admin_buttons(page) if viewer.is_admin else read_only_note(viewer))
    blocks.extend(consent)
    return blocks


def page_text(page: LicensePage) -> str:
    """The notification fallback of the page."""
    return _(
        "Licenses of {account}: {licensed} licensed, {active} active; next renewal {renewal}",
        account=escape(page.terms.name),
        licensed=page.terms.licensed_seats,
        active=page.active,
        renewal=fmt_date(page.next_renewal),
    )


def home_view(
    page: LicensePage,
    viewer: Viewer,
    activity: Sequence[Entry] = (),
    consent: Sequence[Block] = (),
    parts: dict[tuple[str, ...], list[Block]] | None = None,
) -> dict[str, Any]:
    """The App Home tab: renewal and deadline first, the banner, seats, the request, buttons, activity.

    `parts`: blocks already built for another reader of the same page (every admin's Home refreshed after a
    change): what does not depend on who reads it is built once per language (and admin or not)."""
    if is_outsider(viewer):
        return {"type": "home", "blocks": outsider_blocks(viewer)}
    built = {} if parts is None else parts
    lang, admin = language(), "admin" if viewer.is_admin else "member"
    head = built.get(("head", lang, admin))
    if head is None:
        head = built[("head", lang, admin)] = _home_head(page, viewer.is_admin)
    tail = built.get(("tail", lang))
    if tail is None:
        tail = built[("tail", lang)] = _home_tail(page, activity)
    blocks = [*head, admin_buttons(page) if viewer.is_admin else read_only_note(viewer), *consent, *tail]
    return {"type": "home", "blocks": fit(blocks, HOME_BLOCKS, budget=HOME_TEXT)}


def _home_head(page: LicensePage, admin: bool) -> list[Block]:
    t = page.terms
    blocks: list[Block] = [
        header(_("Licenses · {account}", account=t.name)),
        section(
            _(
                "*Next renewal: {renewal}* ({when})",
                renewal=fmt_date(page.next_renewal),
                when=days_phrase((page.next_renewal - page.today).days),
            )
            + f"\n{deadline_label()}: {fmt_date(page.next_deadline)} ({deadline_phrase(page.days_to_deadline)})"
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
    blocks.extend(package_blocks(page, admin=admin))
    blocks.append(pending_block(page, admin=admin))
    blocks.extend(addon_blocks(page, admin=admin))
    blocks.append(context(not_lowering()))
    return blocks


def _home_tail(page: LicensePage, activity: Sequence[Entry]) -> list[Block]:
    blocks: list[Block] = []
    lines = activity_lines(activity, page.terms.timezone)
    if lines:
        blocks += [divider(), section("*{}*".format(_("Recent activity"))), context("\n".join(lines))]
    blocks.append(language_block())
    return blocks
