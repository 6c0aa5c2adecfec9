"""What other features add to each worker pass.

- Teamleader (bot/teamleader/jobs.py): `run_due_syncs(db, now)` at the start of every
  pass, and `before_renewal(db, team, now)` right before a renewal is processed (it syncs the
  account's users first; it raises to make the renewal wait when Teamleader is down and the last sync
  is stale). Without TEAMLEADER_* settings both do nothing for accounts that are not connected.
  Then `notify_reconnects(db, now)` (bot/background/reconnect.py): admins of an account whose
  Teamleader access was revoked are told once, in the admin channel and by DM.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.background.reconnect import notify_reconnects
from bot.background.tick import BeforeRenewal, no_sync
from bot.teamleader import jobs
from store.db import Database

Step = Callable[[Database, datetime], object]


@dataclass(frozen=True)
class Hooks:
    before_renewal: BeforeRenewal = no_sync
    each_pass: tuple[Step, ...] = ()


def installed_hooks() -> Hooks:
    return Hooks(before_renewal=jobs.before_renewal, each_pass=(jobs.run_due_syncs, notify_reconnects))
