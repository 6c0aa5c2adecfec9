"""Several processes on one host (PROMETHEUS_MULTIPROC_DIR): any of them answers /metrics for all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

COUNT = """
from bot import metrics
metrics.SLACK_REQUESTS.labels(kind="command", outcome="ok").inc()
metrics.ACK_SECONDS.labels(kind="command").observe(0.2)
metrics.AFTER_ACK_PENDING.inc()  # work still queued when it stops
from handlers.metrics import process_ended
process_ended()  # what `licensebot serve` and `worker` do on their way out
"""

SCRAPE = """
import sys
from handlers.metrics import metrics_app
from store.db import Database

db = Database.connect(sys.argv[1])
out = metrics_app(db)({"REQUEST_METHOD": "GET", "PATH_INFO": "/metrics"}, lambda status, headers: None)
print(b"".join(out).decode())
"""


def python(code: str, env: dict[str, str], *argv: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *argv], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_counts_of_every_process_add_up(tmp_path: Path) -> None:
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared)}
    for _ in range(3):  # three processes that served one command each, then stopped
        python(COUNT, env)
    exposed = python(SCRAPE, env, f"sqlite:///{tmp_path}/x.db").splitlines()
    assert 'licensebot_slack_requests_total{kind="command",outcome="ok"} 3.0' in exposed
    assert 'licensebot_slack_ack_seconds_count{kind="command"} 3.0' in exposed
    assert "licensebot_outbox_readable 1.0" in exposed
    # the after-ack queue counts live processes only: the three said they ended
    assert not any(line.startswith("licensebot_after_ack_pending") and not line.endswith(" 0.0") for line in exposed)


def test_a_multiprocess_directory_that_cannot_be_one_is_one_line_and_exit_2(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "a-file"
    not_a_dir.write_text("")
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(not_a_dir)}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr == f"licensebot: error: PROMETHEUS_MULTIPROC_DIR='{not_a_dir}' is not a directory: File exists\n"
