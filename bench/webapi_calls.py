"""CPU per Web API call and per response-URL post: slack_sdk's own clients (a new connection for every
call, urllib) against the kept-alive ones (handlers/keepalive.py), in one run, on one thread, to the
stand-in in a process of its own (no added latency). CPU = this process's time.process_time per call.

    .venv/bin/python -m bench.webapi_calls [--calls 500] [--smoke]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bench.common import machine, say, table
from bench.standin import StandInProcess
from handlers.keepalive import CONNECTIONS, KeepAliveWebClient, KeepAliveWebhookClient


def per_call(call: Callable[[int], object], calls: int) -> tuple[float, float]:
    """(CPU ms, wall ms) per call."""
    cpu, wall = time.process_time(), time.perf_counter()
    for n in range(calls):
        call(n)
    return (time.process_time() - cpu) / calls * 1000, (time.perf_counter() - wall) / calls * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=500, help="calls of each kind (default 500)")
    parser.add_argument("--smoke", action="store_true", help="a tiny run (tests)")
    args = parser.parse_args(argv)
    calls = 20 if args.smoke else args.calls
    rows = []
    with StandInProcess(delay=0.0) as standin:
        plain, kept = (
            WebClient(token="xoxb-b", base_url=standin.api_url),
            KeepAliveWebClient(token="xoxb-b", base_url=standin.api_url),
        )
        kinds: list[tuple[str, str, Callable[[int], object]]] = [
            ("chat.postMessage", "slack_sdk WebClient", lambda n: plain.chat_postMessage(channel="C1", text=f"m{n}")),
            ("chat.postMessage", "KeepAliveWebClient", lambda n: kept.chat_postMessage(channel="C1", text=f"m{n}")),
            (
                "response URL",
                "slack_sdk WebhookClient",
                lambda n: WebhookClient(standin.response_url(f"p{n}")).send(text="answer"),
            ),
            (
                "response URL",
                "KeepAliveWebhookClient",
                lambda n: KeepAliveWebhookClient(standin.response_url(f"k{n}")).send(text="answer"),
            ),
        ]
        results = {}
        for rnd in (1, 2):  # the second round counts (the first warms up); each kind in turn
            for what, client, call in kinds:
                opened = CONNECTIONS.opened
                results[what, client] = (*per_call(call, calls), CONNECTIONS.opened - opened)
            say(f"round {rnd} done")
        for what, client, _ in kinds:
            cpu, wall, opened = results[what, client]
            base = results[what, kinds[0][1] if what == "chat.postMessage" else kinds[2][1]][0]
            rows.append(
                [
                    what,
                    client,
                    f"{cpu:.3f}",
                    f"{wall:.3f}",
                    f"{cpu / base:.2f}",
                    opened if "KeepAlive" in client else calls,
                ]
            )
    print(f"Web API calls: {calls} per kind, one thread, stand-in in its own process (no added latency).")
    print(machine() + f"; load {Path('/proc/loadavg').read_text().split(' ')[0]}\n")
    print(
        table(
            ["call", "client", "CPU ms/call", "wall ms/call", "CPU vs slack_sdk", "connections opened (round 2)"], rows
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
