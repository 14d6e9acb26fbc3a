"""The set-based metric computation (exact division, changes and percentiles in DuckDB) agrees
with a plain-Python reference (``Decimal`` division, ``bisect`` percentiles) on every metric of the
sample company, by payee, manager and product, for a quarter and a month; and the SQL division is
exact and half-even where a float would not be."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from decimal import ROUND_HALF_EVEN, Decimal

import duckdb
import pyarrow as pa
import pytest

from attain.analytics.catalog import METRICS
from attain.analytics.compute import (
    PERCENTILE_QUANTUM,
    MetricValue,
    compute_metrics,
    divide,
    exact_division_sql,
    metric_query,
    parse_period,
    slice_column,
)
from attain.analytics.views import PRORATION_MACROS, connect

Expected = tuple[Decimal | None, Decimal | None, Decimal | None, Decimal | None]


def reference(con: duckdb.DuckDBPyConnection, by: str, period: str) -> dict[tuple[str, str], Expected]:
    """The former Python computation: parts from SQL, then Decimal division and bisect percentiles."""
    window = parse_period(period)
    rows = con.sql(metric_query(slice_column(by), window, list(METRICS))).to_arrow_table().to_pylist()

    def dec(value: object) -> Decimal | None:
        if value is None:
            return None
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))

    out: dict[tuple[str, str], Expected] = {}
    for entry in METRICS:
        ratio = entry.denominator is not None
        values = {}
        for row in rows:
            value = divide(dec(row[f"{entry.name}:num"]), dec(row[f"{entry.name}:den"]), ratio)
            prev = divide(dec(row.get(f"{entry.name}:prev_num")), dec(row.get(f"{entry.name}:prev_den")),
                          ratio)
            values[row["slice"] if row["slice"] is not None else "(none)"] = (value, prev)
        peers = sorted(v for v, _ in values.values() if v is not None)
        for label, (value, prev) in values.items():
            rank = None
            if value is not None and len(peers) > 1:
                worse = (len(peers) - bisect_right(peers, value) if entry.direction == "lower"
                         else bisect_left(peers, value))
                share = Decimal(worse) / Decimal(len(peers) - 1)
                rank = share.quantize(PERCENTILE_QUANTUM, ROUND_HALF_EVEN)
            change = value - prev if value is not None and prev is not None else None
            out[(label, entry.name)] = (value, prev, change, rank)
    return out


@pytest.mark.parametrize("by", ["payee", "manager", "product"])
@pytest.mark.parametrize("period", ["2017-Q3", "2017-06"])
def test_set_based_metrics_equal_the_python_reference(
    sample_tables: dict[str, pa.Table], by: str, period: str
) -> None:
    con = connect(sample_tables)
    try:
        got = compute_metrics(con, by, period)
        expected = reference(con, by, period)
    finally:
        con.close()
    assert len(got) == len(expected) > 0
    for item in got:
        value, prev, change, rank = expected[(item.slice, item.metric)]
        assert (item.value, item.previous, item.change, item.percentile) == (value, prev, change, rank), item
        if item.value is not None:
            assert str(item.value) == str(value), item  # same digits, not only the same number
    assert any(i.change is not None and i.change < 0 for i in got)  # falling figures are covered
    assert any(i.percentile == 1 for i in got) and any(i.percentile == 0 for i in got)


@pytest.mark.parametrize(
    ("num", "den", "expected"),
    [
        ("1", "3", "0.3333333333"),
        ("2", "3", "0.6666666667"),
        ("-2", "3", "-0.6666666667"),
        ("0.00000000005", "1", "0.0000000000"),  # half to even: down to 0
        ("0.00000000015", "1", "0.0000000002"),  # half to even: up to 2
        ("-0.00000000025", "1", "-0.0000000002"),
        ("123456789012.34", "0.07", "1763668414462.0000000000"),
        ("5", "0", None),
    ],
)
def test_exact_division_is_half_even_integer_arithmetic(num: str, den: str, expected: str | None) -> None:
    con = duckdb.connect()
    try:
        for macro in PRORATION_MACROS:
            con.execute(macro)
        kind = "DECIMAL(38,11)" if "." in num else "DECIMAL(38,0)"
        den_kind = "DECIMAL(38,2)" if "." in den else "DECIMAL(38,0)"
        sql = exact_division_sql(f"CAST({num} AS {kind})", kind, f"CAST({den} AS {den_kind})", den_kind)
        (value,) = con.execute(f"SELECT {sql}").fetchone()  # type: ignore[misc]
    finally:
        con.close()
    assert value == (None if expected is None else Decimal(expected))
    if expected is not None:
        assert format(value, "f") == expected
        assert Decimal(num) / Decimal(den) - value <= Decimal("0.00000000005")


def test_metric_values_are_decimals(sample_tables: dict[str, pa.Table]) -> None:
    con = connect(sample_tables)
    try:
        values = compute_metrics(con, "payee", "2017-Q3", ["win_rate", "revenue", "median_sales_cycle_days"])
    finally:
        con.close()
    assert all(isinstance(v, MetricValue) for v in values)
    for v in values:
        for part in (v.value, v.numerator, v.denominator, v.previous, v.change, v.percentile):
            assert part is None or isinstance(part, Decimal), v


def test_the_leaderboard_ranks_in_sql_as_the_catalog_values_say(sample_tables: dict[str, pa.Table]) -> None:
    from attain.analytics.dashboards import leaderboard
    from attain.analytics.panels import payee_names

    con = connect(sample_tables)
    try:
        names = payee_names(con)
        panel = leaderboard(con, parse_period("2017-Q3"), names)
        values = compute_metrics(con, "payee", "2017-Q3", ["revenue", "won_deals", "win_rate"])
    finally:
        con.close()
    by_payee: dict[str, dict[str, Decimal | None]] = {}
    for v in values:
        by_payee.setdefault(v.slice, {})[v.metric] = v.value
    expected = sorted(by_payee, key=lambda p: (-(by_payee[p]["revenue"] or 0), names.get(p, p)))
    assert [row["payee"] for row in panel.rows] == expected
    assert [row["rank"] for row in panel.rows] == list(range(1, len(expected) + 1))
    for row in panel.rows:
        assert row["name"] == names.get(row["payee"], row["payee"])
        assert (row["revenue"], row["win_rate"]) == (by_payee[row["payee"]]["revenue"],
                                                     by_payee[row["payee"]]["win_rate"])
