"""The store's inputs staged as Parquet for a Spark run: PostgreSQL -> ADBC -> Parquet -> Spark.

A distributed run should not pull the store's rows through one Python process and ship them to
the workers again. This service writes every entity of the store into a staging folder as
``<entity>.parquet`` (the layout of a file-mode data folder), and the Spark executor reads those
files where they lie (``SparkExecutor.register_parquet``: every task reads its own splits).

- **PostgreSQL**: one ADBC connection (``adbc_driver_postgresql``: binary ``COPY``, rows arrive as
  Arrow record batches) in one REPEATABLE READ, READ ONLY transaction, so every entity comes from
  the same snapshot. Each batch is typed exactly like ``attain.services.calc.load_store_inputs``
  (NUMERIC text -> DECIMAL, timestamps as naive UTC, JSON documents canonical, the entity's
  defaults and checks of ``attain.engine.inputs.conform``) and appended to its Parquet file: the
  process holds one batch at a time, whatever the size of the company.
- **SQLite** (small installations, no ADBC driver here): the store's own bulk read
  (``load_store_inputs``), written to the same files.

Either way ``load_folder(staged folder)`` equals ``load_store_inputs(store)`` table for table (tested
on both backends), so a run from the staging folder calculates what a run from the store does.
Spark JDBC was not an option: it needs the PostgreSQL JDBC jar from Maven (no network here).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import ColumnElement, Engine, String, func, literal, select

from attain.core.entities import ENTITIES, EntitySpec, FieldKind
from attain.core.errors import AttainError, Issue, register
from attain.engine import CalcOptions, InputTables
from attain.engine.inputs import arrow_schema, conform, load_folder
from attain.services.calc import load_store_inputs
from attain.store.db import get_engine
from attain.store.repos import LINEAGE_FOR_ENGINE
from attain.store.tables import ENTITY_TABLES
from attain.store.types import ExactDecimal, dumps_json

CALC114 = register(
    "CALC114", "The store's inputs could not be staged as Parquet for a Spark run (ADBC or the folder)"
)

BATCH_BYTES = 16 << 20
"""ADBC's hint for the size of one Arrow batch: what the process holds of an entity at a time."""
ROW_GROUP_ROWS = 1_000_000
"""Rows per Parquet row group (ADBC batches are gathered up to it): Spark splits a file at row
groups, so a big input spreads over tasks; the process holds at most one row group."""


@dataclass(frozen=True)
class StagedInputs:
    """A folder of ``<entity>.parquet`` files staged from the store, and their row counts."""

    folder: Path
    rows: dict[str, int]
    via: str
    """``adbc`` (PostgreSQL, binary COPY) or ``store`` (SQLite: the store's bulk read)."""


def stage_store_inputs(target: str | Engine, folder: Path) -> StagedInputs:
    """Write every entity of the store into ``folder`` as ``<entity>.parquet``, typed for the engine."""
    engine = target if isinstance(target, Engine) else get_engine(target)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AttainError(f"cannot make the staging folder {folder}: {exc}", code=CALC114) from exc
    if engine.dialect.name == "postgresql":
        return StagedInputs(folder, _stage_postgres(engine, folder), "adbc")
    tables = load_store_inputs(engine)
    rows = {}
    for name in ENTITIES:
        pq.write_table(tables[name], folder / f"{name}.parquet", row_group_size=ROW_GROUP_ROWS)
        rows[name] = tables[name].num_rows
    return StagedInputs(folder, rows, "store")


