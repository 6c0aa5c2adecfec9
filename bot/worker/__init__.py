"""The background handler: renewal reminders, the unused-seats note and renewal processing.

- schedule (bot/schedule.py, pure): what is due for an account at an instant.
- tick.py: the tick use case, one transaction per account (renewals, messages queued in the outbox).
- renewal.py: processing one renewal inside that transaction.
- outbox.py: queueing messages (exactly once per occasion and target), listing failures.
- sender.py: delivering the outbox to Slack (claims, retries, pacing, a bounded thread pool).
- loop.py: the `worker` loop and the background thread of `serve`; cli.py: `tick` and `worker`.

See docs/worker.md.
"""

from __future__ import annotations

from bot.usecases import Actor

WORKER = Actor(label="worker")
"""The actor of everything the background handler does (audit log)."""
