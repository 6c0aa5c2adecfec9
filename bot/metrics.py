"""The metrics of licensebot (Prometheus): the objects every layer that measures something updates.

A leaf: it imports prometheus_client only (an import-linter contract), so that the worker, the
Teamleader integration and the Slack adapter can count what they do without importing one another;
bot.core (pure) and store (a leaf) never import it. `/metrics` (handlers/metrics.py) exposes them with
the outbox counts read at scrape time. docs/operations.md lists them.

Several processes (e.g. several `licensebot serve` on one host behind a load balancer): set
PROMETHEUS_MULTIPROC_DIR to an empty directory shared by them before they start; each then writes its
values there and any of them answers /metrics for all (prometheus_client's multiprocess mode). The
gauges below say how they add up across processes.
"""

from __future__ import annotations

import os
import sys
import time

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _multiprocess_dir() -> None:
    """prometheus_client writes into PROMETHEUS_MULTIPROC_DIR from the first metric on: create it if it is
    missing, or stop with one line (a bad setting: exit 2) rather than a traceback at import."""
    path = os.environ.get(MULTIPROC_ENV)
    if not path or os.path.isdir(path):
        return
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        print(f"licensebot: error: {MULTIPROC_ENV}={path!r} is not a directory: {exc.strerror}", file=sys.stderr)
        raise SystemExit(2) from None


_multiprocess_dir()

disable_created_metrics()  # type: ignore[no-untyped-call] # no `_created` series beside every counter and histogram: only noise here

SLACK_KINDS = (
    "command",
    "block_actions",
    "view_submission",
    "view_closed",
    "shortcut",
    "block_suggestion",
    "event",
    "other",
)
"""The `kind` label of Slack requests: a fixed set (anything else is "other")."""

SLACK_REQUESTS = Counter(
    "licensebot_slack_requests",
    "Slack requests handled, by kind and outcome (ok, unhandled, refused, error, bad_signature).",
    ["kind", "outcome"],
)
ACK_SECONDS = Histogram(
    "licensebot_slack_ack_seconds",
    "Seconds from a Slack request reaching the app to its ack (Slack gives up after 3 s).",
    ["kind"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
)
ANSWER_SECONDS = Histogram(
    "licensebot_slack_answer_seconds",
    "Seconds from a Slack request reaching the app to the end of its work after the ack (the answer).",
    ["kind"],
    buckets=(0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0),
)
AFTER_ACK_PENDING = Gauge(
    "licensebot_after_ack_pending",
    "Work after acks queued or running (summed over live processes).",
    multiprocess_mode="livesum",
)
AFTER_ACK_SHED = Counter(
    "licensebot_after_ack_shed",
    'Work after acks that could not start in time and was answered "busy, try again" instead.',
)
SLACK_RATE_LIMITED = Counter(
    "licensebot_slack_rate_limited",
    "Slack Web API answers 429 (rate limited), by method.",
    ["method"],
)
WORKER_PASS_SECONDS = Histogram(
    "licensebot_worker_pass_seconds",
    "Seconds a worker pass took, by outcome (ok: no failure; failed: some account, step or message failed).",
    ["outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0),
)
WORKER_LAST_SUCCESS = Gauge(
    "licensebot_worker_last_success_timestamp_seconds",
    "Unix time when a worker pass last ended without any failure (the latest over processes).",
    multiprocess_mode="max",
)
TEAMLEADER_SYNCS = Counter(
    "licensebot_teamleader_syncs",
    "Teamleader Focus directory syncs by outcome (ok, failed, reconnect_needed).",
    ["outcome"],
)

_METHOD_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._")


def rate_limited(method: str) -> None:
    """Count a 429 of a Slack Web API method (anything that is not a method name counts as "other")."""
    name = method if method and len(method) <= 64 and set(method) <= _METHOD_CHARS else "other"
    SLACK_RATE_LIMITED.labels(method=name).inc()


def observe_pass(seconds: float, *, ok: bool) -> None:
    """One worker pass ended after `seconds`; `ok`: nothing in it failed."""
    WORKER_PASS_SECONDS.labels(outcome="ok" if ok else "failed").observe(seconds)
    if ok:
        WORKER_LAST_SUCCESS.set(time.time())
