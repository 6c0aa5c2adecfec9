"""The consent section of the license page (App Home and `/licenses status`), for admins only."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.consent import Consent
from bot.core.results import Viewer
from bot.usecases import consent
from handlers.blocks.consent import page_section
from handlers.blocks.mrkdwn import Block
from handlers.context import Ctx


def consent_blocks(ctx: Ctx, viewer: Viewer, current: Mapping[int, Consent] | None = None) -> list[Block]:
    """Each admin's consent status with *Ask for consent* buttons; the viewer's own Review/Revoke. [] for others.

    `current`: the account's current consents when the caller read them already (several App Homes)."""
    if not viewer.is_admin or viewer.member is None:
        return []
    if current is None:
        current = consent.current_consents(ctx.deps.db, team=ctx.team)
    return page_section(viewer.member.member_id, viewer.admins, current)
