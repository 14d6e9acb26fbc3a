"""The engine's inputs: one typed Arrow table per entity, from a folder of CSV/Parquet or the store.

Every table has exactly the columns of ``attain.core.entities`` typed by their spec (money and
decimals exact, never float); a missing optional entity is an empty table. Transactions keep where
they came from in ``source_file`` / ``source_line`` (header is line 1, so the first row is line 2).
Values are checked column by column (vectorized): a bad value is an error with its file, line and
column, and the folder is refused whole (nothing is silently dropped or turned into zero).
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Iterator, Mapping
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from attain.core.entities import ENTITIES, EntitySpec, FieldKind, FieldSpec
from attain.core.errors import AttainError, Issue, Severity, Source, register
from attain.core.money import minor_unit
from attain.engine.input_files import InputFile, checked_file

CALC001 = register("CALC001", "An input value cannot be read as its field's type (date, number, choice)")
CALC002 = register("CALC002", "A required input field is empty")
CALC003 = register("CALC003", "An input file lacks a required column")
CALC004 = register("CALC004", "An input file cannot be read (not CSV/Parquet, or two files for one entity)")
CALC005 = register("CALC005", "The data folder does not exist or holds no input file named after an entity")
CALC006 = register("CALC006", "A data file is named almost like an entity (transactions.csv): it is not read")

MONEY_TYPE = pa.decimal128(19, 3)
"""Money: 16 digits before the point and up to 3 after (fils of KWD, BHD, JOD, OMR, TND), like the store."""
DECIMAL_TYPE = pa.decimal128(24, 10)


def money_type_fits(found: pa.DataType) -> bool:
    """A column type the engine takes as money as it is: an exact decimal with at most 3 places and
    16 digits before the point (a Parquet file of DECIMAL(18, 2) amounts needs no conversion)."""
    if not isinstance(found, pa.Decimal128Type | pa.Decimal256Type):
        return False
    whole = MONEY_TYPE.precision - MONEY_TYPE.scale
    return bool(found.scale <= MONEY_TYPE.scale and found.precision - found.scale <= whole)

SOURCE_COLUMNS = (("source_file", pa.string()), ("source_line", pa.int64()))
"""Extra columns kept on transactions so every credit points back to its input row."""

_ARROW: dict[FieldKind, pa.DataType] = {
    FieldKind.TEXT: pa.string(),
    FieldKind.ID: pa.string(),
    FieldKind.CURRENCY: pa.string(),
    FieldKind.CHOICE: pa.string(),
    FieldKind.JSON: pa.string(),
    FieldKind.DATE: pa.date32(),
    FieldKind.TIMESTAMP: pa.timestamp("us"),
    FieldKind.MONEY: MONEY_TYPE,
    FieldKind.DECIMAL: DECIMAL_TYPE,
    FieldKind.INTEGER: pa.int64(),
    FieldKind.BOOLEAN: pa.bool_(),
}
_PATTERN: dict[FieldKind, str] = {
    FieldKind.DATE: r"^\d{4}-\d{2}-\d{2}$",
    FieldKind.TIMESTAMP: r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?$",
    FieldKind.MONEY: r"^[+-]?\d{1,16}(\.\d{0,3})?$",
    FieldKind.DECIMAL: r"^[+-]?\d{1,14}(\.\d{0,10})?$",
    FieldKind.INTEGER: r"^[+-]?\d{1,18}$",
    FieldKind.BOOLEAN: r"^(?i)(true|false|1|0|yes|no)$",
}


_PLAIN_TEXT = frozenset({FieldKind.TEXT, FieldKind.ID, FieldKind.CURRENCY, FieldKind.JSON})


def origin_is_typed(origin: str) -> bool:
    """Parquet files and the store give typed columns: their text is not re-trimmed."""
    return not origin.endswith(".csv")


def arrow_schema(spec: EntitySpec) -> pa.Schema:
    """The Arrow schema of an entity's table (transactions also carry their source)."""
    fields = [pa.field(f.name, _ARROW[f.kind]) for f in spec.fields]
    if spec.name == "transaction":
        fields += [pa.field(name, kind) for name, kind in SOURCE_COLUMNS]
    return pa.schema(fields)


