"""Moving Arrow tables in and out of SQL in bulk: canonical column values, COPY/executemany, typed reads.

Values are converted column by column with Arrow compute (never row by row in Python), into the
representation each backend stores: on SQLite decimals, dates and timestamps become canonical text
(see ``attain.store.types``); on PostgreSQL the table is streamed as CSV through ``COPY``.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from sqlalchemy import BigInteger, Boolean, Connection, Date, Integer, Select, Table
from sqlalchemy.types import JSON, TypeEngine

from attain.core.entities import EntitySpec, FieldKind
from attain.core.errors import AttainError
from attain.store.errors import VALUE_DOES_NOT_FIT
from attain.store.types import ExactDecimal, UtcDateTime, dumps_json

COPY_CHUNK_ROWS = 50_000
SQLITE_CHUNK_ROWS = 20_000
UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")


def arrow_type(kind: FieldKind) -> pa.DataType:
    """The Arrow type an entity field of this kind has in memory (JSON documents are JSON text)."""
    types: dict[FieldKind, pa.DataType] = {
        FieldKind.MONEY: pa.decimal128(18, 2),
        FieldKind.DECIMAL: pa.decimal128(24, 10),
        FieldKind.DATE: pa.date32(),
        FieldKind.TIMESTAMP: UTC_TIMESTAMP,
        FieldKind.INTEGER: pa.int64(),
        FieldKind.BOOLEAN: pa.bool_(),
    }
    return types.get(kind, pa.string())


def entity_schema(spec: EntitySpec) -> pa.Schema:
    """The Arrow schema of an entity: its field names, in order, with their Arrow types."""
    return pa.schema([pa.field(f.name, arrow_type(f.kind)) for f in spec.fields])


def sql_arrow_type(sql_type: TypeEngine[Any]) -> pa.DataType:
    """The Arrow type matching a column's SQL type."""
    if isinstance(sql_type, ExactDecimal):
        return pa.decimal128(sql_type.precision, sql_type.scale)
    if isinstance(sql_type, UtcDateTime):
        return UTC_TIMESTAMP
    if isinstance(sql_type, Date):
        return pa.date32()
    if isinstance(sql_type, Boolean):
        return pa.bool_()
    if isinstance(sql_type, (Integer, BigInteger)):
        return pa.int64()
    return pa.string()


def _is_json(sql_type: TypeEngine[Any]) -> bool:
    return isinstance(sql_type, JSON) or any(
        isinstance(v, JSON) for v in getattr(sql_type, "_variant_mapping", {}).values()
    )


def _canonical_json(column: pa.ChunkedArray) -> pa.Array:
    """JSON documents as canonical text (sorted keys), so equal documents compare equal in SQL."""
    values = column.to_pylist()
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        values = [None if v is None or v == "" else json.loads(v) for v in values]
    return pa.array([None if v is None else dumps_json(v) for v in values], pa.string())


def _exact(column: pa.ChunkedArray, target: pa.DataType, name: str) -> pa.ChunkedArray:
    """Cast to ``target`` refusing floats and any loss of digits (DB003)."""
    if pa.types.is_floating(column.type):
        raise AttainError(f"column {name!r} holds floats; money and decimals must be exact",
                          code=VALUE_DOES_NOT_FIT)
    try:
        return pc.cast(column, target, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise AttainError(f"column {name!r} does not fit {target}: {exc}", code=VALUE_DOES_NOT_FIT) from exc


def db_column(
    column: pa.ChunkedArray, sql_type: TypeEngine[Any], name: str, dialect: str
) -> pa.Array | pa.ChunkedArray:
    """One column converted to what ``dialect`` stores for ``sql_type``."""
    if _is_json(sql_type):
        return _canonical_json(column)
    typed = _exact(column, sql_arrow_type(sql_type), name)
    if dialect != "sqlite":
        return typed
    if isinstance(sql_type, UtcDateTime):
        return pc.strftime(typed, "%Y-%m-%d %H:%M:%S")
    if isinstance(sql_type, (ExactDecimal, Date)):
        return pc.cast(typed, pa.string())
    return typed


def to_db_table(data: pa.Table, target: Table, dialect: str) -> pa.Table:
    """``data`` (columns named like ``target``'s) in the storage representation of ``dialect``."""
    arrays = [db_column(data.column(n), target.c[n].type, n, dialect) for n in data.column_names]
    return pa.table(arrays, names=data.column_names)


def _copy_postgres(conn: Connection, target: Table, data: pa.Table) -> None:
    preparer = conn.dialect.identifier_preparer
    columns = ", ".join(preparer.quote(n) for n in data.column_names)
    statement = f"COPY {preparer.format_table(target)} ({columns}) FROM STDIN (FORMAT csv)"
    options = pcsv.WriteOptions(include_header=False)
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for batch in data.to_batches(max_chunksize=COPY_CHUNK_ROWS):
            buffer = io.BytesIO()
            pcsv.write_csv(pa.Table.from_batches([batch], schema=data.schema), buffer, options)
            copy.write(buffer.getvalue())


def _executemany_sqlite(conn: Connection, target: Table, data: pa.Table) -> None:
    preparer = conn.dialect.identifier_preparer
    columns = ", ".join(preparer.quote(n) for n in data.column_names)
    marks = ", ".join("?" for _ in data.column_names)
    statement = f"INSERT INTO {preparer.format_table(target)} ({columns}) VALUES ({marks})"  # noqa: S608 (quoted identifiers)
    raw = conn.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        for batch in data.to_batches(max_chunksize=SQLITE_CHUNK_ROWS):
            cursor.executemany(statement, zip(*(col.to_pylist() for col in batch.columns), strict=True))
    finally:
        cursor.close()


def bulk_insert(conn: Connection, target: Table, data: pa.Table) -> int:
    """Insert every row of ``data`` into ``target`` in bulk (COPY on PostgreSQL); returns the row count."""
    if data.num_rows == 0:
        return 0
    dialect = conn.dialect.name
    stored = to_db_table(data, target, dialect)
    if dialect == "postgresql":
        _copy_postgres(conn, target, stored)
    else:
        _executemany_sqlite(conn, target, stored)
    return int(data.num_rows)


def read_arrow(conn: Connection, query: Select[Any], types: dict[str, TypeEngine[Any]]) -> pa.Table:
    """Run ``query`` and return its rows as an Arrow table typed from ``types`` (column name -> SQL type).

    Values come back through the column types (exact ``Decimal``, dates, aware datetimes, parsed JSON).
    """
    result = conn.execute(query)
    names = list(result.keys())
    rows = result.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    arrays = [_arrow_array(list(values), types[name]) for name, values in zip(names, columns, strict=True)]
    return pa.table(arrays, names=names)


def _arrow_array(values: list[Any], sql_type: TypeEngine[Any]) -> pa.Array:
    if _is_json(sql_type):
        return pa.array([None if v is None else dumps_json(v) for v in values], pa.string())
    return pa.array(values, sql_arrow_type(sql_type))
