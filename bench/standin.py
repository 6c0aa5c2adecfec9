"""The Web API stand-in (bot/testing/slack_standin.py) in a process of its own, so that its CPU time is not
counted against the app under test (the machines are small; one Python process has one GIL).

    .venv/bin/python -m bench.standin --delay 0.05     # prints its base URL, serves until stdin closes

Besides the Web API (`/api/<method>`) and response URLs (`/response/<key>`) it answers
`GET /_bench/calls` (every call so far, compact), `/_bench/count` and `/_bench/clear`.
`StandInProcess` starts and reads it from the benchmark scripts.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from bench.common import python_env
from bot.testing.ratelimits import RateLimits
from bot.testing.slack_standin import SlackStandIn
from bot.testing.standin_calls import Call


def compact(call: Call) -> dict[str, Any]:
    p = call.params
    return {
        "method": call.method,
        "channel": p.get("channel"),
        "users": p.get("users"),
        "user_id": p.get("user_id"),
        "text": p.get("text"),
        "path": call.path,
        "at": call.at,
        "ok": call.ok,
        "token": call.token,
    }


class RecordingStandIn(SlackStandIn):
    def respond(
        self, path: str, headers: Mapping[str, str], raw: bytes
    ) -> tuple[int, dict[str, Any] | str, dict[str, str]]:
        if path == "/_bench/calls":
            with self._lock:
                calls = list(self.calls)
            return 200, {"ok": True, "calls": [compact(c) for c in calls]}, {}
        if path == "/_bench/count":
            with self._lock:
                return 200, {"ok": True, "count": len(self.calls)}, {}
        if path == "/_bench/clear":
            self.clear()
            return 200, {"ok": True}, {}
        if path.startswith("/_bench/fail?"):  # e.g. method=chat.postMessage&channel=C1&status=429&retry_after=2
            q = dict(parse_qsl(path.partition("?")[2]))
            status, retry = int(q.pop("status", "200")), q.pop("retry_after", None)
            times = q.pop("times", None)
            method, error = q.pop("method"), q.pop("error", "ratelimited")
            self.fail(
                method,
                error,
                status=status,
                retry_after=int(retry) if retry else None,
                times=int(times) if times else None,
                **q,
            )
            return 200, {"ok": True}, {}
        return super().respond(path, headers, raw)


class StandInProcess:
    """`with StandInProcess(delay=0.05) as s:` s.api_url, s.calls(), s.count(), s.clear()."""

    def __init__(self, delay: float, *, rate_limits: bool = False) -> None:
        self.delay = delay
        self.rate_limits = rate_limits
        self.proc: subprocess.Popen[str] | None = None
        self.base_url = ""

    def __enter__(self) -> StandInProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.standin", "--delay", str(self.delay)]
            + (["--rate-limits"] if self.rate_limits else []),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=python_env(),
        )
        assert self.proc.stdout is not None
        self.base_url = self.proc.stdout.readline().strip()
        if not self.base_url.startswith("http://"):
            raise RuntimeError("the stand-in did not start")
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.proc is not None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, key: str) -> str:
        return f"{self.base_url}/response/{key}"

    def _get(self, what: str) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.base_url}/_bench/{what}", timeout=60) as r:
            data: dict[str, Any] = json.loads(r.read())
            return data

    def calls(self) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = self._get("calls")["calls"]
        return calls

    def count(self) -> int:
        return int(self._get("count")["count"])

    def clear(self) -> None:
        self._get("clear")

    def fail(self, **how: str | int) -> None:
        """Make the stand-in answer a method with a failure (SlackStandIn.fail), e.g. a 429 for one channel."""
        self._get("fail?" + urlencode({k: str(v) for k, v in how.items()}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.0, help="seconds every Web API call waits")
    parser.add_argument("--rate-limits", action="store_true", help="Slack's documented tiers: 429 + Retry-After")
    args = parser.parse_args()
    standin = RecordingStandIn(delay=args.delay, rate_limits=RateLimits() if args.rate_limits else None).start()
    print(standin.base_url, flush=True)
    sys.stdin.read()  # until the parent closes our stdin (or dies)
    standin.stop()


if __name__ == "__main__":
    main()
