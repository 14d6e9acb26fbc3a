"""Reading the system of record: engine inputs as Arrow, rows for listings; plus the store's repositories.

``load_inputs`` is what the engine's database mode reads. Plan versions live in
``attain.store.plans`` and calculation runs in ``attain.store.runs``; both are re-exported here.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Table, func, select

from attain.core.entities import ENTITIES, FieldKind
from attain.core.errors import AttainError
from attain.store.arrow_io import fewest_places, read_arrow
from attain.store.bulk import entity_spec
from attain.store.errors import UNKNOWN_ENTITY_OR_COLUMN
from attain.store.plans import (
    PlanVersion,
    find_version,
    get_version,
    latest_published,
    list_versions,
    next_version_number,
    publish,
    retire,
    save_draft,
)
from attain.store.runs import finish_run, read_run_outputs, start_run, write_run_outputs
from attain.store.tables import ENTITY_TABLES, MONEY

LINEAGE_FOR_ENGINE = {"transaction": ("source_file", "source_line")}
"""Lineage columns the engine keeps on an entity (every credit points back to its input row)."""


def load_entity(conn: Connection, entity_name: str) -> pa.Table:
    """One entity as Arrow: its field names in order, decimals as decimal128, dates as date32.

    Money is ``decimal128(18, 2)`` unless some amount of the column has fils (then ``(19, 3)``).
    """
    spec = entity_spec(entity_name)
    table = ENTITY_TABLES[spec.name]
    names = [*spec.names, *LINEAGE_FOR_ENGINE.get(spec.name, ())]
    columns = [table.c[n] for n in names]
    data = read_arrow(conn, columns, order_by=[table.c.id])
    for field in spec.fields:
        index = data.schema.get_field_index(field.name)
        if field.kind is FieldKind.MONEY:
            data = data.set_column(index, field.name, fewest_places(data.column(index), MONEY))
        elif field.kind is FieldKind.TIMESTAMP:  # naive UTC, the engine's convention
            data = data.set_column(index, field.name, pc.cast(data.column(index), pa.timestamp("us")))
    return data


def load_inputs(conn: Connection) -> dict[str, pa.Table]:
    """Every entity table as Arrow, by entity name (the engine's database mode)."""
    return {name: load_entity(conn, name) for name in ENTITIES}


def _filtered(table: Table, entity_name: str, filters: dict[str, Any] | None) -> Any:
    query = select(table)
    for name, value in (filters or {}).items():
        if name not in table.c:
            raise AttainError(f"{entity_name} has no column {name!r}", code=UNKNOWN_ENTITY_OR_COLUMN)
        query = query.where(table.c[name] == value)
    return query


def list_rows(conn: Connection, entity: str, limit: int = 50, offset: int = 0,
              filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """A page of an entity's records (fields and lineage), in business-key order, equality filters."""
    spec = entity_spec(entity)
    table = ENTITY_TABLES[spec.name]
    query = _filtered(table, entity, filters).order_by(*(table.c[k] for k in spec.key))
    return [dict(row) for row in conn.execute(query.limit(limit).offset(offset)).mappings()]


def count_rows(conn: Connection, entity: str, filters: dict[str, Any] | None = None) -> int:
    """How many records of an entity match ``filters``."""
    spec = entity_spec(entity)
    inner = _filtered(ENTITY_TABLES[spec.name], entity, filters).subquery()
    return int(conn.execute(select(func.count()).select_from(inner)).scalar_one())


__all__ = [
    "PlanVersion", "count_rows", "find_version", "finish_run", "get_version", "latest_published",
    "list_rows", "list_versions", "load_entity", "load_inputs", "next_version_number", "publish",
    "read_run_outputs", "retire", "save_draft", "start_run", "write_run_outputs",
]
