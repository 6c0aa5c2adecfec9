"""GET /metrics: licensebot's metrics in Prometheus' text format (docs/operations.md lists them).

The metric objects live in bot/metrics.py (the layers update them); this route exposes them with the
outbox counts, read from the database at scrape time (`bot.usecases.outbox_counts`: one grouped read,
bounded, cached for CACHE_SECONDS so that several scrapers do not multiply the reads).

With PROMETHEUS_MULTIPROC_DIR set (several processes on one host), the values come from every process
that wrote there (prometheus_client's MultiProcessCollector); `process_ended()` is called by a process
that stops so that its live gauges leave the sums.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric

from bot import usecases
from bot.core.statuses import DeliveryStatus
from bot.metrics import MULTIPROC_ENV
from bot.usecases.ports import Database

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

METRICS_PATH = "/metrics"
CACHE_SECONDS = 10.0


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


class OutboxCollector:
    """`licensebot_outbox_messages{status, kind}` (every status for each kind seen, 0 when none) and
    `licensebot_outbox_readable` (0 when the counts could not be read at this scrape)."""

    def __init__(self, db: Database, cache_seconds: float = CACHE_SECONDS) -> None:
        self._db = db
        self._cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._cached: tuple[float, list[usecases.operations.OutboxCount]] | None = None

    def describe(self) -> Iterator[Metric]:
        yield from self._families([], readable=True)

    def collect(self) -> Iterator[Metric]:
        with self._lock:  # one read at a time; the others use its result
            now = time.monotonic()
            if self._cached is not None and now - self._cached[0] < self._cache_seconds:
                counts: list[usecases.operations.OutboxCount] | None = self._cached[1]
            else:
                try:
                    counts = usecases.outbox_counts(self._db)
                    self._cached = (now, counts)
                except Exception as exc:  # the scrape goes on without them (and says so)
                    log.warning("metrics: cannot read the outbox counts: %s", exc)
                    counts = None
        yield from self._families(counts or [], readable=counts is not None)

    @staticmethod
    def _families(counts: list[usecases.operations.OutboxCount], *, readable: bool) -> Iterator[Metric]:
        messages = GaugeMetricFamily(
            "licensebot_outbox_messages",
            "Messages in the outbox by status (pending, sent, failed) and kind, read at scrape time.",
            labels=["status", "kind"],
        )
        by_kind: dict[str, dict[str, int]] = {}
        for c in counts:
            by_kind.setdefault(c.kind, {})[c.status] = c.messages
        for kind, statuses in sorted(by_kind.items()):
            for status in DeliveryStatus:
                messages.add_metric([status.value, kind], statuses.get(status.value, 0))
        yield messages
        yield GaugeMetricFamily(
            "licensebot_outbox_readable",
            "1 when the outbox counts were read at this scrape, 0 when the database did not answer.",
            value=1 if readable else 0,
        )


def metrics_app(db: Database) -> WsgiApp:
    """GET /metrics: this process's metrics (every process's in multiprocess mode) and the outbox counts."""
    own = CollectorRegistry(auto_describe=True)
    own.register(OutboxCollector(db))

    def metrics(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"GET only\n"]
        if multiprocess_mode():
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        else:
            registry = REGISTRY
        body = generate_latest(registry) + generate_latest(own)
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body)))])
        return [body]

    return metrics


def process_ended() -> None:
    """A stopping process's live gauges (e.g. the after-ack queue) leave the multiprocess sums."""
    if multiprocess_mode():
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
