"""Each benchmark script runs end to end at a tiny size and prints its table, so that none rots.

No figure is checked (timings belong in bench/README.md, not in tests); each script exits non-zero
when its own checks fail (exactly once, pacing, index use, pending requests, server errors).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("script", "table_header"),
    [
        ("bench.ack", "| request | clients | bare req/s"),
        ("bench.fanout", "| round "),
        ("bench.tick_cost", "| database | accounts"),
        ("bench.limits", "| submission under a held lock"),
        ("bench.answers", "| x capacity | offered req/s"),
        ("bench.page_cost", "100 CPU ms"),
        ("bench.webapi_calls", "CPU vs slack_sdk"),
        ("bench.renewal", "| database | code "),
        ("bench.tick_due", "| database | code "),
        ("bench.lines_cost", "package + 3 add-ons ms"),
        ("bench.submit_cost", "| CPU ms per submission |"),
    ],
)
def test_the_script_runs_at_a_tiny_size(script: str, table_header: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", script, "--smoke"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert table_header in done.stdout, done.stdout
