"""The SQL money primitives agree with Python's Decimal to the last place."""

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from attain.plans.dialect import DUCKDB

money = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4, allow_nan=False)


def _sql(expr: str) -> Decimal:
    return duckdb.sql(f"SELECT {expr}").fetchone()[0]


def _div(a: Decimal, b: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 80
        return (a / b).quantize(Decimal("1e-10"), rounding=ROUND_HALF_UP)


@given(money, money.filter(lambda d: d != 0))
@settings(max_examples=200, deadline=None)
def test_exact_div_matches_decimal(a, b):
    assert _sql(DUCKDB.exact_div(DUCKDB.decimal(a), DUCKDB.decimal(b))) == _div(a, b)


def test_division_by_zero_is_null():
    assert _sql(DUCKDB.exact_div(DUCKDB.decimal(Decimal(1)), DUCKDB.decimal(Decimal(0)))) is None


def test_thirds_are_exact_to_ten_places():
    assert _sql(DUCKDB.exact_div(DUCKDB.decimal(Decimal(2)), DUCKDB.decimal(Decimal(3)))) == Decimal(
        "0.6666666667"
    )


@given(money, st.integers(min_value=0, max_value=4))
@settings(max_examples=200, deadline=None)
def test_round_half_even_matches_decimal(x, places):
    expected = x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    assert _sql(DUCKDB.round_half_even(DUCKDB.decimal(x), places)) == expected


def test_string_literal_escapes_quotes():
    assert _sql(DUCKDB.string("O'Brien")) == "O'Brien"
