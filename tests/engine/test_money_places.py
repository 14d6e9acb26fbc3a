"""Money to the fils in the engine: 3-decimal currencies (KWD, BHD, JOD, OMR, TND) are credited and
earned exactly; an amount with more decimals than its currency pays is refused with its line, read
from CSV or from a Parquet file in place."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from attain.core.errors import AttainError
from attain.engine import calculate, load_folder
from attain.engine.input_files import checked_file
from attain.engine.inputs import MONEY_TYPE, money_places, money_type_fits
from tests.engine.builders import company, credits_of, plan, run

D = Decimal
PAYEES = [{"payee_id": "ann", "name": "Ann"}]
ON_PLAN = [{"payee_id": "ann", "plan_id": "ae", "valid_from": "2025-01-01"}]
OWNER = [{"id": "owner", "kind": "owner"}]


def _kwd(amounts: list[str]) -> list[dict[str, str]]:
    return [
        {"transaction_id": f"t{i}", "date": "2025-02-01", "amount": a, "currency": "KWD", "owner_id": "ann"}
        for i, a in enumerate(amounts, start=1)
    ]


def test_kuwaiti_deals_are_credited_and_earned_to_the_fils():
    inputs = company(payee=PAYEES, plan_assignment=ON_PLAN, transaction=_kwd(["12.345", "1000.001"]))
    result = run(inputs, plan(OWNER, currency="KWD"))
    assert credits_of(result, "transaction_id", "credit") == [("t1", D("12.345")), ("t2", D("1000.001"))]
    (total,) = result.component_totals.to_pylist()
    assert total["amount"] == D("101.2346")  # 10% of 1,012.346, unrounded
    assert total["amount_rounded"] == D("101.235")  # half-even to the fils
    assert result.issues == []


@pytest.mark.parametrize(
    ("amount", "currency"), [("1.005", "USD"), ("12.5", "JPY"), ("1.0001", "KWD"), ("2.125", None)]
)
def test_more_decimals_than_the_currency_pays_is_refused_with_its_line(amount, currency):
    row = {"transaction_id": "t1", "date": "2025-02-01", "amount": amount, "owner_id": "ann"}
    if currency:
        row["currency"] = currency
    with pytest.raises(AttainError) as caught:
        run(company(payee=PAYEES, plan_assignment=ON_PLAN, transaction=[row]), plan(OWNER))
    (issue,) = caught.value.issues
    assert issue.code == "CALC001" and issue.source is not None
    assert (issue.source.line, issue.source.column) == (1, "amount")


def test_money_types_the_engine_takes_as_they_are():
    assert money_type_fits(pa.decimal128(18, 2)) and money_type_fits(MONEY_TYPE)
    assert not money_type_fits(pa.decimal128(24, 10)) and not money_type_fits(pa.float64())
    assert not money_type_fits(pa.decimal128(20, 3))  # 17 digits before the point
    assert (money_places("kwd"), money_places("JPY"), money_places("XYZ"), money_places(None)) == (3, 0, 2, 3)


def _parquet(folder: Path, rows: list[dict[str, str]]) -> Path:
    folder.mkdir()
    path = folder / "transaction.parquet"
    table = pa.table(
        {
            "transaction_id": [r["transaction_id"] for r in rows],
            "kind": ["booking"] * len(rows),
            "date": pa.array([pa.scalar(r["date"]).cast(pa.date32()).as_py() for r in rows], pa.date32()),
            "amount": pa.array([D(r["amount"]) for r in rows], MONEY_TYPE),
            "currency": [r["currency"] for r in rows],
            "owner_id": [r["owner_id"] for r in rows],
        }
    )
    pq.write_table(_with_all_fields(table), path)
    return path


def _with_all_fields(table: pa.Table) -> pa.Table:
    from attain.core.entities import ENTITIES
    from attain.engine.inputs import arrow_schema

    schema = arrow_schema(ENTITIES["transaction"])
    columns = {}
    for field in schema:
        if field.name in ("source_file", "source_line"):
            continue
        columns[field.name] = table.column(field.name) if field.name in table.column_names else pa.nulls(
            table.num_rows, field.type
        )
    return pa.table(columns)


def test_a_parquet_file_with_fils_is_read_in_place_and_a_usd_one_with_fils_is_not(tmp_path):
    kwd = _parquet(tmp_path / "kwd", _kwd(["12.345"]))
    assert checked_file("transaction", kwd) is not None
    inputs = load_folder(kwd.parent)
    assert inputs.file("transaction") is not None
    for name, rows in (("payee", PAYEES), ("plan_assignment", ON_PLAN)):
        pacsv.write_csv(pa.table({k: [r[k] for r in rows] for k in rows[0]}), kwd.parent / f"{name}.csv")
    result = calculate(load_folder(kwd.parent), [plan(OWNER, currency="KWD")], ["2025-Q1"])
    assert credits_of(result, "credit") == [(D("12.345"),)]
    usd = _parquet(tmp_path / "usd", [{**_kwd(["1.005"])[0], "currency": "USD"}])
    assert checked_file("transaction", usd) is None  # the ordinary reader reports it
    with pytest.raises(AttainError) as caught:
        load_folder(usd.parent)
    assert caught.value.issues[0].code == "CALC001" and caught.value.issues[0].source.line == 1


def test_a_split_of_an_amount_with_fils_takes_the_exact_product():
    """The 64-bit fast path reads the amount at 2 places: an amount with fils must not take it."""
    payees = [*PAYEES, {"payee_id": "bob", "name": "Bob"}]
    deal = {**_kwd(["12.345"])[0], "opportunity_id": "o1"}
    splits = [
        {"opportunity_id": "o1", "payee_id": "ann", "percent": "50"},
        {"opportunity_id": "o1", "payee_id": "bob", "percent": "50"},
    ]
    inputs = company(payee=payees, plan_assignment=ON_PLAN, transaction=[deal], opportunity_split=splits)
    result = run(inputs, plan([{"id": "team", "kind": "split"}], currency="KWD"))
    assert credits_of(result, "payee_id", "credit") == [("ann", D("6.1725")), ("bob", D("6.1725"))]


@pytest.mark.parametrize("explanations", [True, False])
def test_a_kuwaiti_line_is_explained_to_the_fils(explanations):
    """The sentence prints the plan currency's places: 1,000.001 KWD at 10% is 100.0001, paid as
    100.000 (not '1,000.00 ... = 100.00'), whether SQL wrote it or the statement renders it."""
    from attain.core.money import MINOR_UNITS
    from attain.engine import CalcOptions
    from attain.explain.statement import build_statement

    assert MINOR_UNITS["KWD"] == 3
    inputs = company(payee=PAYEES, plan_assignment=ON_PLAN, transaction=_kwd(["1000.001"]))
    result = run(inputs, plan(OWNER, currency="KWD"), options=CalcOptions(explanations=explanations))
    statement = build_statement(result, "ann", "2025-Q1")
    (sentence,) = [line.earning["explanation"] for c in statement.components for line in c.lines]
    assert "1,000.001" in sentence and sentence.endswith("100.000")
    assert "1,000.00 " not in sentence
