"""Moving Arrow tables in and out of SQL in bulk: canonical column values, COPY/executemany, typed reads.

Values are converted column by column with Arrow compute (never row by row in Python), into the
representation each backend stores: on SQLite decimals, dates and timestamps become canonical text
(see ``attain.store.types``); on PostgreSQL the table is streamed as CSV through ``COPY``.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    Connection,
    Date,
    Integer,
    Table,
    Text,
    cast,
    func,
    select,
    type_coerce,
)
from sqlalchemy.types import JSON, NullType, TypeEngine

from attain.core.entities import EntitySpec, FieldKind
from attain.core.errors import AttainError
from attain.store.errors import VALUE_DOES_NOT_FIT
from attain.store.types import ExactDecimal, UtcDateTime, dumps_json

COPY_CHUNK_ROWS = 50_000
FETCH_CHUNK_ROWS = 100_000
SPOOL_BYTES = 64 << 20
SQLITE_CHUNK_ROWS = 20_000
UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")


def arrow_type(kind: FieldKind) -> pa.DataType:
    """The Arrow type an entity field of this kind has in memory (JSON documents are JSON text)."""
    types: dict[FieldKind, pa.DataType] = {
        FieldKind.MONEY: pa.decimal128(19, 3),  # tables.MONEY
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
    """The Arrow type matching a column's SQL type (what is written; money may read narrower)."""
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
        values = [None if v is None or v == "" or v == "null" else json.loads(v) for v in values]
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


def read_arrow(conn: Connection, columns: Sequence[Column[Any]], *, where: ColumnElement[bool] | None = None,
               order_by: Sequence[ColumnElement[Any]] = ()) -> pa.Table:
    """Read ``columns`` (of one table) as an Arrow table typed from their SQL types, in bulk.

    The database returns every value as its storage text (COPY ... TO STDOUT on PostgreSQL, a raw
    cursor on SQLite) and Arrow parses whole columns: decimals to decimal128 (exact), dates to
    date32, timestamps to UTC timestamps, JSON to canonical JSON text.
    """
    dialect = conn.dialect.name
    query = select(*(_as_stored(c, dialect).label(c.name) for c in columns))
    if where is not None:
        query = query.where(where)
    sql = str(query.order_by(*order_by).compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    names = [c.name for c in columns]
    fetch = _fetch_postgres if dialect == "postgresql" else _fetch_sqlite
    stored = fetch(conn, sql, columns)
    arrays = [_from_stored(stored.column(n), c.type, dialect) for n, c in zip(names, columns, strict=True)]
    return pa.table(arrays, names=names)


def _stored_as_integer(sql_type: TypeEngine[Any]) -> bool:
    return isinstance(sql_type, (Integer, BigInteger, Boolean)) and not isinstance(sql_type, ExactDecimal)


def _as_stored(column: Column[Any], dialect: str) -> ColumnElement[Any]:
    """The column as the text (or integer) the reader parses; on SQLite that is what is stored."""
    sql_type = column.type
    if dialect == "sqlite":
        return type_coerce(column, NullType())
    if isinstance(sql_type, UtcDateTime):
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:MI:SS.US")
    if isinstance(sql_type, Date):
        return func.to_char(column, "YYYY-MM-DD")
    if isinstance(sql_type, Boolean):
        return cast(column, Integer())
    if _stored_as_integer(sql_type):
        return column
    return cast(column, Text())


def _fetch_postgres(conn: Connection, sql: str, columns: Sequence[Column[Any]]) -> pa.Table:
    raw = conn.connection.driver_connection
    assert raw is not None
    types = {c.name: pa.int64() if _stored_as_integer(c.type) else pa.string() for c in columns}
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as buffer:  # big tables spill to disk
        with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
            for chunk in copy:
                buffer.write(chunk)
        if buffer.tell() == 0:
            return pa.schema(list(types.items())).empty_table()
        buffer.seek(0)
        return _parse_csv(buffer, types)


def _parse_csv(buffer: Any, types: dict[str, pa.DataType]) -> pa.Table:
    return pcsv.read_csv(
        buffer,
        read_options=pcsv.ReadOptions(column_names=list(types), block_size=1 << 24),
        parse_options=pcsv.ParseOptions(newlines_in_values=True),
        convert_options=pcsv.ConvertOptions(column_types=types, null_values=[""],
                                            strings_can_be_null=True, quoted_strings_can_be_null=False),
    )


def _fetch_sqlite(conn: Connection, sql: str, columns: Sequence[Column[Any]]) -> pa.Table:
    raw = conn.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.execute(sql)
        parts = [_sqlite_rows(rows, columns) for rows in iter(lambda: cursor.fetchmany(FETCH_CHUNK_ROWS), [])]
    finally:
        cursor.close()
    return pa.concat_tables(parts) if parts else _sqlite_rows([], columns)


def _sqlite_rows(rows: list[tuple[Any, ...]], columns: Sequence[Column[Any]]) -> pa.Table:
    """One chunk of raw SQLite rows as a table of stored values (integers, or text)."""
    values = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    arrays = []
    for column, data in zip(columns, values, strict=True):
        if _stored_as_integer(column.type):
            arrays.append(pa.array(data, pa.int64()))
            continue
        try:
            arrays.append(pa.array(data, pa.string()))
        except (pa.ArrowTypeError, pa.ArrowInvalid):  # a JSON scalar stored with numeric affinity
            arrays.append(pa.array([None if v is None else str(v) for v in data], pa.string()))
    return pa.table(arrays, names=[c.name for c in columns])


def _from_stored(
    stored: pa.ChunkedArray, sql_type: TypeEngine[Any], dialect: str
) -> pa.ChunkedArray | pa.Array:
    if _is_json(sql_type):  # SQLite holds the canonical text already; PostgreSQL prints JSONB its own way
        return stored if dialect == "sqlite" else _canonical_json(stored)
    if isinstance(sql_type, UtcDateTime):
        return pc.cast(pc.cast(stored, pa.timestamp("us")), UTC_TIMESTAMP)
    return pc.cast(stored, sql_arrow_type(sql_type))


def fewest_places(values: pa.ChunkedArray, sql_type: ExactDecimal) -> pa.ChunkedArray:
    """Money as ``decimal128(18, 2)`` when no amount of the column has a third decimal.

    The column-wide form of ``ExactDecimal.read_places``, for whole entity tables (``load_entity``):
    a company without fils reads its deals and quotas exactly as before migration 0008 (the engine,
    analytics and forecasts sum and print 2 places); one amount in fils and the whole column is
    ``decimal128(19, 3)``. Never a digit lost: a cast that would lose one fails and is not taken.
    """
    if sql_type.read_places is None or sql_type.read_places >= sql_type.scale:
        return values
    narrow = pa.decimal128(sql_type.precision - sql_type.scale + sql_type.read_places, sql_type.read_places)
    try:
        return pc.cast(values, narrow, safe=True)
    except pa.ArrowInvalid:
        return values
