"""Messages: help, users, history, confirmations, admin-channel posts, results (pure functions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core import policy
from bot.core.page import AccountTerms, PendingRequest
from bot.core.results import ListKind, PagedList, Submitted, UsersOverview
from bot.i18n import _, n_
from handlers.blocks.activity import Entry, activity_lines
from handlers.blocks.lists import ListRef, list_message_parts, preview_lines, see_all_button
from handlers.blocks.mrkdwn import (
    Block,
    actions,
    button,
    channel_link,
    context,
    escape,
    fallback,
    fit,
    header,
    line_sections,
    mention,
    name_text,
    section,
)
from handlers.blocks.page import cancel_button
from handlers.blocks.wording import (
    active_users,
    added_phrase,
    fmt_date,
    licenses,
    money,
    more_users,
    not_lowering,
    per_period,
    users,
)
from handlers.ids import Action

Message = dict[str, Any]
"""`text` (the notification fallback, mrkdwn) and `blocks`."""


def second_request_rule() -> str:
    return _(
        "One request can be pending per renewal. A second request is refused and names the pending one: "
        "cancel it first (`/licenses cancel`), then request the number you want."
    )


def message(text: str, blocks: list[Block] | None = None) -> Message:
    return {"text": fallback(text), "blocks": fit(blocks if blocks is not None else [section(text)])}


def help_message() -> Message:
    lines = [
        _("*`/licenses`* or *`/licenses status`*: the license page (renewal, deadline, licenses, pending request)."),
        _(
            "*`/licenses reduce [N]`*: remove N user licenses at the next renewal (opens a form); with add-on "
            "licenses (such as Lead capture Booster · Beyond users) it asks which line first."
        ),
        _("*`/licenses cancel`*: cancel the pending request (you confirm first)."),
        _("*`/licenses plan`*: your package and its features; switch to a smaller package at the renewal."),
        _("*`/licenses users`*: active users, and who would be deactivated automatically at the renewal."),
        _(
            "*`/licenses deactivate @user …`*: deactivate users now (without names: opens a form). "
            "Admins are deactivated only after they give written consent."
        ),
        _("*`/licenses reactivate @user`*: reactivate a user deactivated by hand (needs a free license)."),
        _("*`/licenses consent @admin`*: ask an admin for written consent that their admin rights may be removed."),
        _("*`/licenses channel`*: run in a channel to make it the admin channel (posts about requests)."),
        _("*`/licenses history`*: the latest changes."),
        _(
            "*`/licenses link CODE`*: a workspace admin links this workspace to the account of the link code "
            "your provider gave you."
        ),
        _("*`/licenses language nl|fr|en`*: the language licensebot writes to you in (Nederlands, Français, English)."),
        _("*`/licenses help`*: this help."),
    ]
    rule = second_request_rule()
    return message(
        _("How to use /licenses"),
        [
            header("/licenses"),
            section("\n".join(lines)),
            context(f"{rule} {not_lowering()} " + _("Only account admins can change licenses.")),
        ],
    )


def users_message(ov: UsersOverview) -> Message:
    """`/licenses users [--page N]`: one page of the active users (oldest first), who would go automatically
    (the first few, then "and N more"), and how to see the rest."""
    page, auto = ov.page, ov.automatic
    tz = page.terms.timezone
    renewal = page.pending.renewal if page.pending else page.next_renewal
    args = {"active": active_users(page.active), "licenses": licenses(ov.seat_count), "renewal": fmt_date(renewal)}
    if auto.shortfall == 0:
        summary = _(
            "{active} fit the {licenses} at the renewal of {renewal}: nobody would be deactivated automatically.",
            **args,
        )
    else:
        summary = _(
            "{active} for {licenses} at the renewal of {renewal}: if it were processed now, {users} would be "
            "deactivated automatically, the most recently added first",
            users=users(auto.total),
            **args,
        ) + (":" if auto.total else ".")
    lines = [summary]
    how = _("see them all with `/licenses users --at-risk`")
    if auto.total:
        lines.extend(preview_lines(auto.chosen, auto.more, how=how))
    if auto.unresolved:
        lines.append(
            _(
                "{users} cannot be chosen: only admins without consent are left.",
                users=more_users(auto.unresolved),
            )
        )
    admin = " · " + _("admin")
    people = [f"{name_text(p.name)}{admin if p.is_admin else ''} · {added_phrase(p.added_at, tz)}" for p in ov.people]
    blocks = [
        header(_("Active users · {account}", account=page.terms.name)),
        *line_sections(lines),
        *line_sections(people),
    ]
    if ov.pages > 1:
        footer = _(
            "Users {first}–{last} of {total}, oldest first · page {page} of {pages}.",
            first=ov.offset + 1,
            last=ov.offset + len(ov.people),
            total=page.active,
            page=ov.page_number,
            pages=ov.pages,
        )
        if ov.page_number < ov.pages:
            footer += " " + _("Next: `/licenses users --page {next}`.", next=ov.page_number + 1)
        blocks.append(context(footer))
    if auto.more:
        blocks.append(actions([see_all_button(ListRef(ListKind.AT_RISK), auto.total)]))
    return message(
        _("{active} of {account}", active=active_users(page.active), account=escape(page.terms.name)), blocks
    )


def at_risk_message(paged: PagedList) -> Message:
    """`/licenses users --at-risk [--page N]`."""
    text, blocks = list_message_parts(paged)
    return message(text, [header(_("Deactivated automatically · {account}", account=paged.account_name)), *blocks])


def history_message(account_name: str, entries: Sequence[Entry], timezone: str) -> Message:
    lines = activity_lines(entries, timezone)
    if not lines:
        return message(_("Nothing has happened yet."))
    blocks = [header(_("History · {account}", account=account_name)), *line_sections(lines)]
    return message(_("The latest changes of {account}", account=escape(account_name)), blocks)


def _request_phrase(request: PendingRequest, seats_before: int, seats_after: int, line: str = "") -> str:
    if line:
        return _(
            "remove {licenses} of *{line}* at the renewal of *{renewal}* ({before} → {after})",
            licenses=licenses(request.seats_removed),
            line=escape(line),
            renewal=fmt_date(request.renewal),
            before=seats_before,
            after=seats_after,
        )
    return _(
        "remove {licenses} at the renewal of *{renewal}* ({before} → {after})",
        licenses=licenses(request.seats_removed),
        renewal=fmt_date(request.renewal),
        before=seats_before,
        after=seats_after,
    )


def _before_and_line(done: Submitted, terms: AccountTerms) -> tuple[int, str]:
    """The count the request starts from, and the add-on line's name (empty for the package line)."""
    return (done.line.licensed, done.line.name) if done.line else (terms.licensed_seats, "")


