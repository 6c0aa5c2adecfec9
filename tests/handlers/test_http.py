"""`licensebot serve`: settings, the route table, /health, waitress with threads, the worker hook."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.cli import serve
from bot.cli.main import main
from bot.testing.slack_standin import SlackStandIn
from bot.worker.loop import Background
from handlers.app import DEFAULT_API_URL, Settings, build_app
from handlers.deps import Deps
from handlers.http import StartResponse, build_wsgi
from store.db import Database
from tests.factories import add_account, add_members
from tests.handlers.servers import free_port, running, signed_command, slack_env

SLACK_ENV = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in SLACK_ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def call(app: Any, path: str, method: str = "GET") -> tuple[str, bytes]:
    got: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        got["status"] = status

    body = b"".join(app({"REQUEST_METHOD": method, "PATH_INFO": path}, start_response))
    return got["status"], body


def test_missing_settings_are_named_in_one_line_and_exit_2(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["--database", f"sqlite:///{tmp_path}/x.db", "serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "missing settings: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)" in err


def test_settings_from_the_environment() -> None:
    http = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"})
    assert (http.socket_mode, http.api_url) == (False, DEFAULT_API_URL)
    socket = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert socket.socket_mode and socket.signing_secret == ""
    gov = Settings.from_env(
        {"SLACK_BOT_TOKEN": "x", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "https://slack-gov.com/api"}
    )
    assert gov.api_url == "https://slack-gov.com/api/"
    with pytest.raises(Exception, match="SLACK_SIGNING_SECRET"):
        Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"})
    with pytest.raises(Exception, match="app-level token"):
        Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-wrong"})


def test_health_says_whether_the_database_is_reachable(db: Database, tmp_path: Path) -> None:
    """/health answers as /health/ready (tests/handlers/test_health.py): 503 when the database is down."""
    status, body = call(build_wsgi(None, Deps(db=db)), "/health")
    assert (status, json.loads(body)["database"]) == ("200 OK", "reachable")
    broken = Database.connect(f"sqlite:///{tmp_path}/no/such/dir/x.db", migrate=False)
    status, body = call(build_wsgi(None, Deps(db=broken)), "/health")
    assert (status, json.loads(body)["database"]) == ("503 Service Unavailable", "unreachable")


def test_the_route_table_takes_extra_routes(db: Database) -> None:
    def hello(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"hello"]

    app = build_wsgi(None, Deps(db=db), {"/teamleader/callback": hello})
    assert call(app, "/teamleader/callback") == ("200 OK", b"hello")
    assert call(app, "/slack/events", "POST")[0] == "404 Not Found"  # Socket Mode: no HTTP endpoint
    with pytest.raises(ValueError, match="already mounted"):
        build_wsgi(None, Deps(db=db), {"/health": hello})


@contextmanager
def serving(db_url: str, standin: SlackStandIn, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`licensebot serve` as production runs it (its own process, waitress) against `standin`.

    A process of its own: stopping an in-process waitress loop from the test thread raced its select()
    on descriptors that later tests reuse.
    """
    port = free_port()
    env = slack_env(standin, drop=("LOG_LEVEL",), LOG_FORMAT="json")
    command = [sys.executable, "-m", "bot.cli", "--database", db_url, "serve", "--no-worker"]
    options = ["--host", "127.0.0.1", "--port", str(port), "--threads", "4"]
    with running([*command, *options], env, port, tmp_path / "serve.log", seconds=30) as served:
        yield served


@pytest.fixture
def served(db: Database, db_url: str, tmp_path: Path) -> Iterator[tuple[str, SlackStandIn]]:
    add_account(db, "T0001")
    add_members(db, "T0001", 3)
    with SlackStandIn() as standin, serving(db_url, standin, tmp_path) as (base, _proc):
        yield base, standin


