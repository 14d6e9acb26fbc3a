"""Parse one text column into its field's type (date, exact decimal, integer...) and flag bad cells.

Each parser returns the typed expression and the error frames of the cells it could not read.
A cell that is empty is never a type error (``required`` is checked separately).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

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

MONEY_TYPE = pl.Decimal(19, 3)
"""Money as the store keeps it (``attain.store.tables.MONEY``): to the fils of a 3-decimal currency;
how many of the 3 places an amount may use is its currency's rule (``validate._money_decimals``)."""
DECIMAL_TYPE = pl.Decimal(24, 10)
_LIMITS = {FieldKind.MONEY: (16, 3), FieldKind.DECIMAL: (14, 10)}  # digits before / after the point
ISO_DATE = "%Y-%m-%d"
TIMESTAMP_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S",
                     "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")
TRUE = ("true", "yes", "y", "1", "t")
FALSE = ("false", "no", "n", "0", "f")



@dataclass(frozen=True)
class Check:
    """A rule over ``frame``: the rows where ``bad`` holds are errors of ``code`` with ``message``."""

    frame: pl.DataFrame
    bad: pl.Expr
    field: str
    label: str
    code: str
    message: pl.Expr


def error_rows(frame: pl.DataFrame, bad: pl.Expr, field: str, label: str, code: str,
               message: pl.Expr) -> Check:
    """Declare a check; ``evaluate`` runs all checks of a frame in one pass."""
    return Check(frame, bad, field, label, code, message)


def evaluate(checks: list[Check]) -> list[pl.DataFrame]:
    """Error rows (line, column, value, code, message, record) of every check that fails somewhere.

    All the checks over one frame are computed in a single parallel pass; only the checks that
    fail on some row are then turned into error rows (a clean file costs one pass).
    """
    groups: dict[int, list[Check]] = {}
    for check in checks:
        groups.setdefault(id(check.frame), []).append(check)
    return [rows for group in groups.values() for rows in evaluate_with(group[0].frame, group, [])[0]]


def evaluate_with(frame: pl.DataFrame, checks: list[Check],
                  extra: list[pl.Expr]) -> tuple[list[pl.DataFrame], pl.DataFrame]:
    """Run ``checks`` over ``frame`` in the same pass as the ``extra`` columns (shared work is done once).

    Returns the error rows and ``frame`` with the extra columns added.
    """
    masks = [c.bad.fill_null(False).alias(f"__bad{i}__") for i, c in enumerate(checks)]
    done = frame.lazy().with_columns([*extra, *masks]).collect()
    hits = done.select(pl.col(m.meta.output_name()).sum() for m in masks).row(0) if masks else ()
    errors = [
        _rows(done.filter(pl.col(f"__bad{i}__")), check)
        for i, check in enumerate(checks) if hits[i]
    ]
    return errors, done.drop([f"__bad{i}__" for i in range(len(checks))])


def _rows(failing: pl.DataFrame, check: Check) -> pl.DataFrame:
    return failing.select(
        pl.col(LINE),
        pl.lit(check.label, dtype=pl.String).alias("column"),
        pl.col(check.field).cast(pl.String).alias("value"),
        pl.lit(check.code, dtype=pl.String).alias("code"),
        check.message.cast(pl.String).alias("message"),
        (pl.col(RECORD) if RECORD in failing.columns else pl.lit(None, dtype=pl.String)).alias("record"),
    )


Parsed = tuple[pl.Expr, list[Check]]


def parse_field(frame: pl.DataFrame, field: FieldSpec, label: str, date_format: str | None) -> Parsed:
    """The typed value of ``field`` and the error frames of its unreadable cells."""
    parser = _PARSERS.get(field.kind, _text)
    return parser(frame, field, label, date_format)


def _text(frame: pl.DataFrame, field: FieldSpec, label: str, fmt: str | None) -> Parsed:
    return pl.col(field.name), []


def polars_type(kind: FieldKind) -> pl.DataType:
    """The in-memory type of a field of this kind (what the store's Arrow schema expects)."""
    types: dict[FieldKind, pl.DataType] = {
        FieldKind.MONEY: MONEY_TYPE, FieldKind.DECIMAL: DECIMAL_TYPE, FieldKind.DATE: pl.Date(),
        FieldKind.TIMESTAMP: pl.Datetime("us", "UTC"), FieldKind.INTEGER: pl.Int64(),
        FieldKind.BOOLEAN: pl.Boolean(),
    }
    return types.get(kind, pl.String())


def _date(frame: pl.DataFrame, field: FieldSpec, label: str, fmt: str | None) -> Parsed:
    """A date; a year before 1900 or after 2199 is a typo (17-03-01 read as the year 17)."""
    col = pl.col(field.name)
    value = col.str.strptime(pl.Date, fmt or ISO_DATE, strict=False)
    bad = col.is_not_null() & (value.is_null() | ~value.dt.year().is_between(1900, 2199))
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


def digit_counts(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Digits before the point (without sign and leading zeros) and significant decimals of number text.

    Plain string scans (find, strip), much cheaper than regular-expression extraction on big files.
    """
    unsigned = text.str.strip_chars_start("+-").str.strip_chars_start("0")
    point = unsigned.str.find(".", literal=True)
    whole = pl.coalesce(point, unsigned.str.len_bytes().cast(pl.Int64))
    significant = text.str.strip_chars_end("0").str.len_bytes().cast(pl.Int64)
    dot = text.str.find(".", literal=True).cast(pl.Int64)
    decimals = pl.when(dot.is_null()).then(0).otherwise(significant - dot - 1)
    return whole.cast(pl.Int64), decimals


def _decimal(frame: pl.DataFrame, field: FieldSpec, label: str, fmt: str | None) -> Parsed:
    col = pl.col(field.name)
    text = clean_number(col) if _has_separators(frame, field.name) else col
    before, after = _LIMITS[field.kind]
    whole, decimals = digit_counts(text)
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


def _has_separators(frame: pl.DataFrame, name: str) -> bool:
    """Whether any cell has thousands separators or underscores (most files have none: skip cleaning)."""
    return bool(frame.select(pl.col(name).str.contains(r"[,_]").any()).item())


def _integer(frame: pl.DataFrame, field: FieldSpec, label: str, fmt: str | None) -> Parsed:
    col = pl.col(field.name)
    text = (clean_number(col) if _has_separators(frame, field.name) else col).str.replace(r"\.0*$", "")
    ok = text.str.contains(r"^[+-]?\d{1,18}$")
    bad = col.is_not_null() & ~ok
    message = pl.format(f"{label} '{{}}' is not a whole number", col)
    value = pl.when(ok).then(text.cast(pl.Int64, strict=False)).otherwise(None)
    errors = [error_rows(frame, bad, field.name, label, codes.BAD_INTEGER, message)]
    return value, errors + _non_negative(frame, field, label, text, ok)


def _non_negative(frame: pl.DataFrame, field: FieldSpec, label: str, text: pl.Expr,
                  ok: pl.Expr) -> list[Check]:
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