def late_line(done: Submitted) -> str | None:
    """A late request: the nearer renewal's deadline had passed, so it applies to a later renewal."""
    missed = done.target.missed
    if missed is None:
        return None
    return _(
        ":hourglass: The deadline for the renewal of {missed} ({deadline}) had passed, so this request applies to "
        "the renewal of *{renewal}* instead; the renewal of {missed} keeps the current number of licenses.",
        missed=fmt_date(missed),
        deadline=fmt_date(policy.deadline_for(missed)),
        renewal=fmt_date(done.request.renewal),
    )


def submitted_message(done: Submitted, terms: AccountTerms) -> Message:
    """The confirmation to the requester, with a Cancel button."""
    r, t = done.request, terms
    before, line = _before_and_line(done, t)
    lines = [
        _(
            ":white_check_mark: Request #{id} is saved: {phrase}.",
            id=r.id,
            phrase=_request_phrase(r, before, done.new_seat_count, line),
        )
    ]
    late = late_line(done)
    if late:
        lines.append(late)
    if done.saving is not None:
        lines.append(
            _(
                "Saving: {saving} {period}.",
                saving=escape(money(done.saving, t.currency)),
                period=per_period(t.plan.value),
            )
        )
    lines.append(
        _(
            "Charges for the removed licenses stop from {renewal}; there is no credit note for the rest of the "
            "current period.",
            renewal=fmt_date(r.renewal),
        )
    )
    if line and done.deactivation.total:
        d = done.deactivation
        lines.append(
            n_(
                "*{n} user holds this add-on over the new number.* Unless you change the assignments by {renewal}, "
                "they lose the add-on (not their account), the most recently assigned first:",
                "*{n} users hold this add-on over the new number.* Unless you change the assignments by {renewal}, "
                "they lose the add-on (not their account), the most recently assigned first:",
                d.total,
                renewal=fmt_date(r.renewal),
            )
        )
        lines.extend(preview_lines(d.chosen, d.more, how=_("see the license page")))
    elif line:
        lines.append(_("The users holding this add-on fit the new number of licenses: nobody loses it."))
    elif done.deactivation.shortfall:
        d = done.deactivation
        must = _("*{users} must be deactivated by {renewal}.*", users=users(d.shortfall), renewal=fmt_date(r.renewal))
        then = (
            _("Otherwise these are deactivated automatically on the renewal day:")
            if d.total
            else _("Nobody can be chosen automatically: only admins without consent are left.")
        )
        lines.append(f"{must} {then}")
        lines.extend(preview_lines(d.chosen, d.more, how=_("see them all with `/licenses users --at-risk`")))
    else:
        lines.append(_("The active users fit the new number of licenses: nobody has to be deactivated."))
    first, *rest = line_sections(lines)
    blocks = [
        {**first, "accessory": cancel_button(r.id, r.seats_removed, r.renewal)},
        *rest,
        context(_("You can cancel the request until the renewal has been processed.") + " " + not_lowering()),
    ]
    if line:
        text = _(
            "Request #{id} saved: remove {licenses} of {line}",
            id=r.id,
            licenses=licenses(r.seats_removed),
            line=escape(line),
        )
    else:
        text = _("Request #{id} saved: remove {licenses}", id=r.id, licenses=licenses(r.seats_removed))
    return message(text, blocks)


