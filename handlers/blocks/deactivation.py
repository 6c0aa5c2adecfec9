"""Deactivating and reactivating users in Block Kit: the question before, the result after (who went, who
could not, why), and a reactivation's effect on the licenses (pure functions)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.results import DeactivationResult, Person, Reactivated
from bot.i18n import _, n_
from handlers.blocks.messages import Message, message
from handlers.blocks.mrkdwn import actions, button, context, escape, line_sections, mention, name_text, section
from handlers.blocks.wording import active_users, and_more, fmt_date, licenses, not_lowering
from handlers.ids import Action

NAMES_SHOWN = 20


def names_phrase(names: Sequence[str], how: str | None = None) -> str:
    """Up to NAMES_SHOWN names, comma-separated, then "and N more (<how>)"."""
    shown = ", ".join(name_text(n) for n in names[:NAMES_SHOWN])
    if len(names) <= NAMES_SHOWN:
        return shown
    how = how if how is not None else _("see `/licenses history`")
    return _("{listed} and {more} more ({how})", listed=shown, more=len(names) - NAMES_SHOWN, how=how)


def deactivated_message(
    result: DeactivationResult, *, unknown: Sequence[str] = (), consent_lines: Sequence[str] = ()
) -> Message:
    lines: list[str] = []
    if result.deactivated:
        lines.append(_(":white_check_mark: Deactivated: {names}.", names=names_phrase(result.deactivated)))
    lines.extend(consent_lines)
    if result.already:
        lines.append(_("Already deactivated: {names}.", names=names_phrase(result.already, _("all chosen"))))
    if result.last_admin:
        lines.append(
            _(
                "Not deactivated: {names}, the last active admin. At least one admin always remains.",
                names=names_phrase(result.last_admin),
            )
        )
    if unknown:
        who = and_more(", ".join(mention(u) for u in unknown[:NAMES_SHOWN]), len(unknown) - NAMES_SHOWN)
        lines.append(_("Not members of this account (nothing done): {who}.", who=who))
    if not lines:
        lines.append(_("Nobody was deactivated."))
    lines.append(f"*{not_lowering()}*")
    if result.pending is None:
        lines.append(_("No request is pending: to lower the number of licenses, use `/licenses reduce`."))
    else:
        p = result.pending
        lines.append(
            _(
                "Pending: request #{id} removes {licenses} at the renewal of {renewal}.",
                id=p.id,
                licenses=licenses(p.seats_removed),
                renewal=fmt_date(p.renewal),
            )
        )
    return message(lines[0], line_sections(lines))


def reactivated_message(done: Reactivated) -> Message:
    """`/licenses reactivate @user`: who is back, and what it means for the licenses."""
    text = _(
        ":arrows_counterclockwise: {name} is active again: {active} for {licenses}",
        name=escape(done.name),
        active=active_users(done.active),
        licenses=licenses(done.licensed_seats),
    )
    if done.over_at_renewal:
        text += "; " + n_(
            "with the pending request {n} user must still be deactivated by its renewal",
            "with the pending request {n} users must still be deactivated by its renewal",
            done.over_at_renewal,
        )
    return message(text + ".")


def deactivate_question(people: Sequence[Person], unknown: Sequence[str] = ()) -> Message:
    """`/licenses deactivate @a @b` asks first: who exactly, and a button that does it."""
    admin = " " + _("(admin: only with their written consent)")
    names = [f"• {escape(p.name)}{admin if p.is_admin else ''}" for p in people]
    text = n_(
        "Deactivate {n} user? They lose access to Teamleader Focus.",
        "Deactivate {n} users? They lose access to Teamleader Focus.",
        len(people),
    )
    lines = [f"*{text}*", *names]
    if unknown:
        lines.append(_("Not users of this account (left out): {who}", who=", ".join(mention(u) for u in unknown)))
    value = ",".join(str(p.member_id) for p in people)
    return message(
        text,
        [
            section("\n".join(lines)),
            context(not_lowering()),
            actions(
                [
                    button(
                        n_("Yes, deactivate {n} user", "Yes, deactivate {n} users", len(people)),
                        Action.CONFIRM_DEACTIVATE,
                        value=value,
                        style="danger",
                    )
                ]
            ),
        ],
    )
