"""Messages: help, users, history, confirmations, admin-channel posts, results (pure functions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core import policy
from bot.core.page import AccountTerms, PendingRequest
from bot.core.results import DeactivationResult, ListKind, PagedList, Person, Submitted, UsersOverview
from bot.core.wording import added_phrase, fmt_date, money, plural
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
from handlers.blocks.page import NOT_LOWERING, cancel_button
from handlers.ids import Action

Message = dict[str, Any]
"""`text` (the notification fallback, mrkdwn) and `blocks`."""

SECOND_REQUEST_RULE = (
    "One request can be pending per renewal. A second request is refused and names the pending one: "
    "cancel it first (`/licenses cancel`), then request the number you want."
)


def message(text: str, blocks: list[Block] | None = None) -> Message:
    return {"text": fallback(text), "blocks": fit(blocks if blocks is not None else [section(text)])}


def help_message() -> Message:
    lines = [
        "*`/licenses`* or *`/licenses status`*: the license page (renewal, deadline, licenses, pending request).",
        "*`/licenses reduce [N]`*: remove N user licenses at the next renewal (opens a form); with add-on "
        "licenses (such as Lead capture Booster · Beyond users) it asks which line first.",
        "*`/licenses cancel`*: cancel the pending request (you confirm first).",
        "*`/licenses plan`*: your package and its features; switch to a smaller package at the renewal.",
        "*`/licenses users`*: active users, and who would be deactivated automatically at the renewal.",
        "*`/licenses deactivate @user …`*: deactivate users now (without names: opens a form). "
        "Admins are deactivated only after they give written consent.",
        "*`/licenses reactivate @user`*: reactivate a user deactivated by hand (needs a free license).",
        "*`/licenses consent @admin`*: ask an admin for written consent that their admin rights may be removed.",
        "*`/licenses channel`*: run in a channel to make it the admin channel (posts about requests).",
        "*`/licenses history`*: the latest changes.",
        "*`/licenses link CODE`*: a workspace admin links this workspace to the account of the link code "
        "your provider gave you.",
        "*`/licenses help`*: this help.",
    ]
    return message(
        "How to use /licenses",
        [
            header("/licenses"),
            section("\n".join(lines)),
            context(f"{SECOND_REQUEST_RULE} {NOT_LOWERING} Only account admins can change licenses."),
        ],
    )


def users_message(ov: UsersOverview) -> Message:
    """`/licenses users [--page N]`: one page of the active users (oldest first), who would go automatically
    (the first few, then "and N more"), and how to see the rest."""
    page, auto = ov.page, ov.automatic
    tz = page.terms.timezone
    renewal = page.pending.renewal if page.pending else page.next_renewal
    if auto.shortfall == 0:
        summary = (
            f"{plural(page.active, 'active user')} fit the {plural(ov.seat_count, 'license')} at the renewal of "
            f"{fmt_date(renewal)}: "
            "nobody would be deactivated automatically."
        )
    else:
        summary = (
            f"{plural(page.active, 'active user')} for {plural(ov.seat_count, 'license')} at the renewal of "
            f"{fmt_date(renewal)}: "
            f"if it were processed now, {plural(auto.total, 'user')} would be deactivated automatically, the most "
            "recently added first" + (":" if auto.total else ".")
        )
    lines = [summary]
    if auto.total:
        lines.extend(preview_lines(auto.chosen, auto.more, how="see them all with `/licenses users --at-risk`"))
    if auto.unresolved:
        lines.append(f"{plural(auto.unresolved, 'more user')} cannot be chosen: only admins without consent are left.")
    people = [
        f"{name_text(p.name)}{' · admin' if p.is_admin else ''} · {added_phrase(p.added_at, tz)}" for p in ov.people
    ]
    blocks = [header(f"Active users · {page.terms.name}"), *line_sections(lines), *line_sections(people)]
    if ov.pages > 1:
        shown = f"{ov.offset + 1}–{ov.offset + len(ov.people)}"
        footer = f"Users {shown} of {page.active}, oldest first · page {ov.page_number} of {ov.pages}."
        if ov.page_number < ov.pages:
            footer += f" Next: `/licenses users --page {ov.page_number + 1}`."
        blocks.append(context(footer))
    if auto.more:
        blocks.append(actions([see_all_button(ListRef(ListKind.AT_RISK), auto.total)]))
    return message(f"{plural(page.active, 'active user')} of {escape(page.terms.name)}", blocks)


def at_risk_message(paged: PagedList) -> Message:
    """`/licenses users --at-risk [--page N]`."""
    text, blocks = list_message_parts(paged)
    return message(text, [header(f"Deactivated automatically · {paged.account_name}"), *blocks])


def history_message(account_name: str, entries: Sequence[Entry], timezone: str) -> Message:
    lines = activity_lines(entries, timezone)
    if not lines:
        return message("Nothing has happened yet.")
    blocks = [header(f"History · {account_name}"), *line_sections(lines)]
    return message(f"The latest changes of {escape(account_name)}", blocks)


def _request_phrase(request: PendingRequest, seats_before: int, seats_after: int, line: str = "") -> str:
    of = f" of *{escape(line)}*" if line else ""
    return (
        f"remove {plural(request.seats_removed, 'license')}{of} at the renewal of *{fmt_date(request.renewal)}* "
        f"({seats_before} → {seats_after})"
    )


def _before_and_line(done: Submitted, terms: AccountTerms) -> tuple[int, str]:
    """The count the request starts from, and the add-on line's name (empty for the package line)."""
    return (done.line.licensed, done.line.name) if done.line else (terms.licensed_seats, "")


