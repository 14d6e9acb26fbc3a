"""Parse one text column into its field's type (date, exact decimal, integer...) and flag bad cells.

Each parser returns the typed expression and the error frames of the cells it could not read.
A cell that is empty is never a type error (``required`` is checked separately).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import polars as pl

from attain.core.entities import FieldKind, FieldSpec
from attain.core.money import MINOR_UNITS
from attain.ingest import codes
from attain.ingest.mapping import NUMBER_PATTERN, clean_number
from attain.ingest.readers import LINE

RECORD = "__record__"
"""Column holding each row's business key as text, for the ``record`` of an issue."""

ERROR_SCHEMA = {LINE: pl.Int64, "column": pl.String, "value": pl.String, "code": pl.String,
                "message": pl.String, "record": pl.String}

MONEY_TYPE = pl.Decimal(18, 2)
DECIMAL_TYPE = pl.Decimal(24, 10)
_LIMITS = {FieldKind.MONEY: (16, 2), FieldKind.DECIMAL: (14, 10)}  # digits before / after the point
ISO_DATE = "%Y-%m-%d"
TIMESTAMP_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S",
                     "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")
TRUE = ("true", "yes", "y", "1", "t")
FALSE = ("false", "no", "n", "0", "f")

Parsed = tuple[pl.Expr, list[pl.DataFrame]]


def error_rows(frame: pl.DataFrame, bad: pl.Expr, field: str, label: str, code: str,
               message: pl.Expr) -> pl.DataFrame:
    """The rows where ``bad`` holds, as error rows (line, column, value, code, message, record)."""
    return frame.filter(bad.fill_null(False)).select(
        pl.col(LINE),
        pl.lit(label, dtype=pl.String).alias("column"),
        pl.col(field).cast(pl.String).alias("value"),
        pl.lit(code, dtype=pl.String).alias("code"),
        message.cast(pl.String).alias("message"),
        (pl.col(RECORD) if RECORD in frame.columns else pl.lit(None, dtype=pl.String)).alias("record"),
    )


def parse_field(frame: pl.DataFrame, field: FieldSpec, label: str, date_format: str | None) -> Parsed:
    """The typed value of ``field`` and the error frames of its unreadable cells."""
    parser = _PARSERS.get(field.kind, _text)
    return parser(frame, field, label, date_format)


def _text(frame: pl.DataFrame, field: FieldSpec, label: str, fmt: str | None) -> Parsed:
    return pl.col(field.name), []


def _date(frame: pl.DataFrame, field: FieldSpec, label: str, fmt: str | None) -> Parsed:
    col = pl.col(field.name)
    value = col.str.strptime(pl.Date, fmt or ISO_DATE, strict=False)
    shape_ok = col.str.contains(r"^\d{4}-\d{2}-\d{2}$") if fmt is None else pl.lit(True)
    bad = col.is_not_null() & (value.is_null() | ~shape_ok | ~value.dt.year().is_between(1900, 2199))
    expected = "YYYY-MM-DD" if fmt is None else f"the format {fmt}"
    message = pl.format(f"{label} '{{}}' is not a date (expected {expected})", col)
    value = pl.when(bad).then(None).otherwise(value)
    return value, [error_rows(frame, bad, field.name, label, codes.BAD_DATE, message)]


def _timestamp(frame: pl.DataFrame, field: FieldSpec, label: str, fmt: str | None) -> Parsed:
    col = pl.col(field.name)
    formats = (fmt,) if fmt else TIMESTAMP_FORMATS
    candidates = [col.str.strptime(pl.Datetime("us"), f, strict=False) for f in formats]
    if not fmt:
        date_only = col.str.strptime(pl.Date, ISO_DATE, strict=False).cast(pl.Datetime("us"))
        candidates.append(pl.when(col.str.contains(r"^\d{4}-\d{2}-\d{2}$")).then(date_only))
    value = pl.coalesce(candidates).dt.replace_time_zone("UTC")
    bad = col.is_not_null() & (value.is_null() | ~value.dt.year().is_between(1900, 2199))
    message = pl.format(f"{label} '{{}}' is not a date-time (expected YYYY-MM-DD HH:MM[:SS])", col)
    return pl.when(bad).then(None).otherwise(value), [
        error_rows(frame, bad, field.name, label, codes.BAD_DATE, message)
    ]


