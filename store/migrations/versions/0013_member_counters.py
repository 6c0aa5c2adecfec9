"""Counters the pages read instead of counting: accounts.active_members, license_lines.holders

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 23:00:00

`accounts.active_members` is the number of the account's members whose status is active;
`license_lines.holders` the number of an add-on line's current assignments (`removed_at IS NULL`) whose
member is active. Every license page, submission, App Home and reminder decision shows or decides by them,
so they are read from one row instead of counted over the members (issue 17: cost independent of size).

The database keeps them exact, in the same transaction as the change, whoever writes: triggers on
`members` (insert, status change, delete) and `line_assignments` (insert, open/close, delete). No code
path can forget them (the CSV import, the Teamleader sync, deactivations by hand and by consent, the
renewal's set-based chunks, reactivation, account removal, the demo and bench loaders, raw SQL).
- PostgreSQL: statement-level triggers over the transition tables (one UPDATE per statement, however
  many rows: the renewal's 10,000-row chunks stay set-based), `active_members = active_members + d`
  under the row lock. An assignment's trigger locks its members FOR SHARE before it reads their status,
  so an assignment and its member's status change in two concurrent transactions are counted once.
  A member's delete: a row trigger (before the cascade removes their assignments) takes their licenses
  off their lines; members are deleted only with their account.
- SQLite: row triggers (one writer at a time: nothing to race).
`TRUNCATE` fires none of them (tests empty every table at once).

Like migration 0004's: a later `batch_alter_table("members")` or `("line_assignments")` recreates the
table on SQLite and DROPS these triggers: such a migration must create them again (`_sqlite()` below).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ACTIVE = "'active'"

BACKFILL = (
    "UPDATE accounts SET active_members = "
    f"(SELECT count(*) FROM members m WHERE m.account_id = accounts.id AND m.status = {ACTIVE})",
    "UPDATE license_lines SET holders = (SELECT count(*) FROM line_assignments a JOIN members m ON m.id = a.member_id "
    f"WHERE a.line_id = license_lines.id AND a.removed_at IS NULL AND m.status = {ACTIVE})",
)

_HOLD_OLD = "UPDATE license_lines SET holders = holders - 1 WHERE id = OLD.line_id AND OLD.removed_at IS NULL "
_HOLD_NEW = "UPDATE license_lines SET holders = holders + 1 WHERE id = NEW.line_id AND NEW.removed_at IS NULL "
_MEMBER_ACTIVE = "AND EXISTS (SELECT 1 FROM members WHERE id = {row}.member_id AND status = " + ACTIVE + ")"


def _sqlite() -> list[str]:
    return [
        f"CREATE TRIGGER members_count_insert AFTER INSERT ON members WHEN NEW.status = {ACTIVE} BEGIN "
        "UPDATE accounts SET active_members = active_members + 1 WHERE id = NEW.account_id; END",
        "CREATE TRIGGER members_count_update AFTER UPDATE OF status, account_id ON members "
        "WHEN OLD.status IS NOT NEW.status OR OLD.account_id IS NOT NEW.account_id BEGIN "
        f"UPDATE accounts SET active_members = active_members - 1 WHERE id = OLD.account_id AND OLD.status = {ACTIVE}; "
        f"UPDATE accounts SET active_members = active_members + 1 WHERE id = NEW.account_id AND NEW.status = {ACTIVE}; "
        f"UPDATE license_lines SET holders = holders + (CASE WHEN NEW.status = {ACTIVE} THEN 1 ELSE -1 END) "
        f"WHERE (OLD.status = {ACTIVE}) IS NOT (NEW.status = {ACTIVE}) AND id IN "
        "(SELECT line_id FROM line_assignments WHERE member_id = NEW.id AND removed_at IS NULL); END",
        # Before the row goes: its assignments still exist (the cascade removes them after, and their trigger
        # then finds no member to count).
        f"CREATE TRIGGER members_count_delete BEFORE DELETE ON members WHEN OLD.status = {ACTIVE} BEGIN "
        "UPDATE accounts SET active_members = active_members - 1 WHERE id = OLD.account_id; "
        "UPDATE license_lines SET holders = holders - 1 WHERE id IN "
        "(SELECT line_id FROM line_assignments WHERE member_id = OLD.id AND removed_at IS NULL); END",
        "CREATE TRIGGER line_assignments_count_insert AFTER INSERT ON line_assignments BEGIN "
        f"{_HOLD_NEW}{_MEMBER_ACTIVE.format(row='NEW')}; END",
        "CREATE TRIGGER line_assignments_count_update AFTER UPDATE OF removed_at, line_id, member_id "
        "ON line_assignments BEGIN "
        f"{_HOLD_OLD}{_MEMBER_ACTIVE.format(row='OLD')}; {_HOLD_NEW}{_MEMBER_ACTIVE.format(row='NEW')}; END",
        "CREATE TRIGGER line_assignments_count_delete AFTER DELETE ON line_assignments BEGIN "
        f"{_HOLD_OLD}{_MEMBER_ACTIVE.format(row='OLD')}; END",
    ]


SQLITE_TRIGGERS = (
    "members_count_insert",
    "members_count_update",
    "members_count_delete",
    "line_assignments_count_insert",
    "line_assignments_count_update",
    "line_assignments_count_delete",
)


def _account_delta(rows: str) -> str:
    """UPDATE accounts by the signed active rows of `rows` (a SELECT of account_id, delta)."""
    return (
        "UPDATE accounts a SET active_members = a.active_members + d.delta FROM "
        f"(SELECT account_id, sum(delta) AS delta FROM ({rows}) x GROUP BY account_id HAVING sum(delta) <> 0) d "
        "WHERE a.id = d.account_id;"
    )


def _line_delta(rows: str) -> str:
    """UPDATE license_lines by `rows` (a SELECT of line_id, delta)."""
    return (
        "UPDATE license_lines l SET holders = l.holders + d.delta FROM "
        f"(SELECT line_id, sum(delta) AS delta FROM ({rows}) x GROUP BY line_id HAVING sum(delta) <> 0) d "
        "WHERE l.id = d.line_id;"
    )


def _function(name: str, body: str) -> str:
    return f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$"


def _open_held(rows: str, sign: int) -> str:
    """The open assignments of transition table `rows` whose member is active now, each `sign`."""
    return (
        f"SELECT r.line_id, {sign} AS delta FROM {rows} r JOIN members m ON m.id = r.member_id "
        f"WHERE r.removed_at IS NULL AND m.status = {ACTIVE}"
    )


def _lock_members(rows: str) -> str:
    return f"PERFORM 1 FROM members WHERE id IN (SELECT member_id FROM {rows}) ORDER BY id FOR SHARE;"


def _postgresql() -> list[str]:
    return [
        _function(
            "members_count_insert",
            _account_delta(f"SELECT account_id, 1 AS delta FROM new_rows WHERE status = {ACTIVE}"),
        ),
        _function(
            "members_count_update",
            _account_delta(
                f"SELECT account_id, -1 AS delta FROM old_rows WHERE status = {ACTIVE} "
                f"UNION ALL SELECT account_id, 1 FROM new_rows WHERE status = {ACTIVE}"
            )
            + _line_delta(
                f"SELECT a.line_id, CASE WHEN n.status = {ACTIVE} THEN 1 ELSE -1 END AS delta "
                "FROM old_rows o JOIN new_rows n ON n.id = o.id "
                "JOIN line_assignments a ON a.member_id = n.id AND a.removed_at IS NULL "
                f"WHERE (o.status = {ACTIVE}) IS DISTINCT FROM (n.status = {ACTIVE})"
            ),
        ),
        _function(
            "members_count_delete",
            _account_delta(f"SELECT account_id, -1 AS delta FROM old_rows WHERE status = {ACTIVE}"),
        ),
        "CREATE FUNCTION members_holders_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "UPDATE license_lines SET holders = holders - 1 WHERE id IN "
        "(SELECT line_id FROM line_assignments WHERE member_id = OLD.id AND removed_at IS NULL); "
        "RETURN OLD; END $$",
        _function("line_assignments_count_insert", _lock_members("new_rows") + _line_delta(_open_held("new_rows", 1))),
        _function(
            "line_assignments_count_update",
            _lock_members("new_rows")
            + _line_delta(f"{_open_held('old_rows', -1)} UNION ALL {_open_held('new_rows', 1)}"),
        ),
        _function("line_assignments_count_delete", _line_delta(_open_held("old_rows", -1))),
        "CREATE TRIGGER members_count_insert AFTER INSERT ON members REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION members_count_insert()",
        "CREATE TRIGGER members_count_update AFTER UPDATE ON members "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION members_count_update()",
        "CREATE TRIGGER members_count_delete AFTER DELETE ON members REFERENCING OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION members_count_delete()",
        f"CREATE TRIGGER members_holders_delete BEFORE DELETE ON members FOR EACH ROW WHEN (OLD.status = {ACTIVE}) "
        "EXECUTE FUNCTION members_holders_delete()",
        "CREATE TRIGGER line_assignments_count_insert AFTER INSERT ON line_assignments "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION line_assignments_count_insert()",
        "CREATE TRIGGER line_assignments_count_update AFTER UPDATE ON line_assignments "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION line_assignments_count_update()",
        "CREATE TRIGGER line_assignments_count_delete AFTER DELETE ON line_assignments "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION line_assignments_count_delete()",
    ]


POSTGRESQL_TRIGGERS = (
    ("members", "members_count_insert"),
    ("members", "members_count_update"),
    ("members", "members_count_delete"),
    ("members", "members_holders_delete"),
    ("line_assignments", "line_assignments_count_insert"),
    ("line_assignments", "line_assignments_count_update"),
    ("line_assignments", "line_assignments_count_delete"),
)


def upgrade() -> None:
    # Plain ADD COLUMN (no batch: on SQLite a batch recreates the table and drops its triggers)
    op.add_column("accounts", sa.Column("active_members", sa.Integer(), server_default=sa.text("0"), nullable=False))
    op.add_column("license_lines", sa.Column("holders", sa.Integer(), server_default=sa.text("0"), nullable=False))
    # The triggers first: on PostgreSQL creating them locks the tables against writes until this commits, so
    # nothing changes between the backfill's counts and the first trigger.
    for statement in _postgresql() if op.get_bind().dialect.name == "postgresql" else _sqlite():
        op.execute(statement)
    for statement in BACKFILL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, name in POSTGRESQL_TRIGGERS:
            op.execute(f"DROP TRIGGER {name} ON {table}")
            op.execute(f"DROP FUNCTION {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_column("license_lines", "holders")
    op.drop_column("accounts", "active_members")