def staged_store_inputs(target: str | Engine, options: CalcOptions) -> InputTables:
    """The engine inputs of a run on Spark, staged through Parquet (any other executor: the store's).

    The staging folder is made under ``options.temp_dir`` (shared storage on a cluster) and removed
    when the returned tables are no longer used. This is the call ``attain run --executor spark``
    makes instead of ``load_store_inputs``.
    """
    if options.executor != "spark":
        return load_store_inputs(target)
    if options.temp_dir is not None:
        options.temp_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="attain-staged-", dir=options.temp_dir))
    try:
        stage_store_inputs(target, folder)
        inputs = load_folder(folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    weakref.finalize(inputs, shutil.rmtree, folder, True)
    return inputs


# -- PostgreSQL through ADBC -------------------------------------------------------------------


def _adbc_uri(engine: Engine) -> str:
    """The libpq URI of the store (SQLAlchemy's ``postgresql+psycopg://`` without the driver)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _stage_postgres(engine: Engine, folder: Path) -> dict[str, int]:
    try:
        import adbc_driver_postgresql.dbapi as adbc
    except ImportError as exc:  # a dependency of the project: only a broken install lacks it
        raise AttainError("staging needs adbc-driver-postgresql", code=CALC114) from exc
    rows: dict[str, int] = {}
    try:
        with adbc.connect(_adbc_uri(engine)) as conn, conn.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            for name, spec in ENTITIES.items():
                rows[name] = _stage_entity(cursor, engine, spec, folder / f"{name}.parquet")
            conn.rollback()
    except adbc.Error as exc:
        raise AttainError(f"staging the store's inputs failed: {exc}", code=CALC114) from exc
    return rows


def _stage_entity(cursor: Any, engine: Engine, spec: EntitySpec, path: Path) -> int:
    """Stream one entity into ``path`` batch by batch; raise the entity's input problems."""
    sql = _entity_sql(cursor, engine, spec)
    cursor.adbc_statement.set_options(**{"adbc.postgresql.batch_size_hint_bytes": str(BATCH_BYTES)})
    cursor.execute(sql)
    reader: pa.RecordBatchReader = cursor.fetch_record_batch()
    issues: list[Issue] = []
    written = 0
    pending: list[pa.Table] = []  # typed batches until a row group is full
    with pq.ParquetWriter(path, arrow_schema(spec)) as writer:
        for batch in _nonempty(reader):
            table = _engine_types(spec, pa.Table.from_batches([batch]))
            pending.append(_conformed(spec, table, first_line=1 + written, issues=issues))
            written += batch.num_rows
            if sum(t.num_rows for t in pending) >= ROW_GROUP_ROWS:
                _write_row_group(writer, pending)
                pending = []
        if pending:
            _write_row_group(writer, pending)
    errors = [i for i in issues if i.is_error]
    if errors:
        shown = "; ".join(str(i) for i in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise AttainError(
            f"input data has {len(errors)} problem(s): {shown}{more}", errors, code=errors[0].code
        )
    return written


def _write_row_group(writer: pq.ParquetWriter, tables: list[pa.Table]) -> None:
    group = pa.concat_tables(tables)
    writer.write_table(group, row_group_size=group.num_rows)


def _nonempty(reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
    for batch in reader:
        if batch.num_rows:
            yield batch


def _entity_sql(cursor: Any, engine: Engine, spec: EntitySpec) -> str:
    """SELECT of the entity's fields and lineage in the store's order (the ``load_entity`` read).

    Transactions whose store rows carry no source file at all are numbered like the store read
    numbers them (``store:transaction``, line = position + 1), in SQL, so every batch agrees.
    """
    table = ENTITY_TABLES[spec.name]
    columns: list[ColumnElement[Any]] = [table.c[n] for n in spec.names]
    lineage = LINEAGE_FOR_ENGINE.get(spec.name, ())
    if lineage:
        cursor.execute(str(select(func.count(table.c.source_file)).compile(dialect=engine.dialect)))
        kept = int(cursor.fetchone()[0]) > 0
        if kept:
            columns += [table.c[n] for n in lineage]
        else:
            columns += [
                literal(f"store:{spec.name}", String()).label("source_file"),
                func.row_number().over(order_by=table.c.id).label("source_line"),
            ]
    query = select(*columns).order_by(table.c.id)
    return str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))


def _engine_types(spec: EntitySpec, table: pa.Table) -> pa.Table:
    """ADBC's Arrow as the store read gives it: exact decimals, naive UTC timestamps, canonical JSON."""
    columns = []
    for name in table.column_names:
        column = _storage(table.column(name))
        field = spec.field(name) if name in spec.names else None
        if field is not None and field.kind in (FieldKind.MONEY, FieldKind.DECIMAL):
            sql_type = ENTITY_TABLES[spec.name].c[name].type
            assert isinstance(sql_type, ExactDecimal)
            column = pc.cast(column, pa.decimal128(sql_type.precision, sql_type.scale))
        elif field is not None and field.kind is FieldKind.TIMESTAMP:
            column = pc.cast(column, pa.timestamp("us"))
        elif field is not None and field.kind is FieldKind.JSON:
            column = _canonical_json(column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def _storage(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Extension columns (PostgreSQL NUMERIC and JSONB arrive as extension types) as their storage."""
    if isinstance(column.type, pa.BaseExtensionType):
        return pa.chunked_array([chunk.storage for chunk in column.chunks], column.type.storage_type)
    return column


def _canonical_json(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Canonical JSON text (sorted keys, no spaces) like the store read, once per distinct document."""
    encoded = pc.dictionary_encode(column.cast(pa.string()).combine_chunks())
    documents = encoded.dictionary.to_pylist()  # distinct documents only, not rows
    canonical = pa.array([_canonical(d) for d in documents], pa.string())
    return pa.chunked_array([pc.take(canonical, encoded.indices)])


def _canonical(document: str) -> str | None:
    if document in ("", "null"):
        return None
    return dumps_json(json.loads(document))


def _conformed(spec: EntitySpec, table: pa.Table, first_line: int, issues: list[Issue]) -> pa.Table:
    """``conform`` of one batch at its place in the entity (lines count from the first row)."""
    lineage = LINEAGE_FOR_ENGINE.get(spec.name, ())
    typed = conform(spec, table.drop_columns(list(lineage)), f"store:{spec.name}", issues, first_line)
    for name in lineage:  # the store's lineage as read (or numbered) in SQL, never per batch
        index = typed.schema.get_field_index(name)
        typed = typed.set_column(
            index, typed.schema.field(index), table.column(name).cast(typed.schema.field(index).type)
        )
    return typed
