"""Golden pay scenarios: every folder under tests/scenarios/ with expected_payouts.csv, through the pay stage.

The amounts were worked out by hand in each folder's README; payouts must match to the cent
(half-even, the payout rounding), draw balances and holds too.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pyarrow as pa
import pytest

from attain.payouts import Ledger, PayResult
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
    problems = compare(expected("expected_payouts.csv", ("payee_id", "period_label", "line"), "amount"),
                       line_amounts(result), "payout")
    balance_key = ("payee_id", "period_label", "draw_id")
    problems += compare(expected("expected_balances.csv", balance_key, "balance_after"),
                        keyed(result.balances, "draw_id", "balance_after"), "balance")
    hold_key = ("payee_id", "period_label", "transaction_id")
    problems += compare(expected("expected_holds.csv", hold_key, "held"),
                        keyed(result.holds, "transaction_id", "held"), "held")
    assert not problems, f"pay stage disagrees with {scenario.name}:\n" + "\n".join(problems)


def test_pay_scenarios_exist_for_every_rule() -> None:
    names = {s.name for s in ALL}
    assert "p6_draws" in names
    assert len(names) >= 1