class InputTables(Mapping[str, pa.Table]):
    """Entity name -> typed Arrow table; every entity of the catalog is present (maybe empty).

    An entity may instead be a checked Parquet file (``InputFile``) that the engine has the
    executor read where it lies; asking for its table reads and types it then (once).
    """

    def __init__(self, tables: Mapping[str, pa.Table], files: Mapping[str, InputFile] | None = None) -> None:
        self._files = dict(files or {})
        self._tables = {
            name: tables.get(name, arrow_schema(spec).empty_table())
            for name, spec in ENTITIES.items()
            if name not in self._files
        }

    def __getitem__(self, name: str) -> pa.Table:
        if name not in self._tables and name in self._files:
            self._tables[name] = _read_typed(self._files[name])
        return self._tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(ENTITIES)

    def __len__(self) -> int:
        return len(ENTITIES)

    def file(self, name: str) -> InputFile | None:
        """The checked Parquet file an entity is read from where it lies, if it is one."""
        return self._files.get(name)

    def rows(self, name: str) -> int:
        """An entity's row count (a file's from its metadata, without reading it)."""
        found = self._files.get(name)
        return found.rows if found is not None and name not in self._tables else int(self[name].num_rows)

    @classmethod
    def from_tables(cls, tables: Mapping[str, pa.Table], origin: str = "store") -> InputTables:
        """Type raw tables (e.g. from the store) by the entity specs; raise on bad values."""
        issues: list[Issue] = []
        typed = {}
        for name, table in tables.items():
            if name not in ENTITIES:
                continue
            typed[name] = conform(ENTITIES[name], table, f"{origin}:{name}", issues)
        _raise_on_errors(issues)
        return cls(typed)


def load_folder(folder: Path, in_place: bool = True) -> InputTables:
    """Read ``<entity>.csv`` / ``<entity>.parquet`` files of a folder into typed tables.

    With ``in_place`` a big entity's typed, valid Parquet file is left where it lies for the
    executor to read (``attain.engine.input_files``); every other file is read here.
    """
    issues = _folder_issues(folder)
    tables: dict[str, pa.Table] = {}
    files: dict[str, InputFile] = {}
    for name, spec in ENTITIES.items():
        found = [p for p in (folder / f"{name}.csv", folder / f"{name}.parquet") if p.exists()]
        if len(found) > 1:
            issues.append(
                Issue(
                    CALC004,
                    f"both {name}.csv and {name}.parquet exist: keep one",
                    source=Source(file=str(found[0])),
                )
            )
            continue
        checked = checked_file(name, found[0]) if found and in_place else None
        if checked is not None:
            files[name] = checked
        elif found:
            raw = _read_file(found[0], issues)
            if raw is not None:
                tables[name] = conform(spec, raw, found[0].name, issues, first_line=_first_line(found[0]))
    _raise_on_errors(issues)
    return InputTables(tables, files)


def _folder_issues(folder: Path) -> list[Issue]:
    """CALC005 for a missing folder or one without any entity file (a wrong ``--data`` would
    otherwise calculate nothing, quietly); CALC006 for each file named almost like an entity
    (``transactions.csv``, ``payees.parquet``), which would be left unread. Other files (a pay
    scenario's ``adjustment.csv``, notes) are not the engine's and are left alone."""
    source = Source(file=str(folder))
    if not folder.is_dir():
        return [Issue(CALC005, f"data folder {folder} does not exist", source=source)]
    data = sorted(p for p in folder.iterdir() if p.suffix in (".csv", ".parquet") and p.is_file())
    issues = []
    for path in data:
        if path.stem in ENTITIES:
            continue
        near = difflib.get_close_matches(path.stem, list(ENTITIES), n=1, cutoff=0.88)
        if near:
            message = f"{path.name} is not read: did you mean {near[0]}{path.suffix}?"
            issues.append(Issue(CALC006, message, source=Source(file=str(path))))
    if not issues and not any(p.stem in ENTITIES for p in data):
        names = ", ".join(f"{n}.csv" for n in ("payee", "plan_assignment", "transaction", "quota"))
        message = f"no input file in {folder}: name each after its entity ({names}...; CSV or Parquet)"
        issues.append(Issue(CALC005, message, source=source))
    return issues


def _read_typed(file: InputFile) -> pa.Table:
    """A checked file read into memory the ordinary way (same rows as the executor reads)."""
    issues: list[Issue] = []
    table = conform(ENTITIES[file.entity], pq.read_table(file.path), file.path.name, issues, first_line=1)
    _raise_on_errors(issues)
    return table


