"""Dashboard panels as files: CSV (one panel) and XLSX (one panel, or every panel one sheet each).

Figures keep their exact values: money and ratios are written as the ``Decimal`` text (a ratio as a
fraction, 0.6315005215, never rounded for display), counts as integers, dates as ISO dates. In the
XLSX a number is a numeric cell whose stored text is that exact decimal; its display format shows
money with two places (an amount in a row's ``currency``: that currency's places) and ratios as percents.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from attain.analytics.panels import Column, Panel
from attain.core.money import MINOR_UNITS, minor_unit

FORMATS = {"USD": "#,##0.00", "USD/day": "#,##0.00", "ratio": "0.00%", "days": "0.0", "score": "0.00",
           "count": "#,##0", "date": "yyyy-mm-dd"}
"""Excel display formats by unit (the stored value stays exact)."""


def cell(value: Any) -> Any:
    """A value as a file holds it: Decimal and int as they are, dates as dates, the rest as text."""
    if value is None or isinstance(value, Decimal | int | date):
        return value
    return str(value)


def panel_csv(panel: Panel) -> str:
    """The panel's table as CSV text: a heading row of column labels, then the exact values."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.label for c in panel.columns])
    for row in panel.rows:
        writer.writerow(["" if row.get(c.key) is None else _text(row.get(c.key)) for c in panel.columns])
    return out.getvalue()


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def sheet_title(title: str, used: set[str]) -> str:
    """An Excel sheet name (31 characters, none of []:*?/\\), unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", " ", title)[:31].strip() or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def workbook(panels: Sequence[Panel], heading: str = "") -> bytes:
    """An XLSX workbook with one sheet per panel (title row, heading row, the rows, its notes)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for panel in panels:
        sheet = book.create_sheet(sheet_title(panel.title, used))
        sheet.append([f"{heading} — {panel.title}" if heading else panel.title])
        sheet["A1"].font = Font(bold=True)
        sheet.append([c.label for c in panel.columns])
        for heading_cell in sheet[2]:
            heading_cell.font = Font(bold=True)
        for row in panel.rows:
            sheet.append([cell(row.get(c.key)) for c in panel.columns])
        _exact(sheet, len(panel.rows))
        _formats(sheet, panel.columns, len(panel.rows))
        for note in panel.notes:
            sheet.append([note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _exact(sheet: Any, rows: int) -> None:
    """Store each Decimal cell's own digits: openpyxl writes numbers with ``%.16g`` (a float's
    digits), so the numeric cell keeps its type and gets the exact text as its stored value.
    tests/analytics/test_dashboards.py reads the sheet XML back to hold this."""
    for line in sheet.iter_rows(min_row=3, max_row=rows + 2):
        for item in line:
            if isinstance(item.value, Decimal) and item.value.is_finite():
                item._value = format(item.value, "f")  # the data_type stays numeric ("n")


def _formats(sheet: Any, columns: Sequence[Column], rows: int) -> None:
    keys = [c.key for c in columns]
    for index, column in enumerate(columns, start=1):
        shape = FORMATS.get(column.unit) or _code_format(column.unit)
        if shape is None and not (column.unit == "money" and "currency" in keys):
            continue
        for (item,) in sheet.iter_rows(min_row=3, max_row=rows + 2, min_col=index, max_col=index):
            if column.unit == "money":  # the row's currency places (fils for KWD)
                shape = money_format(sheet.cell(item.row, keys.index("currency") + 1).value)
            item.number_format = shape


def _code_format(unit: str) -> str | None:
    """The format of a money unit named by its currency (``KWD``, ``EUR/day``); None for other units."""
    code = unit.removesuffix("/day")
    return money_format(code) if code in MINOR_UNITS else None


def money_format(currency: str | None) -> str:
    """The Excel display format of an amount in ``currency``: its minor unit's places (2 unknown)."""
    places = minor_unit(currency)
    return "#,##0" + ("." + "0" * places if places else "")
