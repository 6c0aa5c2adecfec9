"""Messages the background handler sends about what happened (pure Block Kit builders).

- renewal_summary_message: what processing the renewal did.
- teamleader_reconnect_message: Teamleader revoked our access; an admin must connect again.
- request_changed_message: the operator changed the seats or the renewal under the pending request.

People's text (names, account names) goes through `escape()` (handlers/blocks/mrkdwn.py).
"""

from __future__ import annotations

import pendulum

from bot.core.page import PREVIEW, AccountTerms, TeamleaderLink
from bot.core.results import ListKind, RenewalOutcome, RequestChange
from bot.i18n import _, n_
from handlers.blocks.lines import lines_renewal_sentences
from handlers.blocks.lists import ListRef, preview_lines, see_all_button
from handlers.blocks.mrkdwn import (
    Block,
    actions,
    actor,
    context,
    escape,
    header,
    line_sections,
)
from handlers.blocks.notices import Message, as_message
from handlers.blocks.wording import (
    fmt_date,
    fmt_local_time,
    licenses,
    not_lowering,
    reconnect_banner,
    users,
    users_are_active,
)


def renewal_summary_message(outcome: RenewalOutcome) -> Message:
    o = outcome
    renewal = fmt_date(o.renewal)
    lines: list[str] = []
    if o.late:
        local = pendulum.instance(o.processed_at).in_timezone(o.timezone)
        clock = local.format("HH:mm")
        lines.append(
            _(
                ":hourglass: *Processed late*: on {day} at {time} ({timezone}), not right after the renewal day "
                "ended, because licensebot's worker was not running.",
                day=fmt_date(local.date()),
                time=clock,
                timezone=escape(o.timezone),
            )
        )
    if o.request_id is None and not o.changed:
        lines.append(
            _("The renewal of *{renewal}* is processed. No request was pending: nothing changed.", renewal=renewal)
        )
    elif o.request_id is None:
        lines.append(_("The renewal of *{renewal}* is processed.", renewal=renewal))
    else:
        if o.requested_by:
            who = _(" (request #{id} by {who})", id=o.request_id, who=actor(o.requested_by))
        else:
            who = _(" (request #{id})", id=o.request_id)
        lines.append(
            _(
                "The renewal of *{renewal}* is processed{who}: *{before} → {after}*. The removed licenses are no "
                "longer charged.",
                renewal=renewal,
                who=who,
                before=o.seats_before,
                after=licenses(o.seats_after),
            )
        )
        if o.deactivated:
            lines.append(_("Deactivated automatically ({users}, they lost access):", users=users(len(o.deactivated))))
            lines.extend(preview_lines(o.deactivated, 0, how=_("*See all* lists everyone, page by page")))
        elif not o.unresolved:
            lines.append(_("The active users fit the new number of licenses: nobody was deactivated."))
        if o.unresolved:
            lines.append(
                _(
                    ":warning: *{users} could not be deactivated automatically*: only admins without written "
                    "consent were left, and an admin is never deactivated without it. {active} for {licenses}: "
                    "deactivate {users} yourself, or ask an admin for consent.",
                    users=users(o.unresolved),
                    active=users_are_active(o.active_after),
                    licenses=licenses(o.seats_after),
                )
            )
    lines.extend(lines_renewal_sentences(o))
    title = (
        _("Renewal of {renewal} processed late", renewal=renewal)
        if o.late
        else _("Renewal of {renewal} processed", renewal=renewal)
    )
    blocks: list[Block] = [header(title), *line_sections(lines)]
    if len(o.deactivated) > PREVIEW:
        blocks.append(actions([see_all_button(ListRef(ListKind.RENEWAL, o.renewal), len(o.deactivated))]))
    if o.request_id is not None:
        blocks.append(context(not_lowering()))
    if o.late:
        text = _(
            "{account}: the renewal of {renewal} is processed (late)", account=escape(o.account_name), renewal=renewal
        )
    else:
        text = _("{account}: the renewal of {renewal} is processed", account=escape(o.account_name), renewal=renewal)
    if o.request_id is not None:
        text += f", {o.seats_before} → {licenses(o.seats_after)}"
        if o.deactivated:
            text += ", " + n_("{n} user deactivated", "{n} users deactivated", len(o.deactivated))
        if o.unresolved:
            text += ", " + n_("{n} user still over the count", "{n} users still over the count", o.unresolved)
    for a in o.addons:
        text += f", {escape(a.line)} {a.seats_before} → {a.seats_after}"
    if o.switch is not None:
        text += ", " + _(
            "package {before} → {after}", before=escape(o.switch.from_tier), after=escape(o.switch.to_tier)
        )
    return as_message(text + ".", blocks)


def teamleader_reconnect_message(terms: AccountTerms, link: TeamleaderLink) -> Message:
    """Teamleader refused our refresh token (revoked): members are no longer synced until an admin reconnects."""
    if not link.reconnect_needed:
        raise ValueError("a reconnect notice needs a revoked Teamleader connection")
    t = terms
    banner = reconnect_banner(t.team_id, link, t.timezone, code="`")
    if link.last_sync_at:
        last = _("the members as last synced ({when})", when=fmt_local_time(link.last_sync_at, t.timezone))
    else:
        last = _("the members stored in licensebot")
    lines = [
        f":warning: *{escape(t.name)}*: {banner}.",
        _(
            "Until then reminders and the renewal work on {last}: users added or deactivated in Teamleader since "
            "then are not seen here.",
            last=last,
        ),
    ]
    blocks: list[Block] = [
        header(_("Teamleader must be connected again")),
        *line_sections(lines),
        context(_("An admin of the Teamleader account grants access again through the link that command prints.")),
    ]
    text = _("{account}: Teamleader access was revoked; an admin must reconnect it.", account=escape(t.name))
    return as_message(text, blocks)


def request_changed_message(change: RequestChange) -> Message:
    """The pending request follows a change of the licensed seats or of the renewal date."""
    c = change
    lines = [
        _(
            "*{account}*: the account's terms changed under request #{id} (by {who}). It still goes to *{keeps}*.",
            account=escape(c.account_name),
            id=c.request_id,
            who=actor(c.requested_by),
            keeps=licenses(c.keeps),
        )
    ]
    if c.licensed_seats != c.seats_before:
        lines.append(
            _(
                "The licenses changed from {before} to {seats}: the request now removes *{removed}* "
                "({seats} → {keeps}) instead of {removed_before}.",
                before=c.seats_before,
                seats=c.licensed_seats,
                removed=licenses(c.seats_removed),
                keeps=c.keeps,
                removed_before=c.seats_removed_before,
            )
        )
    if c.renewal != c.renewal_before:
        line = _(
            "The renewal moved: the request now applies to the renewal of *{renewal}* (it was {before}).",
            renewal=fmt_date(c.renewal),
            before=fmt_date(c.renewal_before),
        )
        if c.missed is not None:
            line += " " + _(
                "The deadline for the renewal of {missed} had passed when the request was made.",
                missed=fmt_date(c.missed),
            )
        lines.append(line)
    blocks: list[Block] = [
        header(_("Request #{id} changed", id=c.request_id)),
        *line_sections(lines),
        context(_("Until the renewal is processed the request can still be cancelled (`/licenses cancel`).")),
    ]
    text = _(
        "{account}: request #{id} follows the new terms; it still goes to {keeps}.",
        account=escape(c.account_name),
        id=c.request_id,
        keeps=licenses(c.keeps),
    )
    return as_message(text, blocks)
