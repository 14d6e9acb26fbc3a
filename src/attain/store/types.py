"""Column types that keep values exact on every backend: decimals, UTC timestamps and JSON documents.

PostgreSQL stores decimals as NUMERIC(p, s). SQLite has no exact decimal type (its NUMERIC affinity
turns '12.30' into a float), so there a decimal is stored as canonical text with exactly ``s``
places ('12.30'), which round-trips exactly and compares equal when the value is equal.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

from sqlalchemy import JSON, DateTime, Numeric, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class DecimalOverflow(ValueError):
    """A value that does not fit its column without losing digits."""


def fit_decimal(value: object, precision: int, scale: int) -> Decimal:
    """Return ``value`` at exactly ``scale`` places; refuse a value that would lose digits."""
    if not isinstance(value, Decimal):
        if isinstance(value, (float, bool)) or not isinstance(value, (int, str)):
            raise DecimalOverflow(f"refusing inexact value {value!r} for a decimal column")
        try:
            value = Decimal(value)
        except InvalidOperation as exc:
            raise DecimalOverflow(f"not a number: {value!r}") from exc
    if not value.is_finite():
        raise DecimalOverflow(f"not a finite number: {value!r}")
    with localcontext() as context:
        context.prec = 80
        quantized = value.quantize(Decimal(1).scaleb(-scale))
    if quantized != value:
        raise DecimalOverflow(f"{value} has more than {scale} decimal places")
    if quantized.adjusted() >= precision - scale:
        raise DecimalOverflow(f"{value} has more than {precision - scale} digits before the point")
    return quantized


class ExactDecimal(TypeDecorator[Decimal]):
    """NUMERIC(precision, scale) on PostgreSQL, canonical decimal text on SQLite; always Decimal.

    With ``read_places`` a value read back drops the trailing zeros it has beyond that many places
    (money is kept with 3 places, read as 250.00 for 250.000 and as 43.215 for 43.215): the same
    number, written as a 2-decimal currency has always been.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int, read_places: int | None = None) -> None:
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.precision = precision
        self.scale = scale
        self.read_places = read_places
        self._read_quantum = None if read_places is None else Decimal(1).scaleb(-read_places)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        exact = fit_decimal(value, self.precision, self.scale)
        return str(exact) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        exact = value if isinstance(value, Decimal) else Decimal(str(value))
        if self._read_quantum is not None:
            shorter = exact.quantize(self._read_quantum)
            return shorter if shorter == exact else exact
        return exact

    def __repr__(self) -> str:
        return f"ExactDecimal({self.precision}, {self.scale})"


SQLITE_TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
"""How a UTC timestamp is written as text on SQLite (sorts chronologically)."""


class UtcDateTime(TypeDecorator[dt.datetime]):
    """TIMESTAMP WITH TIME ZONE on PostgreSQL, UTC text on SQLite; always an aware UTC datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise ValueError(f"not a date-time: {value!r}")
        aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        utc = aware.astimezone(dt.UTC)
        return utc.strftime(SQLITE_TIMESTAMP_FORMAT) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
        return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)

    def __repr__(self) -> str:
        return "UtcDateTime()"


def dumps_json(value: Any) -> str:
    """Serialize a JSON document canonically (sorted keys, no spaces), so equal documents compare equal."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


JsonDocument = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
"""A JSON document: JSONB on PostgreSQL (comparable, indexable), JSON text on SQLite; None is SQL NULL."""
