"""Read CSV and XLSX files into text columns, keeping the line number of every row (header = line 1).

Every cell is read as text so nothing is lost or guessed (no "0042" turned into 42, no float money).
Cells are trimmed and an empty cell becomes null. The line number is the physical line of the
file where the row starts, so a quoted value spanning several lines still points at the right line.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import polars as pl

from attain.core.errors import Issue, Source
from attain.ingest import codes

LINE = "__line__"
"""The column that carries each row's line number through mapping and validation."""


class ReadError(Exception):
    """A file that cannot be read at all; carries the file-level issues."""

    def __init__(self, issues: list[Issue]):
        super().__init__("; ".join(str(issue) for issue in issues))
        self.issues = issues


@dataclass(frozen=True)
class SourceRows:
    """The rows of one file as text columns (original headers) plus the ``__line__`` column."""

    frame: pl.DataFrame
    path: str
    sheet: str | None = None
    columns: tuple[str, ...] = ()

    @property
    def row_count(self) -> int:
        return self.frame.height


def read_rows(path: str | Path, sheet: str | None = None) -> SourceRows:
    """Read a .csv, .xlsx or .xlsm file (by extension) into text columns with line numbers."""
    file = Path(path)
    if not file.is_file():
        raise ReadError([_file_issue(codes.FILE_UNREADABLE, file, "the file does not exist")])
    if file.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(file, sheet)
    return read_csv(file)


def read_csv(path: str | Path) -> SourceRows:
    """Read a UTF-8 CSV (a byte-order mark is tolerated) with every column as text."""
    file = Path(path)
    try:
        _check_header(file, _raw_header(file))
        frame = pl.read_csv(file, infer_schema=False, encoding="utf8", raise_if_empty=False)
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ReadError([_file_issue(codes.FILE_UNREADABLE, file, _why_unreadable(exc))]) from exc
    return _finish(frame, file, None)


def read_xlsx(path: str | Path, sheet: str | None = None) -> SourceRows:
    """Read the first (or the named) worksheet of an Excel workbook, every cell as text."""
    import openpyxl  # imported here: only XLSX imports pay for it

    file = Path(path)
    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, xml, key errors)
        issue = _file_issue(codes.FILE_UNREADABLE, file, f"cannot read this workbook: {exc}")
        raise ReadError([issue]) from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            names = ", ".join(book.sheetnames)
            message = f"no worksheet {sheet!r} (it has: {names})"
            raise ReadError([_file_issue(codes.SHEET_MISSING, file, message)])
        worksheet = book[sheet] if sheet is not None else book.worksheets[0]
        rows = list(worksheet.iter_rows(values_only=True))
    finally:
        book.close()
    header = [_cell_text(value) or "" for value in (rows[0] if rows else ())]
    while header and header[-1] == "":
        header.pop()
    _check_header(file, header)
    body = [row for row in rows[1:]]
    columns = {name: [_cell_text(row[i]) if i < len(row) else None for row in body]
               for i, name in enumerate(header)}
    frame = pl.DataFrame(columns, schema=dict.fromkeys(header, pl.String))
    frame = frame.with_columns(pl.Series(LINE, range(2, len(body) + 2), dtype=pl.Int64))
    return _finish(frame, file, worksheet.title, lines_done=True)


def _why_unreadable(exc: Exception) -> str:
    """A plain reason: most unreadable CSVs are spreadsheets saved in a legacy encoding."""
    text = str(exc)
    if isinstance(exc, UnicodeDecodeError) or "utf-8" in text.lower() or "utf8" in text.lower():
        return ("the file is not UTF-8 text (it was probably saved in a legacy encoding): "
                "save it again as 'CSV UTF-8' and import it again")
    return f"cannot read this CSV file: {text}"


def _cell_text(value: Any) -> str | None:
    """An Excel cell as the text a person sees: dates as ISO, whole numbers without '.0'."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _raw_header(file: Path) -> list[str]:
    """The header names exactly as written (Polars renames duplicates, we want to report them)."""
    with file.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), [])


def _check_header(file: Path, raw: list[str]) -> None:
    names = [name.strip() for name in raw]
    if not names or all(name == "" for name in names):
        raise ReadError([_file_issue(codes.FILE_EMPTY, file, "the file has no header row")])
    seen: set[str] = set()
    issues = []
    for name in names:
        if name in seen:
            issues.append(_file_issue(codes.COLUMN_DUPLICATED, file, f"column {name!r} appears twice",
                                      column=name))
        seen.add(name)
    if issues:
        raise ReadError(issues)


def _finish(frame: pl.DataFrame, file: Path, sheet: str | None, *, lines_done: bool = False) -> SourceRows:
    """Trim cells, turn empty cells into nulls and add the line numbers."""
    names = [name for name in frame.columns if name != LINE]
    frame = frame.rename({name: name.strip() for name in names})
    names = [name.strip() for name in names]
    if not lines_done:
        frame = frame.with_columns(_line_numbers(names))
    frame = frame.with_columns(
        [pl.col(name).str.strip_chars().replace("", None).alias(name) for name in names]
    )
    if names:  # blank lines are not rows
        frame = frame.filter(~pl.all_horizontal(pl.col(names).is_null()))
    return SourceRows(frame, str(file), sheet, tuple(names))


def _line_numbers(names: list[str]) -> pl.Expr:
    """Line of each row: 2 + row index + the newlines inside quoted values of the rows before it."""
    if not names:
        return (pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias(LINE)
    newlines = pl.sum_horizontal(
        [pl.col(name).str.count_matches("\n", literal=True).fill_null(0) for name in names]
    ).cast(pl.Int64)
    before = newlines.cum_sum().shift(1, fill_value=0)
    return (pl.int_range(pl.len(), dtype=pl.Int64) + 2 + before).alias(LINE)


def _file_issue(code: str, file: Path, message: str, column: str | None = None) -> Issue:
    return Issue(code, message, source=Source(file=str(file), column=column))
