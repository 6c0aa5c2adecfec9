"""How long a person waits for the answer, under a steady load below, at and above what the app sustains.

`licensebot serve --no-worker` (serve's defaults) as a subprocess on a SQLite file (or `--postgres`), the
Web API stand-in in a process of its own adding --latency to every Web API call (response URLs answer at
once). `/licenses status` requests from an admin of an account of --members members, signed as Slack
signs them.

1. capacity: closed-loop clients (--clients, one keep-alive connection each) for --calibrate s give a
   first rate: the statuses *answered* (their page reached the response URL) per second, counted until
   the last answer, not the acks, which run ahead of the answers. Those clients overload the app, whose
   goodput then falls (the acks take the CPU), so open-loop probes of --probe s at 1.25 to 2 times that
   rate follow: the capacity is the highest rate whose every request got its page within 1 s.
2. open-loop rounds at --rates times that capacity (default 0.5, 1 and 2), --seconds each (30): requests
   sent at a fixed rate (a schedule, not a closed loop: Slack does not wait for our answers), so that the
   backlog reaches its steady state. Per request: the ack's latency, and the answer's (from the request
   leaving the client to its answer reaching the stand-in's response URL; monotonic clocks of one host).
   An answer is the page (in the ack's own body when the app answered it there, handlers/quick.py: then
   at the ack; "in ack %"), or "busy, try again in a minute" when the app shed the work because it could
   not start within 2 s (handlers/followup.py); a request with neither is counted unanswered.

Reported per round: offered and sent req/s, ack p50/p99, pages/s (sustained answers), busy %, answer
p50/p99 (every answer, busy ones included) and how many came after 3 s, unanswered, server CPU ms per
request, load average, "late sends" (requests the client's 64 threads sent more than 0.1 s after their
slot, all of them waiting for acks: the offered rate is then partly the app's pace) and errors (HTTP
errors, refused connections). With --workers N the app is N gunicorn workers (bot/wsgi.py) instead of serve.

    .venv/bin/python -m bench.answers [--seconds 30] [--rates 0.5,1,2] [--postgres] [--workers 2] [--smoke]
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.ack import licensebot_argv, start_server, stop
from bench.common import (
    ScratchDatabase,
    cpu_seconds,
    free_port,
    machine,
    percentile,
    python_env,
    say,
    table,
    wait_for_port,
)
from bench.load import SECRET, STATUS_TEAM, TOKEN, add_account, fire, in_ack, settle, status_request
from bench.standin import StandInProcess
from bot.testing.slack_sim import signature
from store.db import Database


@dataclass
class Round:
    offered: float
    started: float = 0.0
    ended: float = 0.0
    sent: dict[int, float] = field(default_factory=dict)
    """Request number -> when it left the client (time.monotonic)."""
    acks: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    late_sends: int = 0
    """Requests the client sent more than 0.1 s after their slot (its threads all waited for acks)."""
    cpu: float = 0.0
    load: str = ""
    in_ack: dict[int, float] = field(default_factory=dict)
    """Request number -> when its ack reached the client, for the statuses answered in their ack's body."""


