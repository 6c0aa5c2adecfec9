"""What the benchmark scripts share: the machine they ran on, percentiles, a plain-text table."""

from __future__ import annotations

import os
import platform
import re
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    """One line: CPU model, cores, memory, Python, date (what bench/README.md quotes with each figure)."""
    cpu = "unknown CPU"
    try:
        text = Path("/proc/cpuinfo").read_text()
        found = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
        cpu = found.group(1).strip() if found else cpu
    except OSError:
        pass
    memory = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, AttributeError):
        pass
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}, {stamp}, load {load}"


def sqlite_time(value: datetime) -> str:
    """How SQLAlchemy stores a UTC instant on SQLite (naive UTC, microseconds)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank; values need not be sorted."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (pastes into bench/README.md as is)."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    return "\n".join([line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, cells[1:])])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes] | None = None, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f} s")


def python_env(**extra: str) -> dict[str, str]:
    """The environment for a child Python process that imports this checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_") and k != "DATABASE_URL"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


def vm_hwm_kib(pid: int) -> tuple[int, int]:
    """(peak RSS, current RSS) of a process in KiB, from /proc/<pid>/status (VmHWM, VmRSS)."""
    text = Path(f"/proc/{pid}/status").read_text()

    def field(name: str) -> int:
        found = re.search(rf"^{name}:\s+(\d+) kB", text, re.M)
        return int(found.group(1)) if found else -1

    return field("VmHWM"), field("VmRSS")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process (all its threads) has used so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine so far, all cores (the first line of /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
"""Where the scripts create (and drop) their own PostgreSQL databases, lb_bench_<name>."""
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "lb_bench_")
"""The start of those databases' names: give each person running benchmarks on one server their own."""


class ScratchDatabase:
    """A fresh database for one run: a SQLite file in a temporary directory, or a PostgreSQL database
    `lb_bench_<name>` created on BENCH_PG_URL's server (trust auth) and dropped at the end."""

    def __init__(self, kind: str, name: str) -> None:
        if kind not in ("sqlite", "postgresql"):
            raise ValueError(kind)
        self.kind, self.name = kind, f"{DB_PREFIX}{name}"
        self.url = ""
        self._tmp: Any = None
        self._logs: Any = None

    def __enter__(self) -> ScratchDatabase:
        if self.kind == "sqlite":
            import tempfile

            self._tmp = tempfile.TemporaryDirectory(prefix=self.name)
            self.url = f"sqlite:///{Path(self._tmp.name) / 'bench.db'}"
            return self
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', f'CREATE DATABASE "{self.name}"')
        self.url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{self.name}"
        return self

    @property
    def logs(self) -> str:
        """A directory for the run's logs (removed at the end)."""
        if self._logs is None:
            import tempfile

            self._logs = tempfile.TemporaryDirectory(prefix=f"{self.name}_logs")
        return str(self._logs.name)

    def __exit__(self, *_exc: object) -> None:
        if self._logs is not None:
            self._logs.cleanup()
        if self._tmp is not None:
            self._tmp.cleanup()
        elif self.url:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def _admin(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            for sql in statements:
                conn.execute(sql.encode())
