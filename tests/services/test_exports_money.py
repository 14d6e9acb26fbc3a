"""Payroll and ledger files print a paid amount with its currency's minor unit, exactly.

USD to the cent, JPY in whole yen, KWD/BHD to the fils; a currency Attain does not know keeps every
decimal it has (never cut), and so does an amount that has more decimals than its currency pays.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from attain.services.exports import apply_layout, paid_text, write_csv


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


def _table() -> pa.Table:
    return pa.table({
        "payee_id": ["K1", 'Al "The Closer", Jr.', None],
        "pay_date": pa.array([date(2017, 1, 31), date(2017, 2, 28), None], pa.date32()),
        "explanation": ["line one\nline two", "", "x;y"],
        "lines": pa.array([1, None, 3], pa.int64()),
        "amount": pa.array([Decimal("1.5000000000"), None, Decimal("-2")], pa.decimal128(38, 10)),
    })


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_csv_is_written_as_arrow_writes_it(tmp_path: Path, delimiter: str) -> None:
    """Same bytes as pyarrow's writer (quoted text, bare numbers and dates), for files without paid text."""
    for table in (_table(), _table().slice(0, 0)):
        write_csv(table, tmp_path / "ours.csv", delimiter)
        pacsv.write_csv(table, tmp_path / "arrow.csv", pacsv.WriteOptions(delimiter=delimiter))
        assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "arrow.csv").read_bytes()


def test_paid_amounts_are_written_bare_like_the_numbers_they_are(tmp_path: Path) -> None:
    amounts = pa.chunked_array([pa.array([Decimal("35.004"), Decimal("227.88")], pa.decimal128(38, 3))])
    currencies = pa.chunked_array([pa.array(["KWD", "USD"])])
    table = pa.table({"currency": currencies, "gross_amount": paid_text(amounts, currencies)})
    renamed = apply_layout(table, {"columns": {"Amount": "gross_amount", "Code": {"value": "COMM"}}})

    write_csv(renamed, tmp_path / "payroll.csv", ";")

    assert (tmp_path / "payroll.csv").read_text() == '"Amount";"Code"\n35.004;"COMM"\n227.88;"COMM"\n'