def submitted_post(done: Submitted, terms: AccountTerms, requester: str) -> Message:
    """The admin-channel post about a new request."""
    r, t = done.request, terms
    before, line = _before_and_line(done, t)
    text = _(
        "{who} requested to {phrase} (#{id}).",
        who=mention(requester),
        phrase=_request_phrase(r, before, done.new_seat_count, line),
        id=r.id,
    )
    late = late_line(done)
    if late:
        text += f"\n{late}"
    if done.deactivation.shortfall and not line:
        text += "\n" + _(
            "{users} must be deactivated by {renewal}, otherwise the most recently added users are deactivated "
            "automatically.",
            users=users(done.deactivation.shortfall),
            renewal=fmt_date(r.renewal),
        )
    return message(text, [section(text), context(_("See the license page: `/licenses` or the app's Home tab."))])


def cancel_question(p: PendingRequest, line: str = "") -> Message:
    if line:
        text = _(
            "Cancel request #{id} to remove {licenses} of {line} at the renewal of {renewal}?",
            id=p.id,
            licenses=licenses(p.seats_removed),
            line=escape(line),
            renewal=fmt_date(p.renewal),
        )
    else:
        text = _(
            "Cancel request #{id} to remove {licenses} at the renewal of {renewal}?",
            id=p.id,
            licenses=licenses(p.seats_removed),
            renewal=fmt_date(p.renewal),
        )
    more = _("The number of licenses then stays as it is. The request stays in the history.")
    return message(
        text,
        [
            section(f"{text} {more}"),
            actions([button(_("Yes, cancel the request"), Action.CONFIRM_CANCEL, value=str(p.id), style="danger")]),
        ],
    )


def cancelled_message(p: PendingRequest) -> Message:
    return message(
        _(
            ":x: Request #{id} to remove {licenses} at the renewal of {renewal} is cancelled. The number of "
            "licenses stays as it is.",
            id=p.id,
            licenses=licenses(p.seats_removed),
            renewal=fmt_date(p.renewal),
        )
    )


def cancelled_post(p: PendingRequest, by: str) -> Message:
    return message(
        _(
            "{who} cancelled request #{id} to remove {licenses} at the renewal of {renewal}.",
            who=mention(by),
            id=p.id,
            licenses=licenses(p.seats_removed),
            renewal=fmt_date(p.renewal),
        )
    )


def channel_set_message(channel: str, posted: bool) -> Message:
    text = _(
        "{channel} is now the admin channel: new and cancelled requests are posted here.",
        channel=channel_link(channel),
    )
    if not posted:
        text += " " + _("I cannot post here yet: invite me with `/invite @licensebot`.")
    return message(text)


def channel_welcome(account_name: str) -> Message:
    return message(_("This channel now gets the license posts of {account}.", account=escape(account_name)))


def error_message(text_escaped: str) -> Message:
    return message(f":no_entry: {text_escaped}")