def test_waitress_serves_health_and_signed_slack_requests(served: tuple[str, SlackStandIn]) -> None:
    base, standin = served
    with urllib.request.urlopen(f"{base}/health", timeout=10) as r:
        assert json.loads(r.read())["database"] == "reachable"
    assert signed_command(base, "help", standin.response_url("w1")) == 200
    assert signed_command(base, "help", standin.response_url("w2"), secret="wrong") == 401
    # process_before_response is False here (production): the answer follows the ack.
    for _ in range(200):
        if standin.calls_to("response_url"):
            break
        time.sleep(0.02)
    [answer] = standin.calls_to("response_url")
    assert "/licenses reduce [N]" in json.dumps(answer.params)
    with urllib.request.urlopen(f"{base}/health/ready", timeout=10) as r:
        assert json.loads(r.read())["checks"] == {"database": "ok", "slack": "ok"}  # --no-worker
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as r:
        exposed = r.read().decode().splitlines()
    assert 'licensebot_slack_requests_total{kind="command",outcome="ok"} 1.0' in exposed
    assert 'licensebot_slack_requests_total{kind="other",outcome="bad_signature"} 1.0' in exposed
    assert 'licensebot_slack_answer_seconds_count{kind="command"} 1.0' in exposed


def test_serve_logs_json_lines_with_the_request_context_and_no_warning(
    served: tuple[str, SlackStandIn], tmp_path: Path
) -> None:
    base, standin = served
    assert signed_command(base, "help", standin.response_url("w1")) == 200
    with urllib.request.urlopen(f"{base}/health/live", timeout=10) as r:
        assert json.loads(r.read()) == {"status": "live"}
    for _ in range(200):
        entries = [json.loads(line) for line in (tmp_path / "serve.log").read_text().splitlines()]
        requests = [e for e in entries if e["logger"] == "handlers.observe"]
        if requests:
            break
        time.sleep(0.02)
    [request] = requests
    assert (request["team"], request["user"], request["request_id"]) == ("T0001", "U0000", "1.t")
    assert not [e for e in entries if e["level"] in ("WARNING", "ERROR")], entries  # Bolt's token warning too
    assert "licensebot: serving Slack over HTTP" in entries[0]["message"]


