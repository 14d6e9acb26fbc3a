"""Golden pay scenarios: every folder under tests/scenarios/ with expected_payouts.csv, through the pay stage.

The amounts were worked out by hand in each folder's README; payouts must match to the cent
(half-even, the payout rounding), draw balances and holds too.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from attain.engine.filemode import load_plan
from attain.engine.result import CalcResult
from attain.payouts import Ledger, PayResult
from attain.payouts.diff import RunRecords, diff_runs
from attain.payouts.filemode import pay_folder
from tests.payouts.scenarios import Key, PayScenario, discover
from tests.reference.scenarios import differences

ALL = discover()


def line_amounts(result: PayResult) -> dict[Key, Decimal]:
    """(payee, period, kind) and (payee, period, 'total') -> rounded amount."""
    amounts: dict[Key, Decimal] = defaultdict(Decimal)
    for row in result.lines.to_pylist():
        amounts[(row["payee_id"], row["period_label"], row["kind"])] += row["amount_rounded"]
        amounts[(row["payee_id"], row["period_label"], "total")] += row["amount_rounded"]
    return dict(amounts)


def keyed(table: pa.Table, third: str, column: str) -> dict[Key, Decimal]:
    amounts: dict[Key, Decimal] = defaultdict(Decimal)
    for row in table.to_pylist():
        amounts[(row["payee_id"], row["period_label"], row[third] or "")] += row[column]
    return dict(amounts)


def run(scenario: PayScenario) -> PayResult:
    """One run; with ``locked``: a first run whose lines are paid and locked, then the late data."""
    if not scenario.locked:
        return pay_folder(scenario.plan_paths, scenario.folder / "data", scenario.periods)[1]
    _, first = pay_folder(scenario.plan_paths, scenario.folder / "data", scenario.locked)
    ledger = Ledger(frozenset(scenario.locked), first.lines, first.balances)
    data = scenario.folder / (scenario.late_data or "data")
    return pay_folder(scenario.plan_paths, data, scenario.periods, ledger=ledger)[1]


def compare(expected: dict[Key, Decimal] | None, actual: dict[Key, Decimal], what: str) -> list[str]:
    if expected is None:
        return []
    listed = {k[2] for k in expected}
    if listed != {"total"} and what == "payout":
        actual = {k: v for k, v in actual.items() if k[2] in listed}
    elif what == "payout":
        actual = {k: v for k, v in actual.items() if k[2] == "total"}
    return [f"{what} {p}" for p in differences(expected, actual)]


@pytest.mark.parametrize("scenario", ALL, ids=[s.name for s in ALL])
def test_payouts_match_expected(scenario: PayScenario) -> None:
    result = run(scenario)
    expected = scenario.expected
    problems = compare(
        expected("expected_payouts.csv", ("payee_id", "period_label", "line"), "amount"),
        line_amounts(result),
        "payout",
    )
    balance_key = ("payee_id", "period_label", "draw_id")
    problems += compare(
        expected("expected_balances.csv", balance_key, "balance_after"),
        keyed(result.balances, "draw_id", "balance_after"),
        "balance",
    )
    hold_key = ("payee_id", "period_label", "transaction_id")
    problems += compare(
        expected("expected_holds.csv", hold_key, "held"),
        keyed(result.holds, "transaction_id", "held"),
        "held",
    )
    assert not problems, f"pay stage disagrees with {scenario.name}:\n" + "\n".join(problems)


def records(result: CalcResult, paid: PayResult, plans: list[Path]) -> RunRecords:
    """What the diff reads of a run, from file mode's results."""
    docs = [load_plan(p) for p in plans]
    return RunRecords(
        paid.lines.select(["payee_id", "period_label", "plan_id", "kind", "currency", "amount_rounded"]),
        result.credits.select(["payee_id", "period_label", "transaction_id", "rule_kind", "credit"]),
        result.measures.select(["payee_id", "period_label", "measure_id", "quota"]),
        {d.plan: sorted(x.version for x in docs if x.plan == d.plan) for d in docs},
    )


DIFFS = [s for s in ALL if s.diff_data]


@pytest.mark.parametrize("scenario", DIFFS, ids=[s.name for s in DIFFS])
def test_diff_names_who_changed_by_how_much_and_why(scenario: PayScenario) -> None:
    old = records(
        *pay_folder(scenario.plan_paths, scenario.folder / "data", scenario.periods), scenario.plan_paths
    )
    new_folder = scenario.folder / str(scenario.diff_data)
    new = records(*pay_folder(scenario.plan_paths, new_folder, scenario.periods), scenario.plan_paths)
    got = {(r["payee_id"], r["period_label"]): r for r in diff_runs(new, old).to_pylist()}
    with (scenario.folder / "expected_diff.csv").open(newline="", encoding="utf-8") as handle:
        expected = {(r["payee_id"], r["period_label"]): r for r in csv.DictReader(handle)}
    assert set(got) == set(expected)
    for key, want in expected.items():
        assert got[key]["change"] == Decimal(want["change"]), key
        for reason in want["reasons"].split("|"):
            assert reason in got[key]["reasons"], f"{key}: {reason!r} not in {got[key]['reasons']!r}"


def test_pay_scenarios_exist_for_every_rule() -> None:
    names = {s.name for s in ALL}
    assert {
        "p6_draws",
        "pay_draw_kinds",
        "pay_schedules",
        "pay_clawbacks",
        "pay_late_deal_after_lock",
        "pay_multicurrency",
        "pay_diff",
    } <= names
