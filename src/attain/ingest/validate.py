"""Validate mapped rows against an entity spec, column by column, and type them for the store.

Every check is a Polars expression over whole columns; a failing cell becomes one row of an error
frame (line, column, value, code, message), and only those rows become ``Issue`` values. The rows
that pass are returned as a typed Arrow table (dates, exact decimals, integers) ready for the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
import pyarrow as pa

from attain.core.entities import EntitySpec, FieldKind, FieldSpec
from attain.core.errors import Issue, Source
from attain.core.money import MINOR_UNITS
from attain.ingest import codes
from attain.ingest.mapping import NUMBER_PATTERN, MappedRows, clean_number
from attain.ingest.readers import LINE
from attain.ingest.rules import relational_checks
from attain.ingest.types import (
    ERROR_SCHEMA,
    RECORD,
    Check,
    digit_counts,
    error_rows,
    evaluate,
    evaluate_with,
    parse_field,
    polars_type,
)

TYPED = "__typed__"

KnownKeys = Callable[[str], pl.Series]
"""Business keys of an entity already in the database (the importer passes a store lookup)."""


@dataclass(frozen=True)
class ValidatedRows:
    """Typed rows (entity fields + ``__line__``) and every issue found; importable when no errors."""

    table: pa.Table
    issues: list[Issue]

    @property
    def ok(self) -> bool:
        return not any(issue.is_error for issue in self.issues)

    @property
    def rejected_lines(self) -> list[int]:
        return sorted({issue.source.line for issue in self.issues if issue.source.line is not None})


def no_known_keys(entity: str) -> pl.Series:
    """For validating a file alone: nothing is in the database."""
    return pl.Series(entity, [], dtype=pl.String)


def validate(mapped: MappedRows, spec: EntitySpec, known: KnownKeys = no_known_keys) -> ValidatedRows:
    """Check every row of ``mapped`` against ``spec``; references are looked up with ``known``."""
    frame = _complete(mapped.frame, spec)
    labels = {f.name: mapped.labels.get(f.name, f.name) for f in spec.fields}
    checks: list[Check] = []
    typed: list[pl.Expr] = []
    for field in spec.fields:
        if field.name not in mapped.frame.columns:  # not in the file: its default (or empty) applies
            typed.append(pl.lit(None, dtype=polars_type(field.kind)).alias(TYPED + field.name))
            continue
        value, problems = parse_field(frame, field, labels[field.name], mapped.date_formats.get(field.name))
        typed.append(value.alias(TYPED + field.name))
        checks += problems
        checks += _required(frame, field, labels[field.name], spec)
    checks += _money_decimals(frame, spec, labels, set(mapped.frame.columns))
    errors, both = evaluate_with(frame, checks, typed)
    typed_frame = both.select(*[pl.col(TYPED + f.name).alias(f.name) for f in spec.fields], LINE, RECORD)
    errors += evaluate(relational_checks(frame, typed_frame, spec, labels, known))
    issues = to_issues(errors, mapped.path, spec)
    return ValidatedRows(typed_frame.select([*spec.names, LINE]).to_arrow(), mapped.issues + issues)


def _complete(frame: pl.DataFrame, spec: EntitySpec) -> pl.DataFrame:
    """Every entity field as a text column; empty cells take the field's default; the record key."""
    absent = [pl.lit(None, dtype=pl.String).alias(f.name) for f in spec.fields if f.name not in frame.columns]
    frame = frame.with_columns(absent)
    frame = frame.with_columns(
        [pl.col(f.name).fill_null(f.default).alias(f.name) for f in spec.fields if f.default is not None]
    )
    record = pl.concat_str([pl.col(k).fill_null("?") for k in spec.key], separator=" / ")
    return frame.with_columns(record.alias(RECORD))


def _required(frame: pl.DataFrame, field: FieldSpec, label: str, spec: EntitySpec) -> list[Check]:
    if not field.required:
        return []
    return [error_rows(frame, pl.col(field.name).is_null(), field.name, label, codes.REQUIRED_MISSING,
                       pl.lit(f"{label} is empty, but every {spec.name} needs one"))]


def _minor_unit(spec: EntitySpec) -> tuple[pl.Expr, pl.Expr]:
    """Each row's currency and its minor unit (USD 2, JPY 0, KWD 3).

    An entity without a currency column (a plan assignment's target incentive, in the payee's
    currency) may use as many decimals as any currency pays: the store keeps 3, nothing is cut.
    """
    if "currency" not in spec.names:
        return pl.lit("any currency"), pl.lit(max(MINOR_UNITS.values()), dtype=pl.Int64)
    currency = pl.col("currency").str.to_uppercase()
    return currency, currency.replace_strict(MINOR_UNITS, default=2, return_dtype=pl.Int64)


def _money_decimals(frame: pl.DataFrame, spec: EntitySpec, labels: dict[str, str],
                    given: set[str]) -> list[Check]:
    """A money amount may not have more decimals than its currency pays (USD: cents, JPY: none, KWD: fils)."""
    currency, minor = _minor_unit(spec)
    out = []
    for field in spec.fields:
        if field.kind is not FieldKind.MONEY or field.name not in given:
            continue
        text = clean_number(pl.col(field.name))
        _, decimals = digit_counts(text)
        bad = text.str.contains(NUMBER_PATTERN) & (decimals > minor)
        message = pl.format(
            f"{labels[field.name]} {{}} has more decimals than {{}} allows ({{}})",
            pl.col(field.name), currency.fill_null("USD"), minor.cast(pl.String),
        )
        out.append(error_rows(frame, bad, field.name, labels[field.name], codes.TOO_MANY_DECIMALS, message))
    return out


def to_issues(errors: list[pl.DataFrame], path: str, spec: EntitySpec) -> list[Issue]:
    """Error frames -> Issues, sorted by line then code (only the failing cells reach Python)."""
    frames = [e for e in errors if e.height]
    if not frames:
        return []
    table = pl.concat(frames, how="vertical").sort([LINE, "code", "column"])
    return [
        Issue(row["code"], row["message"], source=Source(file=path, line=row[LINE], column=row["column"]),
              value=row["value"], record=f"{spec.name} {row['record']}" if row["record"] else None)
        for row in table.iter_rows(named=True)
    ]


__all__ = ["ERROR_SCHEMA", "KnownKeys", "ValidatedRows", "no_known_keys", "to_issues", "validate"]
