"""Import use cases: one file (``import_file``) or a folder of entity files (``import_folder``).

A file is imported whole or not at all: it is read, mapped and validated column by column; any
error and nothing is written, the report lists every rejected row, and an ``import_batch`` row
records the refused attempt. A good file is upserted by business key in one transaction (audited
by the store), so importing the same file again changes nothing (all rows ``unchanged``).

References are checked against the database and the file itself, so files must be imported in
dependency order: offices, territories, payees, teams, reporting lines... (``IMPORT_ORDER``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl
import pyarrow as pa
from sqlalchemy import Connection, insert, update

from attain.core.entities import ENTITIES, EntitySpec
from attain.core.errors import AttainError, Issue, Severity, Source
from attain.ingest import codes
from attain.ingest.mapping import (
    ColumnMapping,
    MappedRows,
    MappingError,
    apply_mapping,
    identity_mapping,
    load_mapping,
)
from attain.ingest.readers import LINE, ReadError, read_rows
from attain.ingest.validate import ValidatedRows, validate
from attain.store.bulk import UpsertCounts, existing_keys, upsert
from attain.store.db import transaction
from attain.store.tables import import_batch

Progress = Callable[[str], None]
"""Told the name of each step as it starts (reading, validating, writing)."""

SQLITE_CACHE_KIB = 256 * 1024
"""SQLite page cache for an import (the default 2 MB makes index updates of big tables thrash)."""

ERROR_REPORT_LIMIT = 1000
"""At most this many issues are kept in the import_batch row (the report itself has them all)."""


def _dependency_order() -> tuple[str, ...]:
    """Entities ordered so that every referenced entity comes before the ones referencing it."""
    done: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        for spec_field in ENTITIES[name].fields:
            if spec_field.ref and spec_field.ref != name:
                visit(spec_field.ref)
        done.append(name)

    for name in ENTITIES:
        visit(name)
    return tuple(done)


IMPORT_ORDER = _dependency_order()
"""The order in which entity files must be imported (references first)."""


@dataclass(frozen=True)
class ImportReport:
    """What happened to one file: counts when imported, every issue when refused."""

    entity: str
    file: str
    imported: bool
    rows_read: int = 0
    rows_selected: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    batch_id: int | None = None
    seconds: float = 0.0
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.is_error]

    @property
    def rejected_rows(self) -> int:
        return len({i.source.line for i in self.errors if i.source.line is not None and i.source.line > 1})

    @property
    def rows_per_second(self) -> float:
        return self.rows_selected / self.seconds if self.seconds else 0.0


class _Refused(Exception):
    """Raised inside the unit of work to roll it back when a file has errors."""

    def __init__(self, issues: list[Issue]):
        super().__init__(f"{len(issues)} issue(s)")
        self.issues = issues


@dataclass(frozen=True)
class _Prepared:
    spec: EntitySpec
    mapped: MappedRows
    rows_read: int
    sha256: str
    source_file: str


def import_file(url: str, entity: str, path: str | Path, mapping: str | Path | ColumnMapping | None = None,
                actor: str = "system", *, sheet: str | None = None,
                progress: Progress | None = None) -> ImportReport:
    """Import ``path`` into ``entity`` at database ``url``, whole or not at all."""
    started = time.perf_counter()
    tell = progress or (lambda _step: None)
    prepared = _prepare(entity, path, mapping, sheet, tell)
    if isinstance(prepared, ImportReport):
        return _record_refusal(url, replace(prepared, seconds=time.perf_counter() - started), actor, "")
    try:
        with transaction(url, actor=actor) as conn:
            report = _import_prepared(conn, prepared, actor, tell)
    except _Refused as refused:
        report = _refusal(prepared, refused.issues)
        return _record_refusal(url, replace(report, seconds=time.perf_counter() - started), actor,
                               prepared.sha256)
    tell("done")
    return replace(report, seconds=time.perf_counter() - started)


def _prepare(entity: str, path: str | Path, mapping: str | Path | ColumnMapping | None,
             sheet: str | None, tell: Progress) -> _Prepared | ImportReport:
    """Read and map the file; a file-level problem comes back as a refused report."""
    spec = ENTITIES.get(entity)
    file = str(path)
    if spec is None:
        known = ", ".join(IMPORT_ORDER)
        issue = Issue(codes.UNKNOWN_ENTITY, f"cannot import {entity!r}: known kinds are {known}",
                      source=Source(file=file))
        return ImportReport(entity, file, imported=False, issues=[issue])
    try:
        column_mapping = _load(mapping)
        if column_mapping is not None and column_mapping.entity != entity:
            raise MappingError([Issue(codes.MAPPING_INVALID, f"the mapping is for {column_mapping.entity}, "
                                      f"not {entity}", source=Source(file=str(mapping)))])
        tell("reading")
        rows = read_rows(path, sheet or (column_mapping.sheet if column_mapping else None))
    except (ReadError, MappingError) as exc:
        return ImportReport(entity, file, imported=False, issues=exc.issues)
    tell("mapping")
    mapped = apply_mapping(column_mapping, rows) if column_mapping else identity_mapping(spec, rows)
    if any(issue.is_error for issue in mapped.issues):
        return ImportReport(entity, file, imported=False, rows_read=rows.row_count, issues=mapped.issues)
    return _Prepared(spec, mapped, rows.row_count, _sha256(Path(path)), Path(path).name)


def _load(mapping: str | Path | ColumnMapping | None) -> ColumnMapping | None:
    if mapping is None or isinstance(mapping, ColumnMapping):
        return mapping
    return load_mapping(mapping)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _import_prepared(conn: Connection, prepared: _Prepared, actor: str, tell: Progress) -> ImportReport:
    """Validate against the database and write; raises ``_Refused`` (rolling back) on any error."""
    tell("validating")
    validated = validate(prepared.mapped, prepared.spec, known=_key_lookup(conn))
    if not validated.ok:
        raise _Refused(validated.issues)
    tell("writing")
    if conn.dialect.name == "sqlite":  # big imports insert into indexed tables: give SQLite page cache
        conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    batch_id = _open_batch(conn, prepared, actor)
    rows = _rows_for_store(validated, prepared.mapped)
    try:
        counts = upsert(conn, prepared.spec.name, rows, batch_id=batch_id, actor=actor,
                        source_file=prepared.source_file)
    except AttainError as exc:  # validation should have caught it: report it, write nothing
        raise _Refused([Issue(exc.code, str(exc), source=Source(file=prepared.mapped.path))]) from exc
    _close_batch(conn, batch_id, counts)
    return ImportReport(prepared.spec.name, prepared.mapped.path, imported=True, rows_read=prepared.rows_read,
                        rows_selected=rows.num_rows, created=counts.created, updated=counts.updated,
                        unchanged=counts.unchanged, batch_id=batch_id, issues=validated.issues)


def _key_lookup(conn: Connection) -> Callable[[str], pl.Series]:
    cache: dict[str, pl.Series] = {}

    def known(entity: str) -> pl.Series:
        if entity not in cache:
            key = ENTITIES[entity].key[0]
            cache[entity] = pl.Series(entity, sorted(existing_keys(conn, entity, key)), dtype=pl.String)
        return cache[entity]

    return known


def _rows_for_store(validated: ValidatedRows, mapped: MappedRows) -> pa.Table:
    """Only the columns the file provides (others stay as they are), plus the source line."""
    given = [name for name in validated.table.column_names if name in mapped.frame.columns and name != LINE]
    table = validated.table.select([*given, LINE])
    return table.rename_columns([*given, "source_line"])


def _open_batch(conn: Connection, prepared: _Prepared, actor: str) -> int:
    result = conn.execute(insert(import_batch).values(
        entity=prepared.spec.name, file_name=prepared.source_file, sha256=prepared.sha256, actor=actor,
        status="running",
    ).returning(import_batch.c.id))
    return int(result.scalar_one())


def _close_batch(conn: Connection, batch_id: int, counts: UpsertCounts) -> None:
    conn.execute(update(import_batch).where(import_batch.c.id == batch_id).values(
        status="succeeded", finished_at=_now(), created_count=counts.created, updated_count=counts.updated,
        unchanged_count=counts.unchanged, rejected_count=0,
    ))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _refusal(prepared: _Prepared, issues: list[Issue]) -> ImportReport:
    return ImportReport(prepared.spec.name, prepared.mapped.path, imported=False,
                        rows_read=prepared.rows_read, rows_selected=prepared.mapped.frame.height,
                        issues=issues)


def _record_refusal(url: str, report: ImportReport, actor: str, sha256: str) -> ImportReport:
    """Keep a trace of the refused attempt (its own small transaction: the import itself wrote nothing)."""
    details = [
        {"line": i.source.line, "column": i.source.column, "code": i.code, "value": i.value,
         "message": i.message}
        for i in report.issues[:ERROR_REPORT_LIMIT]
    ]
    try:
        with transaction(url, actor=actor) as conn:
            result = conn.execute(insert(import_batch).values(
                entity=report.entity, file_name=Path(report.file).name, sha256=sha256 or None, actor=actor,
                status="failed", finished_at=_now(), rejected_count=report.rejected_rows,
                error_report={"issues": details, "total_issues": len(report.issues)},
            ).returning(import_batch.c.id))
            batch_id = int(result.scalar_one())
    except Exception as exc:  # the database itself may be what is wrong; the report still tells the user
        message = f"the refused attempt could not be recorded in import_batch: {exc}"
        note = Issue(codes.BATCH_NOT_RECORDED, message, severity=Severity.WARNING,
                     source=Source(file=report.file))
        return replace(report, issues=[*report.issues, note])
    return replace(report, batch_id=batch_id)


# -- folders ----------------------------------------------------------------------------------

MAPPING_SUFFIX = ".mapping.yaml"
READABLE = (".csv", ".xlsx", ".xlsm")


def folder_files(folder: str | Path) -> tuple[list[tuple[str, Path, Path | None]], list[Issue]]:
    """The entity files of ``folder`` in import order, each with its ``<entity>.mapping.yaml`` if any."""
    found: dict[str, tuple[Path, Path | None]] = {}
    issues = []
    for path in sorted(Path(folder).iterdir()):
        if path.suffix.lower() not in READABLE:
            continue
        if path.stem not in ENTITIES:
            message = f"{path.name} is not named after an entity (expected one of: {', '.join(IMPORT_ORDER)})"
            issues.append(Issue(codes.FOLDER_FILE_UNKNOWN, message, source=Source(file=str(path))))
            continue
        mapping = path.with_name(path.stem + MAPPING_SUFFIX)
        found[path.stem] = (path, mapping if mapping.is_file() else None)
    ordered = [(name, *found[name]) for name in IMPORT_ORDER if name in found]
    return ordered, issues


def import_folder(url: str, folder: str | Path, actor: str = "system",
                  progress: Progress | None = None) -> list[ImportReport]:
    """Import every ``<entity>.csv``/``.xlsx`` of ``folder`` in dependency order, all or nothing."""
    tell = progress or (lambda _step: None)
    files, issues = folder_files(folder)
    if issues:
        return [ImportReport("folder", str(folder), imported=False, issues=issues)]
    prepared: list[_Prepared] = []
    for entity, path, mapping in files:
        ready = _prepare(entity, path, mapping, None, tell)
        if isinstance(ready, ImportReport):
            return [_record_refusal(url, ready, actor, "")]
        prepared.append(ready)
    reports: list[ImportReport] = []
    try:
        with transaction(url, actor=actor) as conn:
            for item in prepared:
                started = time.perf_counter()
                try:
                    report = _import_prepared(conn, item, actor, tell)
                except _Refused as refused:
                    raise _FolderRefused(item, refused.issues) from refused
                reports.append(replace(report, seconds=time.perf_counter() - started))
    except _FolderRefused as failed:
        report = _record_refusal(url, _refusal(failed.item, failed.issues), actor, failed.item.sha256)
        skipped = [ImportReport(p.spec.name, p.mapped.path, imported=False, rows_read=p.rows_read)
                   for p in prepared if p is not failed.item]
        return [report, *skipped]
    return reports


class _FolderRefused(Exception):
    def __init__(self, item: _Prepared, issues: list[Issue]):
        super().__init__(item.mapped.path)
        self.item = item
        self.issues = issues