def open_loop(port: int, rate: float, seconds: float, base: int, threads: int = 64) -> Round:
    """Send status requests numbered from `base` at `rate` per second for `seconds` (a schedule)."""
    result = Round(offered=rate)
    lock = threading.Lock()
    total = max(1, int(rate * seconds))
    counter = iter(range(total))
    start = time.monotonic() + 0.2

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            slot = start + i / rate
            wait = slot - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            n = base + i
            req = status_request(STANDIN[0], n)
            ts = str(int(time.time()))
            headers = {
                "Content-Type": req.content_type,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signature(SECRET, ts, req.body),
            }
            began = time.monotonic()
            try:
                conn.request("POST", "/slack/events", req.body, headers)
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    result.errors.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            took = time.monotonic() - began
            with lock:
                if in_ack(body):
                    result.in_ack[n] = began + took
                result.sent[n] = began
                result.acks.append(took)
                result.late_sends += began - slot > 0.1
                if response.status != 200:
                    result.errors.append(f"HTTP {response.status}")
        conn.close()

    result.started = start
    pool = [threading.Thread(target=client) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    result.ended = time.monotonic()
    return result


STANDIN: list[StandInProcess] = []


def answers_of(standin: StandInProcess, in_ack: dict[int, float] | None = None) -> dict[int, tuple[float, bool]]:
    """Request number -> (when its answer reached the stand-in, or the client in its ack: `in_ack`, whether it
    was "busy")."""
    found: dict[int, tuple[float, bool]] = {n: (at, False) for n, at in (in_ack or {}).items()}
    for call in standin.calls():
        path = str(call.get("path") or "")
        if call["method"] == "response_url" and "/response/status" in path:
            n = int(path.rsplit("status", 1)[1])
            found.setdefault(n, (call["at"], "busy" in str(call.get("text") or "")))
    return found


def start_app(args: argparse.Namespace, env: dict[str, str], port: int, log: Path) -> object:
    if args.workers:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        argv = [gunicorn, "-c", "python:bot.gunicorn_conf", "--workers", str(args.workers)]
        argv += ["--bind", f"127.0.0.1:{port}", "bot.wsgi:app"]
    else:
        argv = [*licensebot_argv(), "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)]
    return start_server(argv, env, log)


def family_cpu(pid: int) -> float:
    """CPU seconds of a process and its children (gunicorn's workers)."""
    total = cpu_seconds(pid)
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return total + sum(family_cpu(int(c)) for c in children)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each open-loop round (default 30)")
    parser.add_argument("--rates", default="0.5,1,2", help="rounds' rates, times the capacity (default 0.5,1,2)")
    parser.add_argument("--calibrate", type=float, default=10.0, help="seconds of the capacity round (default 10)")
    parser.add_argument("--clients", type=int, default=16, help="closed-loop clients of the capacity round")
    parser.add_argument("--probe", type=float, default=5.0, help="seconds of each capacity probe (default 5)")
    parser.add_argument("--members", type=int, default=1000, help="members of the account (default 1000)")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds the stand-in adds to each Web API call")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL (a scratch database, dropped after)")
    parser.add_argument("--workers", type=int, default=0, help="N gunicorn workers (bot/wsgi.py) instead of serve")
    parser.add_argument("--smoke", action="store_true", help="a tiny run (tests)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.seconds, args.rates, args.calibrate, args.clients, args.members, args.latency = 1, "1", 1, 2, 20, 0.0
        args.probe = 0.5
    factors = [float(f) for f in args.rates.split(",")]
    now = datetime.now(UTC)
    rows: list[list[object]] = []
    with ScratchDatabase("postgresql" if args.postgres else "sqlite", "answers") as scratch:
        db = Database.connect(scratch.url)
        add_account(db, STATUS_TEAM, args.members, now)
        db.dispose()
        with StandInProcess(delay=args.latency) as standin:
            STANDIN[:] = [standin]
            env = python_env(
                SLACK_BOT_TOKEN=TOKEN,
                SLACK_SIGNING_SECRET=SECRET,
                SLACK_API_URL=standin.api_url,
                DATABASE_URL=scratch.url,
            )
            port, log = free_port(), Path(scratch.logs) / "app.log"
            proc = start_app(args, env, port, log)
            assert hasattr(proc, "pid")
            try:
                wait_for_port(port, proc)  # type: ignore[arg-type]
                fire(port, 2, 0.2 if args.smoke else 2.0, lambda k, n: status_request(standin, 10**8 + n))
                settle(standin, 0.1 if args.smoke else 1.0)
                standin.clear()
                say(f"capacity: {args.clients} closed-loop clients for {args.calibrate:g} s")
                began = time.monotonic()
                cell = fire(port, args.clients, args.calibrate, lambda k, n: status_request(standin, 2 * 10**8 + n))
                last = settle(standin, 0.1 if args.smoke else 1.0)
                if cell.in_ack:
                    last = max(last or 0.0, max(cell.in_ack))
                pages = sum(1 for _, busy in answers_of(standin).values() if not busy) + len(cell.in_ack)
                capacity = pages / max(0.001, (last or time.monotonic()) - began)
                say(f"closed loop: {capacity:.0f} answers/s ({len(cell.latencies)} acks)")
                base = 3 * 10**8
                # Overloaded closed-loop clients measure a collapsed goodput: probe open-loop rates above it,
                # each for a few seconds; the capacity is the highest one answered in full within 1 s.
                first = capacity
                for step in (1.25, 1.5, 1.75, 2.0):
                    rate = first * step
                    standin.clear()
                    rnd = open_loop(port, rate, args.probe, base)
                    settle(standin, 0.2 if args.smoke else 1.0)
                    got = answers_of(standin, rnd.in_ack)
                    base += len(rnd.sent) + 10
                    waits = [got[n][0] - t for n, t in rnd.sent.items() if n in got and not got[n][1]]
                    full = len(waits) == len(rnd.sent) and percentile(waits, 99) < 1.0
                    say(f"probe {rate:.0f} req/s: {'answered in full' if full else 'not in full'}")
                    if not full:
                        break
                    capacity = rate
                say(f"capacity: {capacity:.0f} answers/s")
                base = 0
                for factor in factors:
                    standin.clear()
                    rate = max(1.0, capacity * factor)
                    say(f"open loop at {factor:g} x capacity = {rate:.0f} req/s for {args.seconds:g} s")
                    cpu_before = family_cpu(proc.pid)  # type: ignore[attr-defined]
                    rnd = open_loop(port, rate, args.seconds, base)
                    settle(standin, 0.2 if args.smoke else 2.0)
                    rnd.cpu = family_cpu(proc.pid) - cpu_before  # type: ignore[attr-defined]
                    rnd.load = Path("/proc/loadavg").read_text().split(" ")[0]
                    rows.append(report(factor, rnd, answers_of(standin, rnd.in_ack)))
                    base += len(rnd.sent) + 10
            finally:
                logged, _ = stop(proc, log)  # type: ignore[arg-type]
    print(
        f"Answers under load: `/licenses status` to {'gunicorn x ' + str(args.workers) if args.workers else 'serve'}"
        f" ({scratch.kind}), {args.members} members, stand-in +{args.latency * 1000:.0f} ms per Web API call; "
        f"capacity {capacity:.0f} answers/s (closed loop, {args.clients} clients, {args.calibrate:g} s); "
        f"open-loop rounds of {args.seconds:g} s."
    )
    print(machine() + f"; pid {os.getpid()}\n")
    print(
        table(
            [
                "x capacity",
                "offered req/s",
                "sent req/s",
                "ack p50 ms",
                "ack p99 ms",
                "pages/s",
                "busy %",
                "in ack %",
                "answer p50 ms",
                "answer p99 ms",
                "answers > 3 s",
                "unanswered",
                "CPU ms/req",
                "load avg",
                "late sends",
                "errors",
            ],
            rows,
        )
    )
    for line in logged:
        print(f"server logged {line}")
    return 0


def report(factor: float, rnd: Round, answered: dict[int, tuple[float, bool]]) -> list[object]:
    waits = [answered[n][0] - sent for n, sent in rnd.sent.items() if n in answered]
    pages = [n for n in rnd.sent if n in answered and not answered[n][1]]
    busy = len(rnd.sent) - len(pages) - sum(1 for n in rnd.sent if n not in answered)
    span = max(rnd.ended - rnd.started, 0.001)
    page_times = [answered[n][0] for n in pages]
    page_span = (max(page_times) - rnd.started) if page_times else span
    return [
        f"{factor:g}",
        f"{rnd.offered:.0f}",
        f"{len(rnd.sent) / span:.0f}",
        f"{percentile(rnd.acks, 50) * 1000:.0f}",
        f"{percentile(rnd.acks, 99) * 1000:.0f}",
        f"{len(pages) / max(page_span, span):.0f}",
        f"{busy / max(1, len(rnd.sent)) * 100:.0f}",
        f"{sum(1 for n in rnd.sent if n in rnd.in_ack) / max(1, len(rnd.sent)) * 100:.0f}",
        f"{percentile(waits, 50) * 1000:.0f}" if waits else "n/a",
        f"{percentile(waits, 99) * 1000:.0f}" if waits else "n/a",
        sum(1 for w in waits if w > 3.0),
        sum(1 for n in rnd.sent if n not in answered),
        f"{rnd.cpu / max(1, len(rnd.sent)) * 1000:.2f}",
        rnd.load,
        rnd.late_sends,
        len(rnd.errors),
    ]


if __name__ == "__main__":
    sys.exit(main())
