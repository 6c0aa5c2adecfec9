"""Formats of the ids licensebot reads from Slack (and from Teamleader): one definition each."""

from __future__ import annotations

import re

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
"""A Slack user id (U…, or W… on Enterprise Grid)."""
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,31}$")
"""A Slack channel id (C… public, G… private)."""
TEAM_ID = re.compile(r"^[TE][A-Z0-9]{2,31}$")
"""A Slack team (workspace) id, or an Enterprise Grid org id (E…)."""
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
"""A user mention in typed text: `<@U123>`, or `<@U123|name>` with "Escape channels, users, and links" on."""
