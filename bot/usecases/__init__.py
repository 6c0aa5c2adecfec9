"""Use cases: the steps between the pure rules (bot/core) and the adapters (CLI, Slack, worker).

Each use case is one transaction and writes the audit log; callers pass `now`. This package exports
the use cases, with their input type `AccountChanges` and the `Database` port they take; what they
return are core types (bot/core/results.py, bot/core/page.py); the reads they share are store/queries.py.

- accounts.py: account settings, the admin channel; members.py: the CSV import, deactivating by hand;
- reactivate.py: reactivate a user deactivated by hand (a free license needed);
- requests.py: submit and cancel a reduction; pages.py: the license page, the request target, history;
- people.py: who a Slack user is, the users list; snapshot.py: a license page as one user sees it;
- consent.py (asking), consent_answers.py (answering) and consents.py (reading, export): written consent of
  admins;
- operations.py: what operators watch (the outbox counts of /metrics).
"""

from __future__ import annotations

from bot.usecases.accounts import AccountChanges, add_account, set_admin_channel, update_account
from bot.usecases.members import deactivate_members, import_members
from bot.usecases.operations import outbox_counts
from bot.usecases.pages import history, license_page, request_target
from bot.usecases.ports import Database
from bot.usecases.reactivate import reactivate_member
from bot.usecases.requests import cancel_request, submit_and_read, submit_reduction

__all__ = [
    "AccountChanges",
    "Database",
    "add_account",
    "cancel_request",
    "deactivate_members",
    "history",
    "import_members",
    "license_page",
    "outbox_counts",
    "reactivate_member",
    "request_target",
    "set_admin_channel",
    "submit_and_read",
    "submit_reduction",
    "update_account",
]
