"""Where a benchmark runs: a fresh scratch database (a SQLite file, or a PostgreSQL database dropped after),
the code of an earlier commit in a temporary git worktree (`--before REF`), and how repeats are summed up."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def scratch(kind: str, name: str) -> Iterator[str]:
    """A fresh database URL: a SQLite file in a temporary directory, or a PostgreSQL database dropped after."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    import psycopg

    admin = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    database = os.environ.get("BENCH_DB_PREFIX", "lb_bench_") + name

    def do(sql: str) -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.encode())

    do(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    do(f'CREATE DATABASE "{database}"')
    try:
        yield admin.rsplit("/", 1)[0] + f"/{database}"
    finally:
        do(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@contextmanager
def worktree(ref: str, scripts: list[Path]) -> Iterator[Path]:
    """The code of commit `ref` in a temporary `git worktree`, with this checkout's `scripts` (and this module)
    copied into its bench/, so the same measurement runs against both."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-before-"))
    path = tmp / "code"
    subprocess.run(["git", "worktree", "add", "--detach", str(path), ref], cwd=ROOT, check=True, capture_output=True)
    try:
        for script in [Path(__file__), *scripts]:
            shutil.copy(script, path / "bench" / script.name)
        yield path
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def nothing() -> Iterator[None]:
    yield None


def span(values: list[float], fmt: str = "{:.2f}") -> str:
    """median (min-max) of the repeats."""
    if len(values) == 1:
        return fmt.format(values[0])
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"
