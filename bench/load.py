"""The load bench/ack.py puts on a server: the two kinds of signed request, and closed-loop clients firing
them for a round (latency, answers after the ack, CPU of the server)."""

from __future__ import annotations

import http.client
import json
import re
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from bench.common import (
    sqlite_time,
)
from bench.standin import StandInProcess
from bot import usecases
from bot.core.members_csv import MemberRow
from bot.testing.slack_sim import signature
from bot.usecases import AccountChanges
from handlers.blocks.modals import ReduceMeta
from handlers.ids import Action, Block, View
from store.db import Database

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
STATUS_TEAM = "T0STATUS"
ADMINS = 3
QUEUED = re.compile(r"(?<=Task queue depth is )\d+")
BENIGN = "`token` will be unused"
"""Bolt's start-up note (it reads SLACK_BOT_TOKEN itself; the app passes its own client)."""


def submit_team(client: int) -> str:
    return f"T0SUB{client:03d}"


def add_account(db: Database, team: str, members: int, now: datetime) -> None:
    usecases.add_account(
        db,
        team=team,
        now=now,
        changes=AccountChanges(
            name=f"Bench {team}",
            plan="annual",
            seats=members + 100,
            renews=(now + timedelta(days=60)).date(),
            timezone="Europe/Brussels",
            admin_channel="C0ADMINS",
            price_per_seat="30.00",
            currency="EUR",
        ),
    )
    start = datetime(2020, 1, 1, tzinfo=UTC)
    rows = [
        MemberRow(
            line=i + 2,
            email=f"user{i}@example.com",
            name=f"User {i}",
            slack_user_id=f"U{i:05d}",
            admin=i < ADMINS,
            added_at=start + timedelta(hours=i),
        )
        for i in range(members)
    ]
    usecases.import_members(db, team=team, rows=rows, now=now)


# --- the two kinds of request ------------------------------------------------------------------


@dataclass
class Request:
    body: bytes
    content_type: str


def status_request(standin: StandInProcess, n: int) -> Request:
    form = {
        "token": "legacy",
        "team_id": STATUS_TEAM,
        "team_domain": "bench",
        "channel_id": "C0GENERAL",
        "channel_name": "general",
        "user_id": f"U{n % ADMINS:05d}",
        "user_name": "admin",
        "command": "/licenses",
        "text": "status",
        "api_app_id": "A0BENCH",
        "is_enterprise_install": "false",
        "response_url": standin.response_url(f"status{n}"),
        "trigger_id": f"{n}.trigger",
    }
    return Request(urlencode(form).encode(), "application/x-www-form-urlencoded")


