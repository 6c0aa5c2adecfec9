"""Ack path and memory: the real app against a bare Bolt baseline, both over HTTP, in the same run.

- real: `licensebot serve --no-worker` as a subprocess (waitress, serve's defaults), on a database
  prepared here (SQLite file by default, or `--postgres`);
- bare: bench/bare.py, a Bolt app whose listeners only ack, on the same server (bot.cli.serve.make_server);
- the Web API stand-in in a third process, adding --latency (100 ms) to every Web API call the app
  makes after the ack (response_url posts are answered at once).

Two kinds of request, signed as Slack signs them, from 1, 8 and 32 concurrent clients (threads, one
keep-alive connection each, each sending its next request as soon as the previous one is answered):

- `/licenses status` from an admin of an account with --members (1,000) members;
- a submission of the reduce modal ("remove 1 license"). Each client submits for an account of its
  own (also --members members). After every submission, untimed, the client cancels the request
  it created (one UPDATE ... SET status = 'cancelled'), so each submission finds no pending request
  and stores exactly one: never more than one pending request per account. The bare phase runs the
  same loop.

requests/s = clients / mean latency (closed loop; the untimed cancels are left out). The real app also
answers after the ack (the status through response_url; for a submission a DM, an admin-channel post
and the admins' App Homes); "answered after" is when the last of those follow-ups of a round reached
the stand-in, counted from the start of the round (a status answered in its ack's own body, handlers/quick.py,
counts when that ack reached the client; "answered in the ack" says how many were). "CPU ms/req": the server
process's CPU time per request (all threads, its work after the acks included); "machine busy %": all cores of
the machine while the clients fire (servers, clients and stand-in together: what is left for more processes).
At the end: peak RSS (VmHWM) of both servers.

    .venv/bin/python -m bench.ack [--seconds 5] [--clients 1,8,32] [--latency 0.1] [--postgres] [--smoke]
"""

from __future__ import annotations

import argparse
import http.client
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bench.common import (
    ScratchDatabase,
    cpu_seconds,
    cpu_times,
    free_port,
    machine,
    percentile,
    python_env,
    say,
    table,
    vm_hwm_kib,
    wait_for_port,
)
from bench.load import (
    BENIGN,
    QUEUED,
    SECRET,
    STATUS_TEAM,
    TOKEN,
    Cell,
    Request,
    add_account,
    cancel_pending,
    fire,
    settle,
    status_request,
    submit_request,
    submit_team,
)
from bench.standin import StandInProcess
from bot import usecases
from store import models, queries
from store.db import Database

# --- servers ------------------------------------------------------------------------------------


def start_server(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=out)


def licensebot_argv() -> list[str]:
    script = Path(sys.executable).with_name("licensebot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli.main"]