def test_the_worker_hook_starts_the_background_worker(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[tuple[Database, object]] = []
    monkeypatch.setattr("bot.cli.wiring.start_background", lambda db, clock: started.append((db, clock)))
    clock = Deps(db=db).clock
    serve.start_worker(db, clock)
    assert started == [(db, clock)]


class FakeServer:
    ran = False

    def run(self) -> None:
        FakeServer.ran = True

    def close(self) -> None:
        pass


@pytest.mark.parametrize("no_worker", [False, True])
def test_serve_builds_the_app_and_runs_the_server(clean_env: pytest.MonkeyPatch, db_url: str, no_worker: bool) -> None:
    workers: list[Background] = []
    with SlackStandIn() as standin:
        clean_env.setenv("SLACK_BOT_TOKEN", "xoxb-t")
        clean_env.setenv("SLACK_SIGNING_SECRET", "s")
        clean_env.setenv("SLACK_API_URL", standin.api_url)
        clean_env.setattr(serve, "make_server", lambda wsgi, host, port, threads: FakeServer())

        def start_worker(db: Database, clock: object) -> Background:
            stop = threading.Event()
            thread = threading.Thread(target=stop.wait, daemon=True)
            thread.start()
            workers.append(Background(thread=thread, stop_event=stop))
            return workers[-1]

        clean_env.setattr(serve, "start_worker", start_worker)
        FakeServer.ran = False
        assert main(["--database", db_url, "serve", "--port", "0", *(["--no-worker"] if no_worker else [])]) == 0
        assert FakeServer.ran
        assert standin.methods() == ["auth.test"]  # the token is checked at start
    assert len(workers) == (0 if no_worker else 1)
    assert not any(w.running for w in workers)  # serve stops its worker on the way out


def test_a_token_slack_refuses_is_one_line_and_exit_2(
    clean_env: pytest.MonkeyPatch, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with SlackStandIn() as standin:
        standin.fail("auth.test", "invalid_auth")
        clean_env.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")
        clean_env.setenv("SLACK_SIGNING_SECRET", "s")
        clean_env.setenv("SLACK_API_URL", standin.api_url)
        assert main(["--database", db_url, "serve", "--no-worker"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Slack refused the settings" in err and "invalid_auth" in err


def test_socket_mode_connects_out_and_serves_health_without_slack_events(
    clean_env: pytest.MonkeyPatch, db_url: str
) -> None:
    import slack_bolt.adapter.socket_mode as socket_mode

    handlers: list[Any] = []
    mounted: list[Any] = []

    class FakeHandler:
        def __init__(self, app: Any, app_token: str, web_client: Any) -> None:
            self.app_token, self.web_client, self.events = app_token, web_client, ["created"]
            handlers.append(self)

        def connect(self) -> None:
            self.events.append("connect")

        def close(self) -> None:
            self.events.append("close")

    def fake_server(wsgi: Any, host: str, port: int, threads: int) -> FakeServer:
        mounted.append(wsgi)
        return FakeServer()

    with SlackStandIn() as standin:
        clean_env.setenv("SLACK_BOT_TOKEN", "xoxb-t")
        clean_env.setenv("SLACK_APP_TOKEN", "xapp-1-socket")
        clean_env.setenv("SLACK_API_URL", standin.api_url)
        clean_env.setattr(socket_mode, "SocketModeHandler", FakeHandler)
        clean_env.setattr(serve, "make_server", fake_server)
        assert main(["--database", db_url, "serve", "--no-worker"]) == 0
        api_url = standin.api_url
    [handler] = handlers
    assert handler.app_token == "xapp-1-socket" and handler.events == ["created", "connect", "close"]
    assert handler.web_client.base_url == api_url  # SLACK_API_URL applies to Socket Mode too
    [wsgi] = mounted
    assert "/slack/events" not in wsgi.routes and "/health" in wsgi.routes


def test_a_stopped_server_finishes_the_answers_after_its_acks(db: Database, db_url: str, tmp_path: Path) -> None:
    """SIGTERM (a deploy, a restart) while the work after an ack still waits on Slack: that work ends (the
    channel is set, its welcome posted, the admin answered) before the process exits, with 0."""
    add_account(db, "T0001")
    add_members(db, "T0001", 3)  # U0000 is an admin
    with SlackStandIn(delay=1.0) as standin, serving(db_url, standin, tmp_path) as (base, proc):
        assert signed_command(base, "channel", standin.response_url("c1"), channel_id="C0NEWCHAN") == 200
        time.sleep(0.3)  # the follow-up now waits ~1 s in chat.postMessage; its answer comes after that
        assert not standin.calls_to("response_url")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    [welcome] = standin.calls_to("chat.postMessage")
    assert welcome.params["channel"] == "C0NEWCHAN"
    [answer] = standin.calls_to("response_url")
    assert "C0NEWCHAN" in json.dumps(answer.params)
    assert "SIGTERM: finishing the answers after acks" in (tmp_path / "serve.log").read_text()


def test_a_bolt_app_is_mounted_only_with_its_signing_secret(db: Database) -> None:
    """build_wsgi does not read Bolt's private copy: without the secret, /slack/events is not mounted."""
    with SlackStandIn() as standin:
        settings = Settings(bot_token="xoxb-t", signing_secret="secret", api_url=standin.api_url)
        app = build_app(settings, Deps(db=db), process_before_response=True)
        with pytest.raises(TypeError, match="signing_secret"):
            build_wsgi(app, Deps(db=db))
        wsgi = build_wsgi(app, Deps(db=db), signing_secret=settings.signing_secret)
    status, _body = call(wsgi, "/slack/events")  # unsigned: refused before Bolt parses anything
    assert status.startswith("401")