def submit_request(team: str, renewal: date, n: int) -> Request:
    view = {
        "id": f"VBENCH{n:08d}",
        "team_id": team,
        "type": "modal",
        "callback_id": View.REDUCE.value,
        "private_metadata": ReduceMeta(renewal=renewal).dump(),
        "hash": f"{n}.h",
        "title": {"type": "plain_text", "text": "Remove user licenses"},
        "blocks": [],
        "state": {
            "values": {Block.SEATS.value: {Action.SEATS_INPUT.value: {"type": "plain_text_input", "value": "1"}}}
        },
    }
    payload = {
        "type": "view_submission",
        "team": {"id": team, "domain": "bench"},
        "user": {"id": "U00000", "username": "admin", "name": "admin", "team_id": team},
        "api_app_id": "A0BENCH",
        "token": "legacy",
        "trigger_id": f"{n}.trigger",
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return Request(urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded")


def cancel_pending(db: Database, account_id: int) -> int:
    """Cancel the account's pending request in one autocommitted UPDATE: the write lock is held for the
    statement only (a use case from this busy process held SQLite's lock while its thread waited for the
    GIL, and the server's writes waited in SQLite's busy handler)."""
    raw = db.engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        now = datetime.now(UTC)
        if db.engine.dialect.name == "sqlite":
            stamp: Any = sqlite_time(now)
            sql = CANCEL.replace("%s", "?")
        else:
            stamp, sql = now, CANCEL
            driver.autocommit = True
        try:
            return int(driver.execute(sql, (stamp, stamp, account_id)).rowcount)
        finally:
            if db.engine.dialect.name != "sqlite":
                driver.autocommit = False
    finally:
        raw.close()


CANCEL = (
    "UPDATE reduction_requests SET status = 'cancelled', cancelled_at = %s, cancelled_by = 'bench', "
    "updated_at = %s WHERE account_id = %s AND status = 'pending'"
)


# --- load ---------------------------------------------------------------------------------------


@dataclass
class Cell:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0
    answered_after: float | None = None
    cpu: float = 0.0
    """CPU seconds the server process used for the round, its work after the acks included."""
    busy: float = 0.0
    """How busy the whole machine was while the clients fired (0-1 of all cores): app, clients, stand-in."""
    in_ack: list[float] = field(default_factory=list)
    """When each answer that came in the ack's own body reached the client (time.monotonic): a status the app
    answered in its ack (handlers/quick.py) has no response_url post to wait for."""

    clients: int = 1

    @property
    def rps(self) -> float:
        """Closed loop: clients / mean latency (the untimed work between requests left out)."""
        return self.clients / statistics.fmean(self.latencies) if self.latencies else 0.0

    @property
    def cpu_ms(self) -> float:
        """Server CPU per request, in ms (all its threads, the work after the ack included)."""
        return self.cpu / len(self.latencies) * 1000 if self.latencies else 0.0

    @property
    def answers_per_s(self) -> float:
        """Requests whose work after the ack was done, per second (sustained throughput: acks can run ahead
        of the answers only as far as the after-ack backlog allows)."""
        return len(self.latencies) / self.answered_after if self.answered_after else 0.0

    @property
    def wall_rps(self) -> float:
        return len(self.latencies) / (self.ended - self.started) if self.ended > self.started else 0.0


def fire(
    port: int,
    clients: int,
    seconds: float,
    make: Callable[[int, int], Request],
    after: Callable[[int, bytes], None] | None = None,
) -> Cell:
    """`clients` threads, each with a keep-alive connection, for `seconds`; `after(client, body)` is untimed."""
    cell = Cell(clients=clients)
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    counter = iter(range(10**9))

    def client(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop_at:
            with lock:
                n = next(counter)
            req = make(k, n)
            ts = str(int(time.time()))
            headers = {
                "Content-Type": req.content_type,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signature(SECRET, ts, req.body),
            }
            began = time.perf_counter()
            try:
                conn.request("POST", "/slack/events", req.body, headers)
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    cell.errors.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            took = time.perf_counter() - began
            if in_ack(body):
                with lock:
                    cell.in_ack.append(time.monotonic())
            if response.status != 200:
                with lock:
                    cell.errors.append(f"HTTP {response.status}: {body[:100]!r}")
            with lock:
                cell.latencies.append(took)
            if after is not None:
                try:
                    after(k, body)
                except Exception as exc:  # e.g. the cancel found the database locked
                    with lock:
                        cell.errors.append(f"between requests: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        conn.close()

    cell.started = time.monotonic()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cell.ended = time.monotonic()
    return cell


def in_ack(body: bytes) -> bool:
    """Whether an ack's body is the answer itself (a message with blocks)."""
    return body[:1] == b"{" and b'"blocks"' in body


def settle(standin: StandInProcess, quiet: float, limit: float = 120.0) -> float | None:
    """Wait until the stand-in got no call for `quiet` s; the monotonic time of its last call (None: no call)."""
    deadline = time.monotonic() + limit
    count = -1
    while time.monotonic() < deadline:
        now = standin.count()
        if now == count:
            break
        count = now
        time.sleep(quiet)
    calls = standin.calls()
    return max((c["at"] for c in calls), default=None)