def _decimal(frame: pl.DataFrame, field: FieldSpec, label: str, fmt: str | None) -> Parsed:
    col = pl.col(field.name)
    text = clean_number(col)
    before, after = _LIMITS[field.kind]
    whole = text.str.extract(r"^[+-]?0*(\d*)", 1).str.len_chars()
    decimals = text.str.extract(r"\.(\d*?)0*$", 1).str.len_chars().fill_null(0)
    not_number = col.is_not_null() & ~text.str.contains(NUMBER_PATTERN)
    too_big = ~not_number & (whole > before)
    too_precise = ~not_number & ~too_big & (decimals > after)
    errors = [
        error_rows(frame, not_number, field.name, label, codes.BAD_NUMBER,
                   pl.format(f"{label} '{{}}' is not a number", col)),
        error_rows(frame, too_big, field.name, label, codes.BAD_NUMBER,
                   pl.format(f"{label} {{}} is too large (at most {before} digits before the point)", col)),
    ]
    if field.kind is FieldKind.DECIMAL:  # money decimals are checked against the currency
        errors.append(error_rows(frame, too_precise, field.name, label, codes.TOO_PRECISE,
                                 pl.format(f"{label} {{}} has more than {after} decimal places", col)))
    dtype = MONEY_TYPE if field.kind is FieldKind.MONEY else DECIMAL_TYPE
    ok = col.is_not_null() & ~not_number & ~too_big
    ok = ok & ~too_precise if field.kind is FieldKind.DECIMAL else ok
    value = pl.when(ok).then(text.cast(dtype, strict=False)).otherwise(None)
    return value, errors + _non_negative(frame, field, label, text, ok)


def _integer(frame: pl.DataFrame, field: FieldSpec, label: str, fmt: str | None) -> Parsed:
    col = pl.col(field.name)
    text = clean_number(col).str.replace(r"\.0*$", "")
    ok = text.str.contains(r"^[+-]?\d{1,18}$")
    bad = col.is_not_null() & ~ok
    message = pl.format(f"{label} '{{}}' is not a whole number", col)
    value = pl.when(ok).then(text.cast(pl.Int64, strict=False)).otherwise(None)
    errors = [error_rows(frame, bad, field.name, label, codes.BAD_INTEGER, message)]
    return value, errors + _non_negative(frame, field, label, text, ok)


def _non_negative(frame: pl.DataFrame, field: FieldSpec, label: str, text: pl.Expr,
                  ok: pl.Expr) -> list[pl.DataFrame]:
    if not field.non_negative:
        return []
    negative = ok & text.str.starts_with("-") & text.str.contains(r"[1-9]")
    message = pl.format(f"{label} is {{}}; it cannot be negative", pl.col(field.name))
    return [error_rows(frame, negative, field.name, label, codes.NEGATIVE, message)]


def _boolean(frame: pl.DataFrame, field: FieldSpec, label: str, fmt: str | None) -> Parsed:
    col = pl.col(field.name)
    lower = col.str.to_lowercase()
    bad = col.is_not_null() & ~lower.is_in([*TRUE, *FALSE])
    message = pl.format(f"{label} '{{}}' is not yes/no (use true or false)", col)
    value = pl.when(lower.is_in(TRUE)).then(True).when(lower.is_in(FALSE)).then(False).otherwise(None)
    return value, [error_rows(frame, bad, field.name, label, codes.BAD_BOOLEAN, message)]


def _currency(frame: pl.DataFrame, field: FieldSpec, label: str, fmt: str | None) -> Parsed:
    col = pl.col(field.name)
    upper = col.str.to_uppercase()
    bad = col.is_not_null() & ~upper.is_in(list(MINOR_UNITS))
    message = pl.format(f"{label} '{{}}' is not a currency Attain knows (use an ISO code such as USD)", col)
    return upper, [error_rows(frame, bad, field.name, label, codes.UNKNOWN_CURRENCY, message)]


def _choice(frame: pl.DataFrame, field: FieldSpec, label: str, fmt: str | None) -> Parsed:
    col = pl.col(field.name)
    bad = col.is_not_null() & ~col.is_in(list(field.choices))
    message = pl.format(f"{label} '{{}}' is not one of: {', '.join(field.choices)}", col)
    return col, [error_rows(frame, bad, field.name, label, codes.INVALID_CHOICE, message)]


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _json(frame: pl.DataFrame, field: FieldSpec, label: str, fmt: str | None) -> Parsed:
    """Custom attributes must be a JSON object (checked per distinct value: a rare, small column)."""
    col = pl.col(field.name)
    values = frame.get_column(field.name).drop_nulls().unique().to_list()
    good = [text for text in values if _is_json_object(text)]
    bad = col.is_not_null() & ~col.is_in(good)
    message = pl.format(f"{label} '{{}}' is not a JSON object (key: value pairs in curly brackets)", col)
    return col, [error_rows(frame, bad, field.name, label, codes.BAD_JSON, message)]


_PARSERS: dict[FieldKind, Callable[[pl.DataFrame, FieldSpec, str, str | None], Parsed]] = {
    FieldKind.DATE: _date,
    FieldKind.TIMESTAMP: _timestamp,
    FieldKind.MONEY: _decimal,
    FieldKind.DECIMAL: _decimal,
    FieldKind.INTEGER: _integer,
    FieldKind.BOOLEAN: _boolean,
    FieldKind.CURRENCY: _currency,
    FieldKind.CHOICE: _choice,
    FieldKind.JSON: _json,
}
