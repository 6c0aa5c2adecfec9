"""DATABASE_POOL_SIZE and DATABASE_MAX_OVERFLOW (issue 17): parsed, applied to PostgreSQL engines, and
refused with one clear line when they are not whole numbers in range."""

from __future__ import annotations

import pytest
from sqlalchemy.pool import QueuePool

from bot.cli.main import main
from bot.core.errors import UserError
from store.db import DEFAULT_MAX_OVERFLOW, DEFAULT_POOL_SIZE, PoolSettings, make_engine, pool_settings

PG = "postgresql://postgres@127.0.0.1:1/nothing"  # never connected to: the pool is built lazily


def test_the_defaults_when_unset_or_empty() -> None:
    assert pool_settings({}) == PoolSettings(DEFAULT_POOL_SIZE, DEFAULT_MAX_OVERFLOW)
    assert pool_settings({"DATABASE_POOL_SIZE": " ", "DATABASE_MAX_OVERFLOW": ""}) == pool_settings({})
    assert pool_settings({}).most == DEFAULT_POOL_SIZE + DEFAULT_MAX_OVERFLOW


def test_values_are_read() -> None:
    assert pool_settings({"DATABASE_POOL_SIZE": "3", "DATABASE_MAX_OVERFLOW": "0"}) == PoolSettings(3, 0)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_POOL_SIZE", "0"),
        ("DATABASE_POOL_SIZE", "-1"),
        ("DATABASE_POOL_SIZE", "ten"),
        ("DATABASE_POOL_SIZE", "2.5"),
        ("DATABASE_POOL_SIZE", "1001"),
        ("DATABASE_MAX_OVERFLOW", "-1"),
        ("DATABASE_MAX_OVERFLOW", "１"),  # a full-width digit is not ASCII
    ],
)
def test_bad_values_are_refused_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(UserError, match=name) as refused:
        pool_settings({name: value})
    assert "whole number" in refused.value.message and "\n" not in refused.value.message


def test_a_postgresql_engine_gets_the_pool_of_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_POOL_SIZE", "4")
    monkeypatch.setenv("DATABASE_MAX_OVERFLOW", "2")
    pool = make_engine(PG).pool
    assert isinstance(pool, QueuePool)
    assert pool.size() == 4 and pool._max_overflow == 2
    monkeypatch.delenv("DATABASE_POOL_SIZE")
    monkeypatch.delenv("DATABASE_MAX_OVERFLOW")
    assert make_engine(PG).pool.status().startswith(f"Pool size: {DEFAULT_POOL_SIZE} ")
    assert make_engine(PG, pool_size=7, max_overflow=1).pool.status().startswith("Pool size: 7 ")  # the worker's own


def test_serve_refuses_a_bad_pool_size_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-t")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    monkeypatch.setenv("DATABASE_POOL_SIZE", "lots")
    assert main(["--database", PG, "serve", "--no-worker"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "DATABASE_POOL_SIZE must be a whole number" in err
