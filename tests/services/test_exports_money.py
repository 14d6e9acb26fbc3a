"""Payroll and ledger files print a paid amount with its currency's minor unit, exactly.

USD to the cent, JPY in whole yen, KWD/BHD to the fils; a currency Attain does not know keeps every
decimal it has (never cut), and so does an amount that has more decimals than its currency pays.
"""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa

from attain.services.exports import paid_text


def _text(amounts: list[str | None], currencies: list[str | None]) -> list[str | None]:
    values = pa.chunked_array([pa.array([None if a is None else Decimal(a) for a in amounts],
                                        pa.decimal128(38, 3))])
    codes = pa.chunked_array([pa.array(currencies, pa.string())])
    text: list[str | None] = paid_text(values, codes).to_pylist()
    return text


def test_each_amount_is_printed_with_its_currency_s_minor_unit() -> None:
    assert _text(["1234.5", "1235", "1234.567", "-0.005", "0", "7.1"],
                 ["USD", "JPY", "KWD", "BHD", "OMR", "EUR"]) == [
        "1234.50", "1235", "1234.567", "-0.005", "0.000", "7.10"]


def test_nothing_is_cut_and_an_empty_amount_stays_empty() -> None:
    assert _text(["1.005", "10.5", "2.125", None, "3.1"], ["USD", "JPY", "XXX", "USD", "USD"]) == [
        "1.005", "10.500", "2.125", None, "3.10"]
    assert _text([], []) == []
