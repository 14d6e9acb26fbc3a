"""money to the fils: every money column keeps 3 decimals (BHD, KWD, JOD, OMR, TND pay 0.001)

NUMERIC(18, 2) becomes NUMERIC(19, 3) on PostgreSQL: one more decimal and the same 16 digits before
the point, so every stored value is kept as it is (approved history is never rewritten in value).
SQLite keeps money as canonical decimal text with exactly the column's places ('12.30'); the text is
widened to 3 places ('12.300') so that equal amounts stay equal text. The downgrade is refused while
any amount has a non-zero third decimal (narrowing would lose fils). See
docs/decisions/0007-money-three-decimals.md.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import attain.store.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("account", "annual_revenue", True),
    ("adjustment", "amount", False),
    ("opportunity", "amount", True),
    ("payout", "amount_rounded", False),
    ("plan_assignment", "target_incentive", True),
    ("product", "list_price", True),
    ("quota", "amount", False),
    ("quota_version_line", "amount", False),
    ("run_component_total", "amount_rounded", False),
    ("transaction", "amount", False),
)
"""(table, column, nullable) of every money column: what was NUMERIC(18, 2)."""

NARROW = attain.store.types.ExactDecimal(18, 2)
WIDE = attain.store.types.ExactDecimal(19, 3)


def _quoted(table: str, column: str) -> tuple[str, str]:
    preparer = op.get_bind().dialect.identifier_preparer
    return preparer.quote(table), preparer.quote(column)


def _retype(table: str, column: str, nullable: bool, old: attain.store.types.ExactDecimal,
            new: attain.store.types.ExactDecimal) -> None:
    op.alter_column(table, column, existing_type=old, type_=new, existing_nullable=nullable)


def _sqlite_text(table: str, column: str, pattern: str, new_text: str) -> None:
    name, col = _quoted(table, column)
    sql = f"UPDATE {name} SET {col} = {new_text.format(col=col)} WHERE {col} GLOB '{pattern}'"  # noqa: S608 (quoted identifiers)
    op.execute(sa.text(sql))


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, nullable in MONEY_COLUMNS:
        if sqlite:  # '12.30' -> '12.300' (the column is text there; its declared type does not change)
            _sqlite_text(table, column, "*.[0-9][0-9]", "{col} || '0'")
        else:
            _retype(table, column, nullable, NARROW, WIDE)


def _fils(table: str, column: str) -> int:
    """How many amounts of ``table.column`` have a non-zero third decimal (they do not fit 2 decimals)."""
    name, col = _quoted(table, column)
    if op.get_bind().dialect.name == "sqlite":
        where = f"{col} GLOB '*.[0-9][0-9][1-9]'"
    else:
        where = f"{col} <> TRUNC({col}, 2)"
    sql = f"SELECT COUNT(*) FROM {name} WHERE {where}"  # noqa: S608 (quoted identifiers)
    return int(op.get_bind().execute(sa.text(sql)).scalar_one())


def downgrade() -> None:
    losing = {f"{t}.{c}": n for t, c, _ in MONEY_COLUMNS if (n := _fils(t, c))}
    if losing:
        shown = ", ".join(f"{where}: {n}" for where, n in losing.items())
        raise RuntimeError(f"cannot go back to 2-decimal money: amounts with a third decimal would lose "
                           f"fils ({shown})")
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, nullable in MONEY_COLUMNS:
        if sqlite:  # '12.300' -> '12.30'
            _sqlite_text(table, column, "*.[0-9][0-9]0", "substr({col}, 1, length({col}) - 1)")
        else:
            _retype(table, column, nullable, WIDE, NARROW)
