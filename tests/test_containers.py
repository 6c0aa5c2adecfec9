"""Dockerfile and compose.yaml: every licensebot command and flag they run exists in the CLI, and the
image and the services are what docs/operations.md says (Docker itself cannot run here)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli.main import build_parser
from handlers.deps import Deps
from handlers.health import LIVE_PATH, READY_PATH
from handlers.http import build_wsgi
from store.db import Database

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())


def instructions(name: str) -> list[str]:
    """The arguments of every `name` instruction of the Dockerfile (continued lines joined)."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1].strip() for line in joined.splitlines() if line.upper().startswith(name + " ")]


def exec_form(text: str) -> list[str]:
    value = json.loads(text)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), text
    return value


def parses(argv: list[str]) -> Any:
    """licensebot's own parser accepts `argv` (its argv[0] is the program): a bad command or flag exits 2."""
    assert argv[0] == "licensebot", argv
    try:
        return build_parser().parse_args(argv[1:])
    except SystemExit as exc:
        pytest.fail(f"the CLI refuses {shlex.join(argv)} (exit {exc.code})")


[ENTRYPOINT] = [exec_form(v) for v in instructions("ENTRYPOINT")]
[DEFAULT_CMD] = [exec_form(v) for v in instructions("CMD")]
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
APP_SERVICES = {name: s for name, s in SERVICES.items() if s.get("image") == "licensebot:local"}


def test_the_image_runs_licensebot_serve_by_default_with_flags_the_cli_has() -> None:
    assert ENTRYPOINT == ["licensebot"]
    args = parses([*ENTRYPOINT, *DEFAULT_CMD])
    assert args.command == "serve" and args.port == 3000


def test_the_image_is_slim_non_root_and_installs_the_app_as_a_wheel() -> None:
    bases = instructions("FROM")
    assert bases and all(re.match(r"python:3\.\d+-slim\b", b) for b in bases), bases
    [user] = instructions("USER")
    assert user not in ("root", "0")
    runs = " ".join(instructions("RUN"))
    assert "pip wheel" in runs and "pip install --no-index --find-links /wheels licensebot" in runs
    assert f"useradd --system --create-home --home-dir /home/{user}" in runs


def test_the_healthcheck_asks_a_route_the_app_serves(db: Database) -> None:
    [check] = instructions("HEALTHCHECK")
    url = re.search(r"http://127\.0\.0\.1:(\d+)(/[a-z/]+)", check)
    assert url is not None, check
    assert url.group(2) == LIVE_PATH
    assert LIVE_PATH in build_wsgi(None, Deps(db=db)).routes  # type: ignore[attr-defined]
    assert int(url.group(1)) == parses([*ENTRYPOINT, *DEFAULT_CMD]).port


def service_args(name: str) -> Any:
    return parses([*ENTRYPOINT, *APP_SERVICES[name]["command"]])


def test_every_compose_command_exists_in_the_cli() -> None:
    assert set(APP_SERVICES) == {"migrate", "serve", "worker"}
    for name in APP_SERVICES:
        service_args(name)


def test_compose_upgrades_first_then_runs_two_serve_without_worker_and_one_worker() -> None:
    assert SERVICES["postgres"]["image"].startswith("postgres:")
    migrate = service_args("migrate")
    assert (migrate.command, migrate.db_command) == ("db", "upgrade")
    assert SERVICES["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    serve, worker = service_args("serve"), service_args("worker")
    assert serve.command == "serve" and serve.no_worker and serve.no_migrate
    assert SERVICES["serve"]["deploy"]["replicas"] == 2
    assert worker.command == "worker" and worker.no_migrate
    for name in ("serve", "worker"):
        assert SERVICES[name]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    # the image's HEALTHCHECK asks port 3000: both long-running services answer /health/live there
    assert serve.port == 3000 and worker.metrics_port == 3000
    assert all(s["environment"]["DATABASE_URL"].startswith("postgresql://") for s in APP_SERVICES.values())


def test_the_settings_compose_passes_are_documented() -> None:
    operations = (ROOT / "docs" / "operations.md").read_text()
    env = APP_SERVICES["serve"]["environment"]
    assert all(f"`{name}`" in operations for name in env), [n for n in env if f"`{n}`" not in operations]
    assert READY_PATH in operations and "compose.yaml" in (ROOT / "README.md").read_text()