def stop(proc: subprocess.Popen[bytes], log: Path) -> tuple[list[str], int]:
    """Stop the server; the WARNING/ERROR lines of its log, counted, and the deepest waitress queue (waitress
    warns when requests wait for one of its threads: informative, not an error)."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.startswith(("WARNING", "ERROR"))]
    depths = [int(m.group(1)) for ln in lines if (m := re.search(r"Task queue depth is (\d+)", ln))]
    found = [f"{n} x {line[:160]}" for line, n in Counter(QUEUED.sub("", ln) for ln in lines).most_common(5)]
    return [f for f in found if BENIGN not in f and "Task queue depth" not in f], max(depths, default=0)


def shed_total(port: int) -> float:
    """The server's `licensebot_after_ack_shed_total` (work after acks answered "busy" instead): a shed request
    costs less CPU than one answered in full, so the table says how many there were."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    finally:
        conn.close()
    found = re.search(r"^licensebot_after_ack_shed_total (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


# --- the run ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each round (default 5)")
    parser.add_argument("--clients", default="1,8,32", help="concurrent clients per round (default 1,8,32)")
    parser.add_argument("--members", type=int, default=1000, help="members per account (default 1000)")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds the stand-in adds to each Web API call")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL (lb_bench_ack, dropped at the end)")
    parser.add_argument("--kinds", default="status,submit", help="which requests (default status,submit)")
    parser.add_argument("--serve-args", default="", help="more `licensebot serve` options, e.g. '--threads 16'")
    parser.add_argument("--smoke", action="store_true", help="a tiny run (tests): 20 members, 2 clients, 0.2 s")
    args = parser.parse_args(argv)
    if args.smoke:
        args.seconds, args.clients, args.members, args.latency = 0.2, "2", 20, 0.0
    levels = [int(c) for c in args.clients.split(",")]
    quiet = 0.1 if args.smoke else 1.0
    """Seconds without a Web API call after which the app's work after the acks counts as done."""
    now = datetime.now(UTC)
    with ScratchDatabase("postgresql" if args.postgres else "sqlite", "ack") as scratch:
        db = Database.connect(scratch.url)
        began = time.perf_counter()
        add_account(db, STATUS_TEAM, args.members, now)
        for k in range(max(levels)):
            add_account(db, submit_team(k), args.members, now)
        renewal = usecases.license_page(db, team=submit_team(0), now=now).target.renewal
        with db.transaction(read_only=True) as s:
            account_ids = {k: queries.load_account(s, submit_team(k)).id for k in range(max(levels))}
        setup_s = time.perf_counter() - began
        say(f"setup: {max(levels) + 1} accounts of {args.members} members in {setup_s:.1f} s")
        with StandInProcess(delay=args.latency) as standin:
            env = python_env(
                SLACK_BOT_TOKEN=TOKEN,
                SLACK_SIGNING_SECRET=SECRET,
                SLACK_API_URL=standin.api_url,
                DATABASE_URL=scratch.url,
            )
            real_port, bare_port = free_port(), free_port()
            logs = {name: Path(scratch.logs) / f"{name}.log" for name in ("real", "bare")}
            real = start_server(
                [
                    *licensebot_argv(),
                    "serve",
                    "--no-worker",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(real_port),
                    *args.serve_args.split(),
                ],
                env,
                logs["real"],
            )
            bare = start_server([sys.executable, "-m", "bench.bare", "--port", str(bare_port)], env, logs["bare"])
            wait_for_port(real_port, real)
            wait_for_port(bare_port, bare)
            submitted = [0]
            lock = threading.Lock()

            def cancel_after(k: int, body: bytes) -> None:
                if body.strip():
                    return  # an error answer (shown in the table): nothing was stored
                if cancel_pending(db, account_ids[k]):  # the bare app stores nothing
                    with lock:
                        submitted[0] += 1

            every: dict[str, Callable[[int, int], Request]] = {
                "status": lambda k, n: status_request(standin, n),
                "submit": lambda k, n: submit_request(submit_team(k), renewal, n),
            }
            kinds = {kind: every[kind] for kind in args.kinds.split(",")}
            results: dict[tuple[str, int, str], Cell] = {}
            shed: dict[tuple[str, int], int] = {}
            try:
                for port in (real_port, bare_port):  # warm up: imports, first queries, auth.test
                    fire(port, 1, 0.05 if args.smoke else 1.0, every["status"])
                    fire(port, 1, 0.05 if args.smoke else 1.0, every["submit"], cancel_after)
                settle(standin, quiet)
                submitted[0] = 0
                for kind, make in kinds.items():
                    for clients in levels:
                        for name, port, proc in (("bare", bare_port, bare), ("real", real_port, real)):
                            say(f"{kind} x {clients} clients -> {name}")
                            standin.clear()
                            shed_before = shed_total(port) if name == "real" else 0.0
                            cpu_before, machine_before = cpu_seconds(proc.pid), cpu_times()
                            cell = fire(port, clients, args.seconds, make, cancel_after if kind == "submit" else None)
                            machine_after = cpu_times()
                            cell.busy = (machine_after[0] - machine_before[0]) / max(
                                1, machine_after[1] - machine_before[1]
                            )
                            last = settle(standin, quiet) if name == "real" else None
                            if name == "real" and cell.in_ack:  # answers in acks: no response_url post
                                last = max(last or 0.0, max(cell.in_ack))
                            cell.cpu = cpu_seconds(proc.pid) - cpu_before
                            cell.answered_after = None if last is None else last - cell.started
                            if name == "real":
                                shed[kind, clients] = int(shed_total(port) - shed_before)
                            results[kind, clients, name] = cell
                memory = {name: vm_hwm_kib(proc.pid) for name, proc in (("real", real), ("bare", bare))}
            finally:
                logged = {name: stop(proc, logs[name]) for name, proc in (("real", real), ("bare", bare))}
        with db.transaction() as s:
            stored = s.scalar(select(func.count()).select_from(models.ReductionRequest)) or 0
            pending = s.scalar(
                select(func.count())
                .select_from(models.ReductionRequest)
                .where(models.ReductionRequest.status == "pending")
            )
        db.dispose()

    print(
        f"Ack path: signed requests over HTTP to `licensebot serve` (real) and a bare Bolt app (bare), both on "
        f"waitress with serve's settings; {args.members} members per account; {scratch.kind}; Web API stand-in "
        f"(own process) adds {args.latency * 1000:.0f} ms per call; {args.seconds:g} s per round. "
        f"Setup {setup_s:.1f} s."
    )
    print(machine() + "\n")
    rows = []
    for (kind, clients, name), cell in results.items():
        if name != "real":
            continue
        base = results[kind, clients, "bare"]
        rows.append(
            [
                f"{kind}",
                clients,
                f"{base.rps:.0f}",
                f"{percentile(base.latencies, 50) * 1000:.1f}",
                f"{percentile(base.latencies, 99) * 1000:.1f}",
                f"{base.cpu_ms:.2f}",
                f"{base.busy * 100:.0f}",
                f"{cell.rps:.0f}",
                f"{percentile(cell.latencies, 50) * 1000:.1f}",
                f"{percentile(cell.latencies, 99) * 1000:.1f}",
                f"{cell.cpu_ms:.2f}",
                f"{cell.busy * 100:.0f}",
                f"{cell.rps / base.rps:.2f}" if base.rps else "n/a",
                f"{percentile(cell.latencies, 99) / percentile(base.latencies, 99):.1f}",
                "n/a" if cell.answered_after is None else f"{cell.answered_after:.1f}",
                "n/a" if not cell.answered_after else f"{len(cell.latencies) / cell.answered_after:.0f}",
                "n/a" if not (cell.answered_after and base.rps) else f"{cell.answers_per_s / base.rps:.2f}",
                f"{shed.get((kind, clients), 0)} / {len(cell.latencies)}",
                f"{len(cell.in_ack)}",
                len(cell.errors) + len(base.errors),
            ]
        )
    print(
        table(
            [
                "request",
                "clients",
                "bare req/s",
                "bare p50 ms",
                "bare p99 ms",
                "bare CPU ms/req",
                "bare: machine busy %",
                "real req/s",
                "real p50 ms",
                "real p99 ms",
                "real CPU ms/req",
                "real: machine busy %",
                "real/bare req/s",
                "real/bare p99",
                "answered after s",
                "answers/s",
                "answers/bare req/s",
                "real: shed / requests",
                "real: answered in the ack",
                "errors",
            ],
            rows,
        )
    )
    real_submits = sum(len(c.latencies) for (k, _, n), c in results.items() if k == "submit" and n == "real")
    print(
        f"\nsubmissions: {real_submits} to the real app stored {submitted[0]} requests (each cancelled before the "
        f"client's next one; {pending} left pending; {stored} stored in all, warm-up included)"
    )
    print(
        "peak RSS (VmHWM) after the run: "
        + ", ".join(f"{name} {hwm / 1024:.0f} MiB (now {rss / 1024:.0f} MiB)" for name, (hwm, rss) in memory.items())
    )
    problems = [f"{n} x {e}" for e, n in Counter(e for c in results.values() for e in c.errors).most_common(5)]
    problems += [f"{name} server logged {line}" for name, (lines, _) in logged.items() for line in lines]
    print(
        "deepest waitress queue (requests waiting for a server thread): "
        + ", ".join(f"{name} {depth}" for name, (_, depth) in logged.items())
    )
    for p in problems:
        print(f"problem: {p}")
    return 1 if problems or pending else 0


if __name__ == "__main__":
    sys.exit(main())