def late_line(done: Submitted) -> str | None:
    """A late request: the nearer renewal's deadline had passed, so it applies to a later renewal."""
    missed = done.target.missed
    if missed is None:
        return None
    return (
        f":hourglass: The deadline for the renewal of {fmt_date(missed)} ({fmt_date(policy.deadline_for(missed))}) "
        f"had passed, so this request applies to the renewal of *{fmt_date(done.request.renewal)}* instead; "
        f"the renewal of {fmt_date(missed)} keeps the current number of licenses."
    )


def submitted_message(done: Submitted, terms: AccountTerms) -> Message:
    """The confirmation to the requester, with a Cancel button."""
    r, t = done.request, terms
    before, line = _before_and_line(done, t)
    lines = [f":white_check_mark: Request #{r.id} is saved: {_request_phrase(r, before, done.new_seat_count, line)}."]
    late = late_line(done)
    if late:
        lines.append(late)
    if done.saving is not None:
        lines.append(f"Saving: {escape(money(done.saving, t.currency))} per {t.plan.value} period.")
    lines.append(
        f"Charges for the removed licenses stop from {fmt_date(r.renewal)}; there is no credit note for the rest "
        "of the current period."
    )
    if line and done.deactivation.total:
        d = done.deactivation
        lines.append(
            f"*{plural(d.total, 'user')} hold this add-on over the new number.* Unless you change the assignments "
            f"by {fmt_date(r.renewal)}, they lose the add-on (not their account), the most recently assigned first:"
        )
        lines.extend(preview_lines(d.chosen, d.more, how="see the license page"))
    elif line:
        lines.append("The users holding this add-on fit the new number of licenses: nobody loses it.")
    elif done.deactivation.shortfall:
        d = done.deactivation
        lines.append(
            f"*{plural(d.shortfall, 'user')} must be deactivated by {fmt_date(r.renewal)}.* "
            + (
                "Otherwise these are deactivated automatically on the renewal day:"
                if d.total
                else "Nobody can be chosen automatically: only admins without consent are left."
            )
        )
        lines.extend(preview_lines(d.chosen, d.more, how="see them all with `/licenses users --at-risk`"))
    else:
        lines.append("The active users fit the new number of licenses: nobody has to be deactivated.")
    first, *rest = line_sections(lines)
    blocks = [
        {**first, "accessory": cancel_button(r.id, r.seats_removed, r.renewal)},
        *rest,
        context("You can cancel the request until the renewal has been processed. " + NOT_LOWERING),
    ]
    of = f" of {escape(line)}" if line else ""
    return message(f"Request #{r.id} saved: remove {plural(r.seats_removed, 'license')}{of}", blocks)


def submitted_post(done: Submitted, terms: AccountTerms, requester: str) -> Message:
    """The admin-channel post about a new request."""
    r, t = done.request, terms
    before, line = _before_and_line(done, t)
    text = f"{mention(requester)} requested to {_request_phrase(r, before, done.new_seat_count, line)} (#{r.id})."
    late = late_line(done)
    if late:
        text += f"\n{late}"
    if done.deactivation.shortfall and not line:
        text += (
            f"\n{plural(done.deactivation.shortfall, 'user')} must be deactivated by {fmt_date(r.renewal)}, "
            "otherwise the most recently added users are deactivated automatically."
        )
    return message(text, [section(text), context("See the license page: `/licenses` or the app's Home tab.")])