def _first_line(path: Path) -> int:
    return 2 if path.suffix == ".csv" else 1


def _read_file(path: Path, issues: list[Issue]) -> pa.Table | None:
    try:
        if path.suffix == ".parquet":
            return pq.read_table(path)
        with path.open(newline="", encoding="utf-8-sig") as handle:
            names = next(csv.reader(handle), [])
        return pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, OSError) as exc:
        issues.append(Issue(CALC004, f"cannot read {path.name}: {exc}", source=Source(file=str(path))))
        return None


def conform(
    spec: EntitySpec, raw: pa.Table, origin: str, issues: list[Issue], first_line: int = 1
) -> pa.Table:
    """Cast a raw table to the entity's schema, report bad values, apply field defaults."""
    columns = []
    rows = raw.num_rows
    for field in spec.fields:
        if field.name not in raw.column_names:
            if field.required and field.default is None and rows:
                issues.append(
                    Issue(
                        CALC003,
                        f"{spec.name} needs column {field.name!r}",
                        source=Source(file=origin, column=field.name),
                    )
                )
            values: pa.Array | pa.ChunkedArray = pa.nulls(rows, _ARROW[field.kind])
        else:
            before = len(issues)
            values = _typed(field, raw.column(field.name), origin, first_line, issues)
            if len(issues) > before:  # bad values were reported already: not "missing" too
                columns.append(values)
                continue
        columns.append(_defaulted(field, values, origin, first_line, issues))
    table = pa.Table.from_arrays(columns, names=[f.name for f in spec.fields]).cast(
        pa.schema([pa.field(f.name, _ARROW[f.kind]) for f in spec.fields])
    )
    _check_money_places(spec, table, origin, first_line, issues)
    if spec.name == "transaction":
        table = _with_source(table, raw, origin, first_line)
    return table.cast(arrow_schema(spec))


def money_places(currency: str | None) -> int:
    """Decimal places an amount in ``currency`` may have (no currency: 3, unknown ones: 2)."""
    if currency is None:
        return 3
    return minor_unit(currency.strip().upper())


def _check_money_places(
    spec: EntitySpec, table: pa.Table, origin: str, first_line: int, issues: list[Issue]
) -> None:
    """CALC001 for an amount with more decimals than its currency pays (USD 1.005, JPY 12.5),
    as the importer refuses them: 3 places for KWD, BHD, JOD, OMR and TND."""
    money = [f for f in spec.fields if f.kind is FieldKind.MONEY]
    if not money or table.num_rows == 0:
        return
    places = _places_per_row(table)
    for field in money:
        values = table.column(field.name)
        for allowed in pc.unique(places).to_pylist():
            rounded = pc.round(values, ndigits=allowed, round_mode="half_to_even")
            wrong = pc.and_(pc.equal(places, allowed), pc.not_equal(values, rounded))
            for pos in pc.indices_nonzero(pc.fill_null(wrong, False)).to_pylist():
                value = values[pos].as_py()
                issues.append(
                    Issue(
                        CALC001,
                        f"{field.name} {value} has more decimals than its currency pays ({allowed})",
                        value=str(value),
                        source=Source(file=origin, line=first_line + pos, column=field.name),
                    )
                )


def _places_per_row(table: pa.Table) -> pa.ChunkedArray:
    """Each row's allowed decimal places (``money_places`` of its currency, looked up once per
    distinct currency; an empty currency pays 2; a table without a currency column 3)."""
    if "currency" not in table.column_names:
        return pa.chunked_array([pa.repeat(pa.scalar(money_places(None), pa.int8()), table.num_rows)])
    codes = pc.fill_null(table.column("currency"), "")
    distinct = pc.unique(codes)
    allowed = pa.array([money_places(code) for code in distinct.to_pylist()], pa.int8())
    return pc.take(allowed, pc.index_in(codes, value_set=distinct))


