"""Checks across rows and tables: duplicate keys, references, effective dates, reversals, splits.

References are checked against the keys already in the database (``known``) and the keys of the
same file, so a file may reference its own rows (a parent account, a reversed transaction).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import polars as pl

from attain.core.entities import REVERSAL_KINDS, EntitySpec
from attain.ingest import codes
from attain.ingest.mapping import trim_zeros
from attain.ingest.readers import LINE
from attain.ingest.types import RECORD, Check, error_rows

Known = Callable[[str], pl.Series]


def relational_checks(frame: pl.DataFrame, typed: pl.DataFrame, spec: EntitySpec, labels: dict[str, str],
                      known: Known) -> list[Check]:
    """All row-to-row and row-to-database checks of ``spec``."""
    errors = _duplicate_keys(frame, spec)
    errors += _references(frame, spec, labels, known)
    if spec.effective_dated:
        errors += _valid_range(typed, labels)
    if spec.name == "transaction":
        errors += _reversals(frame, labels)
    if spec.name == "opportunity_split":
        errors += _split_totals(frame, typed, labels)
    return errors


def _duplicate_keys(frame: pl.DataFrame, spec: EntitySpec) -> list[Check]:
    """Every repeat of a business key after its first line."""
    key = list(spec.key)
    complete = pl.all_horizontal([pl.col(k).is_not_null() for k in key])
    if not _may_repeat(frame, key):
        return []
    frame = frame.with_columns(pl.col(LINE).min().over(key).alias("__first_line__"))
    repeat = complete & pl.col(LINE).ne(pl.col("__first_line__"))
    named = " / ".join(key)
    message = pl.format(f"{spec.name} {{}} appears more than once in the file (first on line {{}}); "
                        f"{named} must be unique", pl.col(RECORD), pl.col("__first_line__"))
    return [error_rows(frame, repeat, key[0], named, codes.DUPLICATE_KEY, message)]


def _may_repeat(frame: pl.DataFrame, key: list[str]) -> bool:
    """False when all key hashes differ (then no key repeats: the common case, decided cheaply)."""
    hashed = pl.struct(key).hash() if len(key) > 1 else pl.col(key[0]).hash()
    return bool(frame.select(hashed.is_duplicated().any()).item())


def _references(frame: pl.DataFrame, spec: EntitySpec, labels: dict[str, str],
                known: Known) -> list[Check]:
    errors = []
    for field in spec.fields:
        if field.ref is None or frame.get_column(field.name).null_count() == frame.height:
            continue
        keys = _keys_of(field.ref, spec, frame, known)
        col = pl.col(field.name)
        missing = col.is_not_null() & ~col.is_in(keys.implode())
        if field.name == "reverses_id":
            code = codes.REVERSAL_UNKNOWN_ORIGINAL
            message = pl.format("reverses transaction '{}', which is neither in the database "
                                "nor in this file", col)
        else:
            code = codes.UNKNOWN_REFERENCE
            message = pl.format(f"{labels[field.name]} '{{}}' is not a known {field.ref} "
                                "(not in the database, not in this file)", col)
        errors.append(error_rows(frame, missing, field.name, labels[field.name], code, message))
    return errors


def _keys_of(entity: str, spec: EntitySpec, frame: pl.DataFrame, known: Known) -> pl.Series:
    keys = known(entity).cast(pl.String)
    if entity == spec.name and len(spec.key) == 1:
        keys = pl.concat([keys, frame.get_column(spec.key[0]).drop_nulls()])
    return keys.unique()


def _valid_range(typed: pl.DataFrame, labels: dict[str, str]) -> list[Check]:
    bad = pl.col("valid_to") < pl.col("valid_from")
    message = pl.format(f"{labels['valid_to']} {{}} is before {labels['valid_from']} {{}}",
                        pl.col("valid_to").cast(pl.String), pl.col("valid_from").cast(pl.String))
    return [error_rows(typed, bad, "valid_to", labels["valid_to"], codes.VALID_TO_BEFORE_FROM, message)]


def _reversals(frame: pl.DataFrame, labels: dict[str, str]) -> list[Check]:
    bad = pl.col("kind").is_in(list(REVERSAL_KINDS)) & pl.col("reverses_id").is_null()
    message = pl.format(f"a {{}} must name the transaction it reverses ({labels['reverses_id']} is empty)",
                        pl.col("kind"))
    return [error_rows(frame, bad, "reverses_id", labels["reverses_id"],
                       codes.REVERSAL_WITHOUT_ORIGINAL, message)]


def _split_totals(frame: pl.DataFrame, typed: pl.DataFrame, labels: dict[str, str]) -> list[Check]:
    """The percents of one opportunity's split rows in the file must total exactly 100."""
    rows = typed.with_columns(frame.get_column("percent").alias("__percent_text__"),
                              pl.col("percent").sum().over("opportunity_id").alias("__split_total__"))
    total = pl.col("__split_total__")
    bad = pl.col("opportunity_id").is_not_null() & (total != pl.lit(Decimal(100)))
    message = pl.format("the split percents of opportunity {} total {}, not 100",
                        pl.col("opportunity_id"), trim_zeros(total.cast(pl.String)))
    return [error_rows(rows, bad, "__percent_text__", labels["percent"], codes.SPLIT_NOT_100, message)]
