"""Migrations produce exactly the schema the models describe, and have one head."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from store.db import Database, alembic_config, current_revision, head_revision
from store.models import Base


def test_one_head(db: Database) -> None:
    heads = ScriptDirectory.from_config(alembic_config(db.engine)).get_heads()
    assert len(heads) == 1, f"migrations have several heads: {heads}"


def test_database_is_at_head(db: Database) -> None:
    assert current_revision(db.engine) == head_revision(db.engine)


def test_migrations_match_models(db: Database) -> None:
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_every_model_table_exists(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
