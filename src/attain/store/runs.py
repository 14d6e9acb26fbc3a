"""Calculation runs in the store: open a run, write the engine's outputs in bulk, close it, read it back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Table, insert, select, update

from attain.core.errors import AttainError
from attain.engine.result import CalcResult
from attain.store.arrow_io import bulk_insert, read_arrow
from attain.store.audit import record
from attain.store.errors import MISSING_KEY, NOT_FOUND
from attain.store.tables import RUN_OUTPUT_TABLES, calc_run

_NOT_FROM_ENGINE = ("id", "run_id")


def start_run(conn: Connection, *, periods: list[str], actor: str, options: dict[str, Any] | None = None,
              input_fingerprint: str | None = None, plan_versions: dict[str, Any] | None = None) -> int:
    """Record that a calculation starts; returns its ``run_id``."""
    values = {"status": "running", "periods": periods, "options": options,
              "input_fingerprint": input_fingerprint, "plan_versions": plan_versions,
              "created_by": actor, "started_at": dt.datetime.now(dt.UTC)}
    run_id = int(conn.execute(insert(calc_run).values(values).returning(calc_run.c.id)).scalar_one())
    record(conn, actor, "create", "calc_run", str(run_id), None, values)
    return run_id


def finish_run(conn: Connection, run_id: int, *, actor: str, error: str | None = None) -> None:
    """Mark a run succeeded (or failed, with ``error``)."""
    status = "failed" if error else "succeeded"
    values = {"status": status, "error": error, "finished_at": dt.datetime.now(dt.UTC)}
    changed = conn.execute(update(calc_run).where(calc_run.c.id == run_id).values(values))
    if changed.rowcount != 1:
        raise AttainError(f"no calculation run {run_id}", code=NOT_FOUND)
    record(conn, actor, status, "calc_run", str(run_id), None, values)


def _output_columns(table: Table, data: pa.Table, attribute: str) -> list[str]:
    wanted = [c for c in table.c if c.name not in _NOT_FROM_ENGINE]
    missing = [c.name for c in wanted if not c.nullable and c.name not in data.column_names]
    if missing and data.num_rows:
        raise AttainError(f"CalcResult.{attribute} lacks column(s) {', '.join(missing)}", code=MISSING_KEY)
    return [c.name for c in wanted if c.name in data.column_names]


def write_run_outputs(
    conn: Connection, run_id: int, result: CalcResult, *, actor: str = "system"
) -> dict[str, int]:
    """Insert the credits, measures, earnings and component totals of ``result`` under ``run_id`` in bulk.

    Columns follow docs/calculation.md "Outputs"; extra columns (e.g. transaction fields on
    credits) are not stored here. Returns the row count written per output.
    """
    if conn.execute(select(calc_run.c.id).where(calc_run.c.id == run_id)).first() is None:
        raise AttainError(f"no calculation run {run_id}", code=NOT_FOUND)
    written: dict[str, int] = {}
    for attribute, table in RUN_OUTPUT_TABLES.items():
        data: pa.Table = getattr(result, attribute)
        columns = _output_columns(table, data, attribute)
        rows = data.select(columns).append_column("run_id", pa.array([run_id] * data.num_rows, pa.int64()))
        written[attribute] = bulk_insert(conn, table, rows)
    record(conn, actor, "write_outputs", "calc_run", str(run_id), None, written)
    return written


def read_run_outputs(conn: Connection, run_id: int) -> dict[str, pa.Table]:
    """The stored outputs of a run as Arrow tables (decimals exact), by ``CalcResult`` attribute name."""
    tables: dict[str, pa.Table] = {}
    for attribute, table in RUN_OUTPUT_TABLES.items():
        columns = [c for c in table.c if c.name not in _NOT_FROM_ENGINE]
        tables[attribute] = read_arrow(conn, columns, where=table.c.run_id == run_id, order_by=[table.c.id])
    return tables
