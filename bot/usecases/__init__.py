"""Use cases: the steps between the pure policy and the adapters (CLI, Slack, worker).

Each use case is one transaction and writes the audit log. Callers pass `now`.

- common.py: Actor, loading the account, the audit log, members and the pending request, `wake`;
- accounts.py: account settings and the admin channel; members.py: CSV import, deactivating by hand;
- requests.py: submit and cancel a reduction; pages.py: the license page, the request target, history.

`from bot import usecases` and `from bot.usecases import X` work for every name below.
"""

from __future__ import annotations

from bot.usecases.accounts import AccountChanges, add_account, set_admin_channel, update_account
from bot.usecases.common import (
    OPERATOR,
    Actor,
    audit,
    consented_member_ids,
    guard_database,
    load_account,
    member_for_slack_user,
    pending_of,
    policy_members,
    require_admin,
    roster_of,
    terms_of,
    wake,
)
from bot.usecases.members import DeactivationResult, deactivate_members, import_members
from bot.usecases.pages import history, license_page, page_of, request_target, teamleader_link
from bot.usecases.requests import Submitted, cancel_request, submit_reduction

__all__ = [
    "OPERATOR",
    "AccountChanges",
    "Actor",
    "DeactivationResult",
    "Submitted",
    "add_account",
    "audit",
    "cancel_request",
    "consented_member_ids",
    "deactivate_members",
    "guard_database",
    "history",
    "import_members",
    "license_page",
    "load_account",
    "member_for_slack_user",
    "page_of",
    "pending_of",
    "policy_members",
    "request_target",
    "require_admin",
    "roster_of",
    "set_admin_channel",
    "submit_reduction",
    "teamleader_link",
    "terms_of",
    "update_account",
    "wake",
]