def cancel_question(p: PendingRequest, line: str = "") -> Message:
    of = f" of {escape(line)}" if line else ""
    text = (
        f"Cancel request #{p.id} to remove {plural(p.seats_removed, 'license')}{of} "
        f"at the renewal of {fmt_date(p.renewal)}?"
    )
    return message(
        text,
        [
            section(text + " The number of licenses then stays as it is. The request stays in the history."),
            actions([button("Yes, cancel the request", Action.CONFIRM_CANCEL, value=str(p.id), style="danger")]),
        ],
    )


def cancelled_message(p: PendingRequest) -> Message:
    return message(
        f":x: Request #{p.id} to remove {plural(p.seats_removed, 'license')} at the renewal of "
        f"{fmt_date(p.renewal)} is cancelled. The number of licenses stays as it is."
    )


def cancelled_post(p: PendingRequest, by: str) -> Message:
    return message(
        f"{mention(by)} cancelled request #{p.id} to remove {plural(p.seats_removed, 'license')} at the renewal of "
        f"{fmt_date(p.renewal)}."
    )


NAMES_SHOWN = 20


def names_phrase(names: Sequence[str], how: str = "see `/licenses history`") -> str:
    """Up to NAMES_SHOWN names, comma-separated, then "and N more (<how>)"."""
    shown = ", ".join(name_text(n) for n in names[:NAMES_SHOWN])
    return shown if len(names) <= NAMES_SHOWN else f"{shown} and {len(names) - NAMES_SHOWN} more ({how})"


def deactivated_message(
    result: DeactivationResult, *, unknown: Sequence[str] = (), consent_lines: Sequence[str] = ()
) -> Message:
    lines: list[str] = []
    if result.deactivated:
        lines.append(f":white_check_mark: Deactivated: {names_phrase(result.deactivated)}.")
    lines.extend(consent_lines)
    if result.already:
        lines.append(f"Already deactivated: {names_phrase(result.already, 'all chosen')}.")
    if result.last_admin:
        names = names_phrase(result.last_admin)
        lines.append(f"Not deactivated: {names}, the last active admin. At least one admin always remains.")
    if unknown:
        who = ", ".join(mention(u) for u in unknown[:NAMES_SHOWN]) + (
            f" and {len(unknown) - NAMES_SHOWN} more" if len(unknown) > NAMES_SHOWN else ""
        )
        lines.append(f"Not members of this account (nothing done): {who}.")
    if not lines:
        lines.append("Nobody was deactivated.")
    lines.append(f"*{NOT_LOWERING}*")
    if result.pending is None:
        lines.append("No request is pending: to lower the number of licenses, use `/licenses reduce`.")
    else:
        p = result.pending
        lines.append(
            f"Pending: request #{p.id} removes {plural(p.seats_removed, 'license')} "
            f"at the renewal of {fmt_date(p.renewal)}."
        )
    return message(lines[0], line_sections(lines))


def channel_set_message(channel: str, posted: bool) -> Message:
    text = f"{channel_link(channel)} is now the admin channel: new and cancelled requests are posted here."
    if not posted:
        text += " I cannot post here yet: invite me with `/invite @licensebot`."
    return message(text)


def channel_welcome(account_name: str) -> Message:
    return message(f"This channel now gets the license posts of {escape(account_name)}.")


def error_message(text_escaped: str) -> Message:
    return message(f":no_entry: {text_escaped}")


def deactivate_question(people: Sequence[Person], unknown: Sequence[str] = ()) -> Message:
    """`/licenses deactivate @a @b` asks first: who exactly, and a button that does it."""
    names = [f"• {escape(p.name)}{' (admin: only with their written consent)' if p.is_admin else ''}" for p in people]
    text = f"Deactivate {plural(len(people), 'user')}? They lose access to Teamleader Focus."
    lines = [f"*{text}*", *names]
    if unknown:
        lines.append("Not users of this account (left out): " + ", ".join(mention(u) for u in unknown))
    value = ",".join(str(p.member_id) for p in people)
    return message(
        text,
        [
            section("\n".join(lines)),
            context(NOT_LOWERING),
            actions(
                [
                    button(
                        f"Yes, deactivate {plural(len(people), 'user')}",
                        Action.CONFIRM_DEACTIVATE,
                        value=value,
                        style="danger",
                    )
                ]
            ),
        ],
    )
