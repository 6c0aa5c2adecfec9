"""Real servers in processes of their own for the tests: `licensebot serve` (waitress, or gunicorn with
`--workers N`) and gunicorn on `bot.wsgi:app`, started against a Slack stand-in and waited for on /health;
and signed slash commands sent to them over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode

from bot.testing.slack_sim import signature
from bot.testing.slack_standin import SlackStandIn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def slack_env(standin: SlackStandIn, *, drop: Sequence[str] = (), **extra: str) -> dict[str, str]:
    """The environment of a server that talks to `standin` (bot token, signing secret "secret")."""
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-t",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": standin.api_url,
        **extra,
    }
    for name in ("SLACK_APP_TOKEN", *drop):
        env.pop(name, None)
    return env


@contextmanager
def running(
    command: Sequence[str],
    env: dict[str, str],
    port: int,
    log: Path,
    *,
    seconds: float = 60,
    group: bool = False,
    stop: str = "terminate",
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start `command` (its stderr to `log`), wait until http://127.0.0.1:`port`/health answers, yield the base
    URL and the process; at the end stop it: `terminate` (SIGTERM, its drain runs) or `kill`. `group`: a process
    group of its own, killed whole at the end (a master and its children)."""
    with log.open("wb") as err:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(list(command), env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=group)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + seconds
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"{command[0]} did not start: {log.read_text()!r}") from None
                time.sleep(0.1)
        yield base, proc
    finally:
        if proc.poll() is None:
            if group:
                os.killpg(proc.pid, signal.SIGKILL)
            elif stop == "kill":
                proc.kill()
            else:
                proc.terminate()
        proc.wait(timeout=30)


def signed_command(base: str, text: str, response_url: str, *, secret: str = "secret", **form: str) -> int:
    """POST a signed `/licenses <text>` from U0000 of T0001; the HTTP status."""
    fields = {
        "team_id": "T0001",
        "user_id": "U0000",
        "command": "/licenses",
        "text": text,
        "response_url": response_url,
        "trigger_id": "1.t",
        "channel_id": "C1",
        **form,
    }
    body = urlencode(fields).encode()
    ts = str(int(time.time()))
    headers = {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature(secret, ts, body),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    try:
        with urllib.request.urlopen(urllib.request.Request(f"{base}/slack/events", body, headers), timeout=10) as r:
            return int(r.status)
    except HTTPError as refused:
        refused.close()  # else its connection stays open until the garbage collector finds it
        return int(refused.code)
