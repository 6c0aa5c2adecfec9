"""The background handler: renewal reminders, the unused-seats note, renewal processing, the outbox.

- bot/core/schedule.py (pure): what is due for an account at an instant.
- tick.py: the tick, a batch of due accounts per transaction (tick_batch.py, tick_reads.py), renewals and
  add-on lines one account per transaction; messages queued in the outbox.
- renewal.py: processing one renewal inside that transaction.
- outbox.py: queueing messages (exactly once per occasion and target), listing failures.
- sender.py: delivering the outbox (claims, retries, a bounded thread pool), paced by pacing.py.
- ports.py: what the worker is given: `Notices` (the messages' wording) and a `Poster` (Slack).
- loop.py: one pass (`run_once`), the loop, and the one entry `start(db, clock, sender=, notices=, hooks=)`
  (a worker thread: `licensebot serve`; `licensebot worker` runs the same passes in its loop).

The worker never imports Slack code: bot/cli/wiring.py gives it handlers' builders and Web API client.
See docs/worker.md.
"""
