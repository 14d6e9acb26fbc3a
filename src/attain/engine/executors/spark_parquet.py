"""Parquet inputs for the Spark executor: what the files hold, checked before Spark reads them.

``SparkExecutor.register_parquet`` lets Spark read input files where they lie (every worker reads
its own splits; nothing passes through the driver's Python). Before that, the files' footers are
read here (a few KB each, never the rows) to check what the engine relies on:

- every file exists and is Parquet, and all files of one input have the same columns and types
  (Spark would otherwise take one file's schema and read the others' columns as NULL);
- an entity input (``in_<entity>``) carries every field of the entity with the engine's Arrow type
  (money an exact decimal of at most 3 places, decimals DECIMAL(24, 10), dates, integers:
  ``attain.engine.inputs``), so
  a file of float amounts is refused instead of being calculated;
- the row count (footers) sizes the run like ``register`` does, and the columns whose statistics
  prove they hold no NULL feed the ``NOT IN`` translation (``spark_translate``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from attain.core.entities import ENTITIES
from attain.core.errors import AttainError, register
from attain.engine.inputs import MONEY_TYPE, arrow_schema, money_type_fits

CALC113 = register(
    "CALC113",
    "Parquet input files cannot be read by the Spark executor as the engine expects "
    "(missing or unreadable file, files whose columns differ, a column of another type)",
)

ENTITY_INPUT_PREFIX = "in_"
"""The engine registers entity ``x`` as ``in_x``: those inputs are checked against the entity."""


@dataclass(frozen=True)
class ParquetInput:
    """The files of one input as their footers describe them."""

    files: tuple[Path, ...]
    schema: pa.Schema
    rows: int
    never_null: frozenset[str]
    """Columns whose statistics show no NULL in any row group (unknown statistics: not listed)."""


def inspect_parquet(name: str, paths: Sequence[Path]) -> ParquetInput:
    """Read the footers of ``paths`` (folders: their ``*.parquet`` files) and check them for ``name``."""
    files = _files(name, paths)
    schema: pa.Schema | None = None
    rows = 0
    never_null: set[str] | None = None
    for path in files:
        metadata = _metadata(name, path)
        found = _plain(metadata.schema.to_arrow_schema())
        if schema is None:
            schema = found
        elif not found.equals(schema):
            raise AttainError(_schema_difference(name, files[0], path, schema, found), code=CALC113)
        rows += metadata.num_rows
        proven = _never_null(metadata)
        never_null = proven if never_null is None else never_null & proven
    assert schema is not None  # _files refuses an empty list
    _check_entity(name, files[0], schema)
    return ParquetInput(tuple(files), schema, rows, frozenset(never_null or ()))


def expected_schema(name: str) -> pa.Schema | None:
    """The Arrow schema the engine's stages read under ``name`` (an entity input), else None."""
    if not name.startswith(ENTITY_INPUT_PREFIX):
        return None
    spec = ENTITIES.get(name.removeprefix(ENTITY_INPUT_PREFIX))
    return None if spec is None else arrow_schema(spec)


def _files(name: str, paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(p for p in path.glob("*.parquet") if p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            raise AttainError(f"input {name}: no Parquet file at {path}", code=CALC113)
    if not files:
        shown = ", ".join(str(p) for p in paths) or "no path"
        raise AttainError(f"input {name}: no Parquet file in {shown}", code=CALC113)
    return files


def _metadata(name: str, path: Path) -> pq.FileMetaData:
    try:
        return pq.read_metadata(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise AttainError(
            f"input {name}: {path} is not a readable Parquet file: {exc}", code=CALC113
        ) from exc


def _plain(schema: pa.Schema) -> pa.Schema:
    """Types as Spark reads them back: dictionaries decoded, large strings plain; no metadata."""
    fields = []
    for field in schema:
        kind = field.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if pa.types.is_large_string(kind):
            kind = pa.string()
        fields.append(pa.field(field.name, kind))
    return pa.schema(fields)


def _schema_difference(name: str, first: Path, other: Path, want: pa.Schema, found: pa.Schema) -> str:
    for field in want:
        index = found.get_field_index(field.name)
        if index < 0:
            return f"input {name}: {other.name} lacks column {field.name!r} that {first.name} has"
        if found.field(index).type != field.type:
            return (
                f"input {name}: column {field.name!r} is {found.field(index).type} in {other.name} "
                f"but {field.type} in {first.name}"
            )
    extra = [f.name for f in found if want.get_field_index(f.name) < 0]
    if extra:
        return f"input {name}: {other.name} has column {extra[0]!r} that {first.name} lacks"
    return f"input {name}: {other.name} orders its columns differently from {first.name}"


def _never_null(metadata: pq.FileMetaData) -> set[str]:
    """Top-level columns whose every row group records a null count of zero."""
    names = metadata.schema.to_arrow_schema().names
    proven = set(names)
    for group in range(metadata.num_row_groups):
        row_group = metadata.row_group(group)
        for index in range(row_group.num_columns):
            column = row_group.column(index)
            stats = column.statistics
            if stats is None or not stats.has_null_count or stats.null_count > 0:
                proven.discard(column.path_in_schema.split(".")[0])
    return proven


def _check_entity(name: str, file: Path, schema: pa.Schema) -> None:
    """An entity input must hold every field of the entity with the engine's type."""
    expected = expected_schema(name)
    if expected is None:
        return
    for field in expected:
        index = schema.get_field_index(field.name)
        if index < 0:
            raise AttainError(
                f"input {name}: {file.name} lacks column {field.name!r} ({field.type})", code=CALC113
            )
        found = schema.field(index).type
        if field.type == MONEY_TYPE and money_type_fits(found):
            continue  # money with at most 3 places (the stages cast it to their own scale)
        if found != field.type:
            wanted = "an exact decimal of at most 3 places, e.g. " if field.type == MONEY_TYPE else ""
            raise AttainError(
                f"input {name}: column {field.name!r} of {file.name} is {found}; "
                f"the engine reads it as {wanted}{field.type} (exact, never float)",
                code=CALC113,
            )
