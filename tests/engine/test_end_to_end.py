"""End to end in file mode: a folder of CSV files and a plan YAML in, exact earnings and files out."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from attain.core.errors import AttainError
from attain.engine import CalcOptions, explain_line
from attain.engine.filemode import calculate_folder, write_result
from tests.engine.builders import D, company, plan, run

PLAN_YAML = """
plan: ae
version: 1
effective_from: 2025-01-01
pay_period: quarter
credit_rules:
  - id: team
    kind: split
  - id: managers
    kind: rollup
measures:
  - id: bookings
components:
  - id: commission
    kind: tiered
    measure: bookings
    tiers:
      - {from: 0, to: 2000, rate: 5%}
      - {from: 2000, rate: 10%}
"""

FILES = {
    "payee.csv": "payee_id,name\nann,Ann\nbob,Bob\nmia,Mia\n",
    "reporting_line.csv": (
        "payee_id,manager_id,valid_from,valid_to\nann,mia,2024-01-01,\nbob,mia,2024-01-01,\n"
    ),
    "transaction.csv": (
        "transaction_id,kind,date,amount,owner_id,opportunity_id,reverses_id\n"
        "t1,booking,2025-01-10,1000.00,ann,,\n"
        "t2,booking,2025-02-10,3000.00,ann,o2,\n"
        "t3,booking,2025-04-05,500.00,bob,,\n"
        "c1,cancellation,2025-05-01,1000.00,ann,,t1\n"
    ),
    "opportunity_split.csv": "opportunity_id,payee_id,percent\no2,ann,60\no2,bob,40\n",
    "plan_assignment.csv": (
        "payee_id,plan_id,valid_from,valid_to,target_incentive\n"
        "ann,ae,2025-01-01,,10000\nbob,ae,2025-01-01,,10000\nmia,ae,2025-01-01,,20000\n"
    ),
}


@pytest.fixture
def folder(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    data.mkdir()
    for name, text in FILES.items():
        (data / name).write_text(text)
    plan_path = tmp_path / "plan.yaml"
    plan_path.write_text(PLAN_YAML)
    return plan_path, data


def totals(result) -> dict[tuple[str, str], Decimal]:
    return {(r["payee_id"], r["period_label"]): r["amount"] for r in result.component_totals.to_pylist()}


def test_marginal_tiers_on_split_and_rollup_credits_with_a_cancellation(folder):
    plan_path, data = folder
    result = calculate_folder([plan_path], data, ["2025-Q1", "2025-Q2"])
    # ann Q1: 1,000 + 1,800 = 2,800 -> 2,000 x 5% + 800 x 10% = 180; Q2: -1,000 at the first rate = -50.
    # bob Q1: 1,200 x 5% = 60; Q2: 500 x 5% = 25. mia (manager of both): Q1 4,000 -> 100 + 200 = 300;
    # Q2: 500 - 1,000 = -500 -> 25 - 50 = -25.
    assert totals(result) == {
        ("ann", "2025-Q1"): D("180"),
        ("ann", "2025-Q2"): D("-50"),
        ("bob", "2025-Q1"): D("60"),
        ("bob", "2025-Q2"): D("25"),
        ("mia", "2025-Q1"): D("300"),
        ("mia", "2025-Q2"): D("-25"),
    }
    earnings = result.earnings.to_pylist()
    assert sum(r["amount"] for r in earnings) == sum(totals(result).values())
    assert [r["earning_id"] for r in earnings] == list(range(1, len(earnings) + 1))
    assert all(r["plan_id"] == "ae" and r["plan_version"] == 1 for r in earnings)
    assert result.issues == []


def test_the_trace_points_back_to_the_source_line(folder):
    plan_path, data = folder
    result = calculate_folder([plan_path], data, ["2025-Q2"])
    credits = {r["credit_id"]: r for r in result.credits.to_pylist()}
    cancel = next(
        r for r in result.earnings.to_pylist() if r["transaction_id"] == "c1" and r["payee_id"] == "ann"
    )
    assert credits[cancel["credit_id"]]["source_file"] == "transaction.csv"
    assert credits[cancel["credit_id"]]["source_line"] == 5
    assert {r["period_label"] for r in result.component_totals.to_pylist()} == {"2025-Q2"}


def test_write_result_keeps_decimals_decimal(folder, tmp_path):
    plan_path, data = folder
    result = calculate_folder([plan_path], data, ["2025-Q1"])
    written = write_result(result, tmp_path / "out")
    assert {p.name for p in written} >= {
        "earnings.parquet",
        "earnings.csv",
        "component_totals.csv",
        "issues.csv",
    }
    totals_table = pq.read_table(tmp_path / "out" / "component_totals.parquet")
    assert pa.types.is_decimal(totals_table.schema.field("amount_rounded").type)
    assert "180.0000000000" in (tmp_path / "out" / "component_totals.csv").read_text()


def test_bad_input_is_refused_with_file_line_and_column(folder):
    plan_path, data = folder
    (data / "transaction.csv").write_text(
        "transaction_id,kind,date,amount,owner_id\nt1,booking,2025-13-01,10.00,ann\nt2,sale,2025-01-02,1.005,ann\n"
    )
    with pytest.raises(AttainError) as caught:
        calculate_folder([plan_path], data, ["2025-Q1"])
    found = {(i.source.line, i.source.column, i.code) for i in caught.value.issues}
    assert found == {(2, "date", "CALC001"), (3, "kind", "CALC001"), (3, "amount", "CALC001")}


def test_each_period_uses_the_plan_version_in_force():
    inputs = company(
        payee=[{"payee_id": "ann", "name": "Ann"}],
        plan_assignment=[{"payee_id": "ann", "plan_id": "ae", "valid_from": "2025-01-01"}],
        transaction=[
            {"transaction_id": "t1", "date": "2025-02-01", "amount": "1000.00", "owner_id": "ann"},
            {"transaction_id": "t2", "date": "2025-08-01", "amount": "1000.00", "owner_id": "ann"},
        ],
    )
    tiered = [
        {"id": "commission", "kind": "tiered", "measure": "bookings", "tiers": [{"from": 0, "rate": "5%"}]}
    ]
    v1 = plan([{"id": "own", "kind": "owner"}], tiered, effective_to="2025-06-30")
    v2 = plan(
        [{"id": "own", "kind": "owner"}],
        [{**tiered[0], "tiers": [{"from": 0, "rate": "8%"}]}],
        version=2,
        effective_from="2025-07-01",
    )
    result = run(inputs, [v1, v2], ["2025-Q1", "2025-Q3"])
    got = {(r["period_label"], r["plan_version"]): r["amount"] for r in result.component_totals.to_pylist()}
    assert got == {("2025-Q1", 1): D("50"), ("2025-Q3", 2): D("80")}


def test_no_earnings_outside_the_plan_assignment_but_credit_is_kept():
    inputs = company(
        payee=[{"payee_id": "ann", "name": "Ann"}],
        plan_assignment=[{"payee_id": "ann", "plan_id": "ae", "valid_from": "2025-04-01"}],
        transaction=[{"transaction_id": "t1", "date": "2025-02-01", "amount": "1000.00", "owner_id": "ann"}],
    )
    result = run(inputs, plan([{"id": "own", "kind": "owner"}]), ["2025-Q1"])
    assert result.credits.num_rows == 1
    assert result.earnings.num_rows == 0 and result.component_totals.num_rows == 0


def test_trace_off_keeps_totals_only_and_output_dir_streams_parquet(folder, tmp_path):
    plan_path, data = folder
    lean = calculate_folder([plan_path], data, ["2025-Q1"], CalcOptions(trace=False))
    assert lean.earnings.num_rows == 0 and lean.component_totals.num_rows == 3
    spilled = calculate_folder([plan_path], data, ["2025-Q1"], CalcOptions(output_dir=tmp_path / "spill"))
    assert spilled.earnings.num_rows == pq.read_table(tmp_path / "spill" / "earnings.parquet").num_rows > 0


def test_explanations_are_written_for_small_runs_and_rendered_on_demand_for_big_ones(folder):
    plan_path, data = folder
    small = calculate_folder([plan_path], data, ["2025-Q1"])
    lean = calculate_folder([plan_path], data, ["2025-Q1"], CalcOptions(explanations=False))
    assert CalcOptions().explains(200_000) and not CalcOptions().explains(200_001)
    assert CalcOptions(explanations=True).explains(10**9)

    def component_lines(result):
        rows = [r for r in result.earnings.to_pylist() if r["component_kind"] == "tiered"]
        return sorted(rows, key=lambda r: (r["payee_id"], r["credit_id"]))

    sentences, bare = component_lines(small), component_lines(lean)
    assert all(r["explanation"] for r in sentences)
    assert all(r["explanation"] is None for r in bare)
    assert [r["amount"] for r in bare] == [r["amount"] for r in sentences]
    assert explain_line(sentences[0]) == sentences[0]["explanation"]
    # ann's 1,800 share of t2 moves her from 1,000 to 2,800: 1,000 at 5% + 800 at 10% = 130
    ann_t2 = next(r for r in bare if r["payee_id"] == "ann" and r["transaction_id"] == "t2")
    assert explain_line(ann_t2) == (
        "tiered commission, on t2, basis 1,000.00 → 2,800.00, tier 2 at 10%: 130.00"
    )


def test_statements_of_big_runs_still_explain_every_line(folder):
    from attain.explain.statement import build_statement

    plan_path, data = folder
    lean = calculate_folder([plan_path], data, ["2025-Q1"], CalcOptions(explanations=False))
    statement = build_statement(lean, "ann", "2025-Q1")
    lines = [line.earning for section in statement.components for line in section.lines]
    assert lines and all(line["explanation"] for line in lines)
    assert "tier 2 at 10%: 130.00" in " ".join(line["explanation"] for line in lines)
