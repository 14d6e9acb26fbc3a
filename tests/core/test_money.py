"""Money is exact and rounds half-even at the payout line."""

from decimal import Decimal

import pytest

from attain.core.money import Money, MoneyError, round_payout, to_decimal


def test_floats_are_refused():
    with pytest.raises(MoneyError):
        to_decimal(0.1)


def test_text_is_parsed_exactly():
    assert to_decimal("1,234.505") == Decimal("1234.505")


@pytest.mark.parametrize(("raw", "expected"), [("2.345", "2.34"), ("2.355", "2.36"), ("-2.345", "-2.34")])
def test_payout_rounding_is_half_even(raw, expected):
    assert round_payout(Decimal(raw), "USD") == Decimal(expected)


def test_yen_has_no_minor_unit():
    assert round_payout(Decimal("100.5"), "JPY") == Decimal("100")


def test_currencies_do_not_mix():
    with pytest.raises(MoneyError):
        Money.of("1", "USD") + Money.of("1", "EUR")
