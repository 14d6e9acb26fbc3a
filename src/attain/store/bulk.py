"""Set-based, idempotent upsert of entity rows by business key, audited in bulk.

``upsert`` loads the rows into a temporary staging table (COPY on PostgreSQL, executemany in big
chunks on SQLite), then classifies and applies them with a handful of SQL statements: INSERT ...
SELECT for new keys, UPDATE ... FROM for rows whose values changed, and the audit entries (JSON built
in SQL). Everything runs on the caller's connection, inside the caller's transaction, so an import is
atomic.

Audit: every updated record gets its own entry with the whole record before and after. Created records
get one entry each (the record as inserted) up to ``ROW_AUDIT_LIMIT`` per upsert; a bigger load is
audited by one summary entry (who, when, how many, the batch, the file, the first and last key), and
each of its records keeps its lineage (``import_batch_id``, ``source_file``, ``source_line``,
``created_at``). Writing a million per-record JSON entries cost more than the records themselves, and
nobody reads them: the record as first loaded is the ``before`` of its first update, or the record
itself while it was never changed.

Columns absent from ``rows`` are left as they are on existing records (and take the field's
default, or NULL, on new ones); ``source_line`` is optional lineage.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyarrow as pa
from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.types import JSON, Text

from attain.core.entities import ENTITIES, EntitySpec, FieldKind, FieldSpec
from attain.core.errors import AttainError
from attain.store.arrow_io import bulk_insert
from attain.store.errors import DUPLICATE_KEY, MISSING_KEY, UNKNOWN_ENTITY_OR_COLUMN
from attain.store.tables import ENTITY_TABLES, audit_log
from attain.store.types import ExactDecimal, UtcDateTime

LINE_COLUMN = "source_line"
RECORD_LINEAGE = ("import_batch_id", "source_file", LINE_COLUMN)
ROW_AUDIT_LIMIT = 10_000
"""Created records audited one entry each up to this many per upsert; above it, one summary entry."""


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    """What an upsert did: records created, updated (values changed) and left unchanged."""

    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def entity_spec(entity_name: str) -> EntitySpec:
    """The spec of ``entity_name`` or a DB004 error."""
    spec = ENTITIES.get(entity_name)
    if spec is None:
        raise AttainError(f"unknown entity {entity_name!r}", code=UNKNOWN_ENTITY_OR_COLUMN)
    return spec


def _check_columns(spec: EntitySpec, rows: pa.Table) -> list[FieldSpec]:
    """The entity fields present in ``rows``; unknown columns or missing keys are errors."""
    unknown = sorted(set(rows.column_names) - set(spec.names) - {LINE_COLUMN})
    if unknown:
        raise AttainError(f"{spec.name} has no column(s) {', '.join(unknown)}", code=UNKNOWN_ENTITY_OR_COLUMN)
    missing = [n for n in spec.key if n not in rows.column_names]
    if missing:
        raise AttainError(f"{spec.name} rows lack key column(s) {', '.join(missing)}", code=MISSING_KEY)
    return [f for f in spec.fields if f.name in rows.column_names]


def _raise_if_new_rows_lack_required(spec: EntitySpec, fields: list[FieldSpec]) -> None:
    """New records need every required field without a default (existing ones may be partly updated)."""
    given = {f.name for f in fields}
    missing = [f.name for f in spec.fields if f.required and f.default is None and f.name not in given]
    if missing:
        raise AttainError(f"new {spec.name} records lack required column(s) {', '.join(missing)}",
                          code=MISSING_KEY)


def _stage_table(target: Table, fields: list[FieldSpec], with_line: bool) -> Table:
    name = f"stage_{target.name}_{uuid.uuid4().hex[:10]}"
    columns: list[Column[Any]] = [Column(f.name, target.c[f.name].type) for f in fields]
    if with_line:
        columns.append(Column(LINE_COLUMN, Integer()))
    columns += [Column("_target_id", BigInteger()), Column("_changed", Integer(), server_default="0")]
    return Table(name, MetaData(), *columns, prefixes=["TEMPORARY"])


def _key_match(spec: EntitySpec, left: Table, right: Table) -> ColumnElement[bool]:
    return and_(*(left.c[k] == right.c[k] for k in spec.key))


def _key_text(spec: EntitySpec, table: Table) -> ColumnElement[Any]:
    """The business key as text, parts joined with '|' (the audit log's ``key``)."""
    parts: list[ColumnElement[Any]] = [cast(table.c[k], String()) for k in spec.key]
    text = parts[0]
    for part in parts[1:]:
        text = text.op("||")(literal("|")).op("||")(part)
    return text


def _json_value(column: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    sql_type = column.type
    if dialect == "sqlite":
        return func.json(column) if isinstance(sql_type, JSON) or _json_variant(sql_type) else column
    if isinstance(sql_type, ExactDecimal | UtcDateTime):
        return cast(column, Text())  # exact text, never a JSON (float) number
    return column


def _json_variant(sql_type: Any) -> bool:
    return any(isinstance(v, JSON) for v in getattr(sql_type, "_variant_mapping", {}).values())


def json_record(columns: Mapping[str, ColumnElement[Any]], dialect: str) -> ColumnElement[Any]:
    """A JSON object {name: value} built in SQL (decimals as exact strings)."""
    builder = func.json_object if dialect == "sqlite" else func.jsonb_build_object
    args: list[Any] = []
    for name, column in columns.items():
        args += [literal(name), _json_value(column, dialect)]
    return builder(*args)


def _raise_on_duplicates(conn: Connection, spec: EntitySpec, stage: Table) -> None:
    keys = [stage.c[k] for k in spec.key]
    dupes = conn.execute(
        select(*keys, func.count().label("n")).group_by(*keys).having(func.count() > 1).limit(5)
    ).all()
    if dupes:
        shown = "; ".join("|".join(str(v) for v in row[:-1]) + f" (x{row[-1]})" for row in dupes)
        raise AttainError(f"{spec.name}: duplicate key(s) in one batch: {shown}", code=DUPLICATE_KEY)


def _raise_on_empty_keys(conn: Connection, spec: EntitySpec, stage: Table) -> None:
    text_keys = [k for k in spec.key if isinstance(stage.c[k].type, String)]
    empty = or_(*(stage.c[k].is_(None) for k in spec.key), *(stage.c[k] == "" for k in text_keys))
    count = conn.execute(select(func.count()).select_from(stage).where(empty)).scalar_one()
    if count:
        raise AttainError(f"{spec.name}: {count} row(s) with an empty key field", code=MISSING_KEY)


def _classify(
    conn: Connection, spec: EntitySpec, target: Table, stage: Table, fields: list[FieldSpec]
) -> None:
    """Mark each staged row with the id of the record it matches and whether its values differ (one
    UPDATE ... FROM: every staged row is rewritten once, not twice)."""
    compared = [f.name for f in fields if f.name not in spec.key]
    differs = or_(*(target.c[n].is_distinct_from(stage.c[n]) for n in compared)) if compared else None
    changed = literal(0, Integer()) if differs is None else case((differs, 1), else_=0)
    conn.execute(update(stage).values(_target_id=target.c.id, _changed=changed)
                 .where(_key_match(spec, stage, target)))


def _counts(conn: Connection, stage: Table) -> UpsertCounts:
    new = func.sum(case((stage.c._target_id.is_(None), 1), else_=0))
    changed = func.sum(case((stage.c._changed == 1, 1), else_=0))
    total, created, updated = conn.execute(select(func.count(), new, changed)).one()
    created, updated = int(created or 0), int(updated or 0)
    return UpsertCounts(created, updated, int(total) - created - updated)


def _record_json(
    spec: EntitySpec, columns: Mapping[str, ColumnElement[Any]], dialect: str
) -> ColumnElement[Any]:
    return json_record({f.name: columns[f.name] for f in spec.fields}, dialect)


def _audit_updates(conn: Connection, spec: EntitySpec, target: Table, stage: Table,
                   fields: list[FieldSpec], stamp: dict[str, Any], lineage: dict[str, Any]) -> None:
    """One 'update' entry per changed record: the whole record before and after, with its lineage
    (which batch, file and line it came from, then and now)."""
    dialect = conn.dialect.name
    given = {f.name for f in fields}
    before = {f.name: target.c[f.name] for f in spec.fields}
    after = {n: (stage.c[n] if n in given else target.c[n]) for n in before}
    old_lineage = {n: target.c[n] for n in RECORD_LINEAGE}
    new_lineage = {"import_batch_id": lineage["batch_id"], "source_file": lineage["source_file"],
                   LINE_COLUMN: stage.c[LINE_COLUMN] if LINE_COLUMN in stage.c else literal(None, Integer())}
    query = select(
        stamp["at"], stamp["actor"], literal("update"), literal(spec.name), _key_text(spec, target),
        json_record({**before, **old_lineage}, dialect), json_record({**after, **new_lineage}, dialect),
    ).where(and_(target.c.id == stage.c._target_id, stage.c._changed == 1))
    conn.execute(insert(audit_log).from_select(
        ["at", "actor", "action", "entity", "key", "before", "after"], query))


def _apply_updates(conn: Connection, spec: EntitySpec, target: Table, stage: Table,
                   fields: list[FieldSpec], lineage: dict[str, Any]) -> None:
    values: dict[str, Any] = {f.name: stage.c[f.name] for f in fields if f.name not in spec.key}
    if not values:
        return
    values |= {"updated_at": lineage["now"], "import_batch_id": lineage["batch_id"],
               "source_file": lineage["source_file"]}
    values[LINE_COLUMN] = stage.c[LINE_COLUMN] if LINE_COLUMN in stage.c else literal(None, Integer())
    conn.execute(update(target).values(values)
                 .where(and_(target.c.id == stage.c._target_id, stage.c._changed == 1)))


def _default(field: FieldSpec, target: Table) -> ColumnElement[Any]:
    sql_type = target.c[field.name].type
    if field.default is None:
        return literal(None, sql_type)
    value: Any = field.default
    if field.kind in (FieldKind.MONEY, FieldKind.DECIMAL):
        value = Decimal(field.default)
    elif field.kind is FieldKind.INTEGER:
        value = int(field.default)
    elif field.kind is FieldKind.DATE:
        value = dt.date.fromisoformat(field.default)
    return literal(value, sql_type)


def _new_records(spec: EntitySpec, target: Table, stage: Table,
                 fields: list[FieldSpec]) -> dict[str, ColumnElement[Any]]:
    """The field values of the new records: staged values, or the field's default when not given."""
    given = {f.name for f in fields}
    return {f.name: (stage.c[f.name] if f.name in given else _default(f, target)) for f in spec.fields}


def _insert_new(conn: Connection, spec: EntitySpec, target: Table, stage: Table,
                fields: list[FieldSpec], lineage: dict[str, Any]) -> None:
    values = _new_records(spec, target, stage, fields)
    line = stage.c[LINE_COLUMN] if LINE_COLUMN in stage.c else literal(None, Integer())
    values |= {"source_file": lineage["source_file"], LINE_COLUMN: line,
               "import_batch_id": lineage["batch_id"], "created_at": lineage["now"],
               "updated_at": lineage["now"]}
    query = select(*values.values()).where(stage.c._target_id.is_(None))
    conn.execute(insert(target).from_select(list(values), query))


def _audit_creates(conn: Connection, spec: EntitySpec, target: Table, stage: Table,
                   fields: list[FieldSpec], stamp: dict[str, Any]) -> None:
    """One 'create' entry per new record, built from the staged rows (exactly what was inserted)."""
    after = _new_records(spec, target, stage, fields)
    query = select(
        stamp["at"], stamp["actor"], literal("create"), literal(spec.name), _key_text(spec, stage),
        literal(None), _record_json(spec, after, conn.dialect.name),
    ).where(stage.c._target_id.is_(None))
    conn.execute(insert(audit_log).from_select(
        ["at", "actor", "action", "entity", "key", "before", "after"], query))


def _audit_bulk_create(conn: Connection, spec: EntitySpec, stage: Table, created: int,
                       audit: dict[str, Any]) -> None:
    """One 'bulk_create' entry for a big load: how many records, their key range, batch and file."""
    key = _key_text(spec, stage)
    first, last = conn.execute(
        select(func.min(key), func.max(key)).where(stage.c._target_id.is_(None))
    ).one()
    batch = audit["batch_id"]
    summary = {"records": created, "first_key": first, "last_key": last, "import_batch_id": batch,
               "source_file": audit["source_file"],
               "lineage": "each record keeps import_batch_id, source_file, source_line and created_at"}
    conn.execute(insert(audit_log).values(
        at=audit["now"], actor=audit["actor"], action="bulk_create", entity=spec.name,
        key=None if batch is None else f"import_batch:{batch}", before=None, after=summary))


def upsert(conn: Connection, entity_name: str, rows: pa.Table, *, batch_id: int | None, actor: str,
           source_file: str | None = None, row_audit_limit: int = ROW_AUDIT_LIMIT) -> UpsertCounts:
    """Create or update ``entity_name`` records from ``rows`` by business key, auditing every change.

    ``rows`` has the entity's field names as columns (decimals as decimal128, dates as date32) and
    optionally ``source_line``. Re-upserting identical rows changes nothing (all ``unchanged``).
    More than ``row_audit_limit`` new records are audited by one summary entry (see the module).
    Raises ``AttainError`` DB002 (duplicate keys in ``rows``), DB003 (a value does not fit its
    column), DB004 (unknown entity/column) or DB005 (missing/empty key).
    """
    spec = entity_spec(entity_name)
    fields = _check_columns(spec, rows)
    if rows.num_rows == 0:
        return UpsertCounts(0, 0, 0)
    target = ENTITY_TABLES[spec.name]
    stage = _stage_table(target, fields, LINE_COLUMN in rows.column_names)
    stage.create(conn)
    counts = _merge(conn, spec, target, stage, fields, rows, batch_id, actor, source_file, row_audit_limit)
    stage.drop(conn)  # on an error the caller's rollback removes it (DDL is transactional on both)
    return counts


def _merge(conn: Connection, spec: EntitySpec, target: Table, stage: Table, fields: list[FieldSpec],
           rows: pa.Table, batch_id: int | None, actor: str, source_file: str | None,
           row_audit_limit: int) -> UpsertCounts:
    now = dt.datetime.now(dt.UTC)
    bulk_insert(conn, stage, rows.select([c.name for c in stage.c if c.name in rows.column_names]))
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {conn.dialect.identifier_preparer.format_table(stage)}")
    _raise_on_empty_keys(conn, spec, stage)
    _raise_on_duplicates(conn, spec, stage)
    _classify(conn, spec, target, stage, fields)
    counts = _counts(conn, stage)
    stamp = {"at": literal(now, UtcDateTime()), "actor": literal(actor, String())}
    lineage = {"now": literal(now, UtcDateTime()), "batch_id": literal(batch_id, BigInteger()),
               "source_file": literal(source_file, String())}
    if counts.updated:
        _audit_updates(conn, spec, target, stage, fields, stamp, lineage)
        _apply_updates(conn, spec, target, stage, fields, lineage)
    if counts.created:
        _raise_if_new_rows_lack_required(spec, fields)
        _insert_new(conn, spec, target, stage, fields, lineage)
        if counts.created <= row_audit_limit:
            _audit_creates(conn, spec, target, stage, fields, stamp)
        else:
            plain = {"now": now, "actor": actor, "batch_id": batch_id, "source_file": source_file}
            _audit_bulk_create(conn, spec, stage, counts.created, plain)
    return counts


def existing_keys(conn: Connection, entity_name: str, key_field: str) -> set[str]:
    """Every distinct value of ``key_field`` stored for ``entity_name``, as text (reference checks)."""
    spec = entity_spec(entity_name)
    if key_field not in spec.names:
        raise AttainError(f"{entity_name} has no field {key_field!r}", code=UNKNOWN_ENTITY_OR_COLUMN)
    column = ENTITY_TABLES[spec.name].c[key_field]
    values = conn.execute(select(column).distinct().where(column.is_not(None))).scalars()
    return {str(v) for v in values}


__all__ = ["UpsertCounts", "existing_keys", "upsert"]
