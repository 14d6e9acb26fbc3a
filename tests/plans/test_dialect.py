"""The SQL money primitives agree with Python's Decimal to the last place."""

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext

import duckdb
import pytest
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


# -- mul: the narrow fast path equals the exact product rounded half away from zero ---------------

amounts = st.decimals(min_value=Decimal("-1e10"), max_value=Decimal("1e10"), places=10, allow_nan=False)
factors = st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("1e6"), places=10, allow_nan=False) | (
    st.sampled_from(["0", "0.04", "1.5", "0.125", "2500", "0.0000000001", "99999999.99"]).map(Decimal)
)


def _mul(a: Decimal, b: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 80
        return (a * b).quantize(Decimal("1e-10"), rounding=ROUND_HALF_UP)


@given(amounts, factors)
@settings(max_examples=300, deadline=None)
def test_mul_by_a_constant_matches_decimal(a, b):
    column = f"CAST('{a:f}' AS DECIMAL(38, 10))"
    assert _sql(DUCKDB.mul(column, b)) == _mul(a, b)
    assert _sql(DUCKDB.mul(column, f"CAST('{b:f}' AS DECIMAL(38, 10))")) == _mul(a, b)  # the wide path


@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2, allow_nan=False), factors)
@settings(max_examples=100, deadline=None)
def test_mul_with_a_declared_scale_matches_decimal(a, b):
    assert _sql(DUCKDB.mul(f"CAST('{a:f}' AS DECIMAL(38, 10))", b, a_scale=2)) == _mul(a, b)


def test_mul_takes_the_narrow_path_only_below_the_guard():
    sql = DUCKDB.mul("x", Decimal("0.04"))
    assert "DECIMAL(18, 2)" in sql and "abs(x) <= CAST('24999999.9999999999' AS DECIMAL(38, 10))" in sql
    assert "DECIMAL(18" not in DUCKDB.mul("x", Decimal("1e18"))  # 10^18 needs 19 digits
    assert "DECIMAL(18" not in DUCKDB.mul("x", Decimal(0))  # nothing to gain
    edge = "CAST('24999999.9999999999' AS DECIMAL(38, 10))"  # the largest amount on the narrow path
    assert _sql(DUCKDB.mul(edge, Decimal("0.04"))) == Decimal("1000000.0000000000")
    assert _sql(DUCKDB.mul("CAST('1' AS DECIMAL(38, 10))", Decimal("0.5"))) == Decimal("0.5")
    assert _sql(DUCKDB.mul("CAST('0.0000000001' AS DECIMAL(38, 10))", Decimal("0.5"))) == Decimal("1e-10")
    assert _sql(DUCKDB.mul("CAST('-0.0000000001' AS DECIMAL(38, 10))", Decimal("0.5"))) == Decimal("-1e-10")
    assert _sql(DUCKDB.mul("CAST(NULL AS DECIMAL(38, 10))", Decimal("0.5"))) is None


def test_mul_keeps_constants_at_ten_places_like_their_cast():
    one = "CAST('1' AS DECIMAL(38, 10))"
    assert _sql(DUCKDB.mul(one, Decimal("0.00000000005"))) == Decimal("1e-10")  # half away from zero
    assert _sql(DUCKDB.mul(one, Decimal("-0.00000000004"))) == Decimal(0)
    with pytest.raises(ValueError, match="finite"):
        DUCKDB.mul("x", Decimal("NaN"))
