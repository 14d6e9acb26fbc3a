"""Every money primitive gives the same value on Spark as on DuckDB (and as Python's Decimal).

One query per batch: the values travel as an Arrow table, every primitive is one column, so a
Hypothesis example costs one Spark job. Edge values are listed by hand: halves at each place,
negative halves, divisors down to 10^-10, quotients above 10^19 units (the long-division path),
and the largest amounts DuckDB's HUGEINT arithmetic still takes.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attain.engine.executors.spark import SparkExecutor
from attain.engine.executors.spark_dialect import SPARK
from attain.plans.dialect import DUCKDB, Dialect
from tests.conformance.conftest import spark_options

pytestmark = pytest.mark.usefixtures("spark_context")

CALC = pa.decimal128(38, 10)
EDGES = [
    Decimal("0"),
    Decimal("1"),
    Decimal("-1"),
    Decimal("0.005"),
    Decimal("-0.005"),
    Decimal("0.015"),
    Decimal("2.5"),
    Decimal("-2.5"),
    Decimal("0.0000000001"),
    Decimal("-0.0000000001"),
    Decimal("0.0000000005"),
    Decimal("1234567.8912345678"),
    Decimal("-99999999.9999999999"),
    Decimal("999999999999999.99"),
    Decimal("-999999999999999.99"),
    Decimal("3"),
    Decimal("7"),
    Decimal("0.3333333333"),
    Decimal("1e15"),
    Decimal("0.0000000003"),
]
money = st.decimals(min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=10, allow_nan=False)
rates = st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("1e6"), places=6, allow_nan=False) | (
    st.sampled_from(
        [Decimal("0.04"), Decimal("1.5"), Decimal("0.125"), Decimal("0.0000000001"), Decimal("2500")]
    )
)


def _divided(a: Decimal, b: Decimal) -> Decimal | None:
    if b == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 80
        return (a / b).quantize(Decimal("1e-10"), rounding=ROUND_HALF_UP)


def _columns(d: Dialect, places: int, rate: Decimal) -> str:
    return ", ".join(
        [
            f"{d.exact_div('a', 'b')} AS quotient",
            f"{d.round_half_even('a', places)} AS rounded",
            f"{d.mul('a', rate)} AS times_rate",
            f"{d.mul('a', 'c')} AS product",
            f"{d.calc('a')} AS calc",
        ]
    )


def _values(pairs: list[tuple[Decimal, Decimal]]) -> pa.Table:
    return pa.table(
        {
            "n": pa.array(range(len(pairs)), pa.int64()),
            "a": pa.array([a for a, _ in pairs], CALC),
            "b": pa.array([b for _, b in pairs], CALC),
            # the second factor of a product, where the product fits DECIMAL(38, 20) (else 0)
            "c": pa.array([b if abs(a * b) < Decimal("1e17") else Decimal(0) for a, b in pairs], CALC),
        }
    )


Rows = list[dict[str, Any]]


def _both(pairs: list[tuple[Decimal, Decimal]], places: int, rate: Decimal) -> tuple[Rows, Rows]:
    table = _values(pairs)
    embedded = duckdb.connect()
    embedded.register("v", table)
    duck = embedded.execute(f"SELECT n, {_columns(DUCKDB, places, rate)} FROM v ORDER BY n").to_arrow_table()
    ex = SparkExecutor.from_options(spark_options())
    try:
        ex.register("v", table)
        spark = ex.fetch(f"SELECT n, {_columns(SPARK, places, rate)} FROM v ORDER BY n")
    finally:
        ex.close()
    return duck.to_pylist(), spark.to_pylist()


def test_edge_values_agree_with_duckdb_and_decimal() -> None:
    pairs = [(a, b) for a in EDGES for b in EDGES]
    duck, spark = _both(pairs, 2, Decimal("0.125"))
    assert spark == duck
    for (a, b), row in zip(pairs, spark, strict=True):
        assert row["quotient"] == _divided(a, b), (a, b)
        assert row["rounded"] == a.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def test_quotients_beyond_nineteen_digits_take_the_long_division() -> None:
    """a / b above 10^9 (10^19 units): the high and low halves of the dividend both count."""
    pairs = [
        (Decimal("999999999999999.99"), Decimal("0.0000000003")),
        (Decimal("-123456789012345.67"), Decimal("0.0000000007")),
        (Decimal("10000000"), Decimal("0.0000000001")),
    ]
    duck, spark = _both(pairs, 0, Decimal(1))
    assert [r["quotient"] for r in spark] == [_divided(a, b) for a, b in pairs]
    assert spark == duck


@settings(max_examples=8, deadline=None)
@given(st.lists(st.tuples(money, money), min_size=1, max_size=40), st.integers(0, 10), rates)
def test_random_values_agree(pairs: list[tuple[Decimal, Decimal]], places: int, rate: Decimal) -> None:
    duck, spark = _both(pairs, places, rate)
    assert spark == duck


def test_text_date_and_json_primitives_agree() -> None:
    table = pa.table(
        {
            "d1": pa.array([date(2024, 2, 29), date(2025, 12, 31)], pa.date32()),
            "d2": pa.array([date(2023, 1, 1), date(2026, 3, 1)], pa.date32()),
            "j": pa.array(['{"quota split": "0.5", "tier": "2", "o\'k": "yes"}', '{"tier": null}']),
        }
    )

    def d_cols(d: Dialect) -> str:
        quoted, text, prefix = "o'k", "O'Brien \\ sons", '{"quota'
        return ", ".join(
            [
                f"{d.date_part('year', 'd1')} AS y",
                f"{d.date_part('quarter', 'd1')} AS q",
                f"{d.date_part('month', 'd1')} AS m",
                f"{d.date_part('day', 'd1')} AS dd",
                f"{d.days_between('d2', 'd1')} AS days",
                f"{d.json_text('j', 'quota split')} AS split",
                f"{d.json_text('j', 'tier')} AS tier",
                f"{d.json_text('j', 'missing')} AS missing",
                f"{d.json_text('j', quoted)} AS quoted",
                f"{d.string(text)} AS text",
                f"{d.starts_with('j', d.string(prefix))} AS starts",
                f"{d.date_literal(date(2025, 1, 31))} AS day",
                f"{d.decimal(Decimal('1.00000000005'))} AS lit",
            ]
        )

    embedded = duckdb.connect()
    embedded.register("t", table)
    duck = embedded.execute(f"SELECT {d_cols(DUCKDB)} FROM t").to_arrow_table()
    ex = SparkExecutor.from_options(spark_options())
    try:
        ex.register("t", table)
        spark = ex.fetch(f"SELECT {d_cols(SPARK)} FROM t")
    finally:
        ex.close()
    assert spark.to_pylist() == duck.to_pylist()
    assert spark.schema.types == duck.schema.types