def _with_source(table: pa.Table, raw: pa.Table, origin: str, first_line: int) -> pa.Table:
    kept = "source_file" in raw.column_names and "source_line" in raw.column_names
    if kept and raw.column("source_file").null_count < raw.num_rows:
        files = raw.column("source_file").cast(pa.string())
        lines = raw.column("source_line").cast(pa.int64())
    else:  # rows are numbered in the file they came from
        files = pa.repeat(pa.scalar(origin, pa.string()), raw.num_rows)
        lines = pl.int_range(first_line, first_line + raw.num_rows, eager=True, dtype=pl.Int64).to_arrow()
    return table.append_column("source_file", files).append_column("source_line", lines)


def _typed(
    field: FieldSpec, column: pa.ChunkedArray, origin: str, first_line: int, issues: list[Issue]
) -> pa.ChunkedArray:
    target = _ARROW[field.kind]
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        try:
            return column.cast(target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            issues.append(
                Issue(CALC001, f"{field.name}: {exc}", source=Source(file=origin, column=field.name))
            )
            return pa.chunked_array([pa.nulls(len(column), target)])
    if field.kind in _PLAIN_TEXT and origin_is_typed(origin):
        return column.cast(target)  # ids and text from Parquet/the store: taken as they are
    text = pc.utf8_trim_whitespace(column)
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    bad = _bad_mask(field, text)
    if bad is not None and pc.any(bad).as_py():
        _report_bad(field, text, bad, origin, first_line, issues)
        text = pc.if_else(bad, pa.scalar(None, pa.string()), text)
    if field.kind is FieldKind.BOOLEAN:
        return _to_bool(text)
    return text.cast(target)


def _to_bool(text: pa.ChunkedArray) -> pa.ChunkedArray:
    truthy = pc.is_in(pc.utf8_lower(text), value_set=pa.array(["true", "1", "yes"]))
    return pc.if_else(pc.is_null(text), pa.scalar(None, pa.bool_()), truthy)


def _bad_mask(field: FieldSpec, text: pa.ChunkedArray) -> pa.ChunkedArray | None:
    if field.kind in _PATTERN:
        ok = pc.match_substring_regex(text, _PATTERN[field.kind])
    elif field.kind is FieldKind.CHOICE and field.choices:
        ok = pc.is_in(text, value_set=pa.array(list(field.choices)))
    else:
        return None
    bad = pc.and_(pc.invert(ok), pc.is_valid(text))
    if field.kind is FieldKind.DATE:
        parsed = pc.strptime(
            pc.if_else(bad, pa.scalar(None, pa.string()), text),
            format="%Y-%m-%d",
            unit="s",
            error_is_null=True,
        )
        same_day = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), text)  # 2025-02-30 is not a day
        bad = pc.or_(bad, pc.and_(pc.is_valid(text), pc.invert(pc.fill_null(same_day, False))))
    return bad


def _report_bad(
    field: FieldSpec,
    text: pa.ChunkedArray,
    bad: pa.ChunkedArray,
    origin: str,
    first_line: int,
    issues: list[Issue],
) -> None:
    positions = pc.indices_nonzero(pc.fill_null(bad, False)).to_pylist()
    values = text.take(positions).to_pylist()
    expected = f"one of {', '.join(field.choices)}" if field.choices else f"a {field.kind.value}"
    for pos, value in zip(positions, values, strict=True):
        issues.append(
            Issue(
                CALC001,
                f"{field.name} must be {expected}, got {value!r}",
                value=value,
                source=Source(file=origin, line=first_line + pos, column=field.name),
            )
        )


def _defaulted(
    field: FieldSpec, values: pa.ChunkedArray | pa.Array, origin: str, first_line: int, issues: list[Issue]
) -> pa.ChunkedArray | pa.Array:
    if field.default is not None:
        default = pa.array([field.default], pa.string()).cast(_ARROW[field.kind])[0]
        return pc.fill_null(values, default)
    if field.required and values.null_count:
        positions = pc.indices_nonzero(pc.is_null(values)).to_pylist()
        for pos in positions:
            issues.append(
                Issue(
                    CALC002,
                    f"{field.name} is required",
                    severity=Severity.ERROR,
                    source=Source(file=origin, line=first_line + pos, column=field.name),
                )
            )
    return values


def _raise_on_errors(issues: list[Issue]) -> None:
    errors = [i for i in issues if i.is_error]
    if errors:
        shown = "; ".join(str(i) for i in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise AttainError(
            f"input data has {len(errors)} problem(s): {shown}{more}", errors, code=errors[0].code
        )
