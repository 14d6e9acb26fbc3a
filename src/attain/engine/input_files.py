"""Inputs read where they lie: a typed Parquet file the executor scans itself, never copied into Python.

The big entities (transactions, opportunity splits) of a folder are often Parquet files that
already carry the entity's types (written by Attain's own tools or a warehouse export). Such a
file is checked with one DuckDB query over the file: every required field present, every choice
valid as written, and, for transactions, whether the file carries its own source lines. When it
passes, the engine registers the file with the executor (``Executor.register_parquet``) and
types it in SQL (``typed_sql``: defaults filled, source lines from the file's row positions), so
a run of millions of transactions never holds them in Python memory. When any check fails the
file is read the ordinary way (``attain.engine.inputs.conform``), which reports every bad value
with its line: the same rows and the same errors either way.
"""

# ruff: noqa: S608 - SQL text built from entity specs (code constants) and quoted literals

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from attain.core.entities import ENTITIES, EntitySpec, FieldKind, FieldSpec
from attain.plans.dialect import DUCKDB, Dialect

FILE_ENTITIES = ("transaction", "opportunity_split")
"""Entities worth reading where they lie (the others are small)."""

_SQL_TYPES: dict[FieldKind, str] = {
    FieldKind.DATE: "DATE",
    FieldKind.TIMESTAMP: "TIMESTAMP",
    FieldKind.MONEY: "DECIMAL(19, 3)",
    FieldKind.DECIMAL: "DECIMAL(24, 10)",
    FieldKind.INTEGER: "BIGINT",
    FieldKind.BOOLEAN: "BOOLEAN",
}
_SOURCE_TYPES = {"source_file": (pa.string(), pa.large_string()), "source_line": (pa.int64(),)}


@dataclass(frozen=True)
class InputFile:
    """An entity's checked Parquet file: what the executor reads instead of an Arrow table."""

    entity: str
    path: Path
    rows: int
    numbered: bool
    """True when source lines are the file's row positions (the file carries none of its own)."""


def checked_file(entity: str, path: Path) -> InputFile | None:
    """The file as an ``InputFile`` when its columns are typed and its values pass; else None."""
    if entity not in FILE_ENTITIES or path.suffix != ".parquet":
        return None
    spec = ENTITIES[entity]
    try:
        schema = pq.read_schema(path)
        rows = pq.ParquetFile(path).metadata.num_rows
    except (pa.ArrowInvalid, OSError):
        return None
    if not _typed_as_spec(spec, schema):
        return None
    has_source = entity == "transaction" and all(
        name in schema.names and schema.field(name).type in types for name, types in _SOURCE_TYPES.items()
    )
    counts = _check_counts(spec, path, has_source)
    if counts is None or any(counts[:-1]):
        return None
    numbered = entity == "transaction" and not (has_source and counts[-1] > 0)
    return InputFile(entity, path, rows, numbered)


def _typed_as_spec(spec: EntitySpec, schema: pa.Schema) -> bool:
    from attain.engine.inputs import arrow_schema, money_type_fits

    expected = arrow_schema(spec)
    for field in spec.fields:
        if field.name not in schema.names:
            return False
        found, wanted = schema.field(field.name).type, expected.field(field.name).type
        if field.kind is FieldKind.MONEY and money_type_fits(found):
            continue  # DECIMAL(18, 2) or (19, 3): the stages cast money to their own scale
        if found != wanted and not (pa.types.is_string(wanted) and pa.types.is_large_string(found)):
            return False
    return True


def _problems(field: FieldSpec) -> str | None:
    """A count of the rows the ordinary reader would change or refuse for this field, or None."""
    column = DUCKDB.ident(field.name)
    if field.kind is FieldKind.CHOICE:
        allowed = ", ".join(DUCKDB.string(c) for c in field.choices)
        null_ok = "" if field.default is not None or not field.required else f" OR {column} IS NULL"
        return f"COUNT(*) FILTER (WHERE {column} NOT IN ({allowed}){null_ok})"
    if field.required and field.default is None:
        return f"COUNT(*) FILTER (WHERE {column} IS NULL)"
    return None


def _rounded_sql(column: str) -> str:
    """``column`` rounded to the places its row's currency pays (as the ordinary reader checks)."""
    from attain.core.money import MINOR_UNITS

    by_places: dict[int, list[str]] = {}
    for code, places in MINOR_UNITS.items():
        if places != 2:
            by_places.setdefault(places, []).append(DUCKDB.string(code))
    whens = " ".join(
        f"WHEN upper(trim(currency)) IN ({', '.join(sorted(codes))}) THEN round({column}, {places})"
        for places, codes in sorted(by_places.items())
    )
    return f"(CASE {whens} ELSE round({column}, 2) END)"


def _too_precise(spec: EntitySpec) -> list[str]:
    """Counts of amounts with more decimals than their currency pays, per money field."""
    if "currency" not in spec.names:
        return []
    return [
        f"COUNT(*) FILTER (WHERE {DUCKDB.ident(f.name)} <> {_rounded_sql(DUCKDB.ident(f.name))})"
        for f in spec.fields
        if f.kind is FieldKind.MONEY
    ]


def _check_counts(spec: EntitySpec, path: Path, has_source: bool) -> tuple[int, ...] | None:
    """Problem counts per checked field, then the count of rows that carry a source file."""
    checks = [c for c in (_problems(f) for f in spec.fields) if c is not None] + _too_precise(spec)
    source = "COUNT(source_file)" if has_source else "0"
    sql = f"SELECT {', '.join([*checks, source])} FROM read_parquet({DUCKDB.string(str(path))})"
    con = duckdb.connect()
    try:
        con.execute("SET threads = 2")
        con.execute("SET enable_progress_bar = false")  # the run shows its own progress
        row = con.execute(sql).fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return tuple(int(v) for v in row) if row is not None else None


def typed_sql(dialect: Dialect, file: InputFile, table: str) -> str:
    """SELECT the entity's typed columns from the registered file (``table``): what ``conform``
    gives for it, defaults filled and, for transactions, the row position ``file_row`` (the table
    is registered with row numbers) and source file and line."""
    columns = [_column(dialect, f) for f in ENTITIES[file.entity].fields]
    if file.entity == "transaction":  # registered with its row positions (``file_row``)
        columns.append("f.file_row")
        if file.numbered:
            columns += [f"{dialect.string(file.path.name)} AS source_file", "f.file_row + 1 AS source_line"]
        else:
            columns += ["CAST(f.source_file AS VARCHAR) AS source_file", "f.source_line"]
    return f"SELECT {', '.join(columns)} FROM {table} f"


def _column(dialect: Dialect, field: FieldSpec) -> str:
    name = dialect.ident(field.name)
    if field.default is None:
        return f"f.{name} AS {name}"
    sql_type = _SQL_TYPES.get(field.kind, "VARCHAR")
    return f"COALESCE(f.{name}, CAST({dialect.string(field.default)} AS {sql_type})) AS {name}"
