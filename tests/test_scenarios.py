"""Golden scenarios: every folder under tests/scenarios/ run by the reference oracle and by the engine.

Each scenario's ``expected.csv`` was computed by hand from its worked example (see its README).
Both executors must match it to the cent (half-even); a mismatch message shows the unrounded
figure too. While the engine (or a piece it needs) is missing, the engine half is an xfail that
names the missing piece; scenarios marked ``pending`` in scenario.yaml are xfail with that reason.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest

from tests.reference import engine_probe, oracle, scenarios
from tests.reference.formulas import FormulaUnavailable

ALL = scenarios.discover()


def engine_lines(table: Any) -> dict[scenarios.Key, Decimal]:
    """CalcResult.earnings -> (payee, transaction, component) -> amount (lines with a transaction)."""
    result: dict[scenarios.Key, Decimal] = defaultdict(Decimal)
    for row in table.to_pylist():
        if row["transaction_id"] is not None:
            key = (str(row["payee_id"]), str(row["transaction_id"]), str(row["component_id"]))
            result[key] += Decimal(row["amount"] or 0)
    return dict(result)


def oracle_lines(result: oracle.OracleResult) -> dict[scenarios.Key, Decimal]:
    lines: dict[scenarios.Key, Decimal] = defaultdict(Decimal)
    for line in result.earnings:
        if line.credit is not None:
            lines[(line.payee_id, line.credit["transaction_id"], line.component_id)] += line.amount
    return dict(lines)


def check(scenario: scenarios.Scenario, amounts: dict[scenarios.Key, Decimal],
          capped: dict[scenarios.Key, Decimal], lines: dict[scenarios.Key, Decimal],
          issue_codes: set[str], who: str) -> None:
    problems = scenarios.differences(scenario.expected, amounts)
    if scenario.expected_capped:
        only = {k: v for k, v in capped.items() if k in scenario.expected_capped}
        problems += [f"capped {p}" for p in scenarios.differences(scenario.expected_capped, only)]
    if scenario.expected_lines is not None:  # only the components expected_lines.csv speaks of
        listed = {component for _, _, component in scenario.expected_lines}
        lines = {k: v for k, v in lines.items() if k[2] in listed}
        problems += [f"line {p}" for p in scenarios.differences(scenario.expected_lines, lines)]
    problems += [f"expected issue {code} not reported" for code in scenario.expected_issues
                 if code not in issue_codes]
    assert not problems, f"{who} disagrees with {scenario.name}/expected.csv:\n" + "\n".join(problems)


@pytest.mark.parametrize("scenario", ALL, ids=[s.name for s in ALL])
def test_oracle_matches_expected(scenario: scenarios.Scenario) -> None:
    if scenario.pending:
        pytest.xfail(f"pending: {scenario.pending}")
    try:
        result = oracle.calculate_folder(scenario.plan_paths, scenario.data_dir, scenario.periods)
    except FormulaUnavailable as exc:
        pytest.xfail(f"formula interpreter not there yet: {exc}")
    check(scenario, result.amounts(), result.amounts("capped_amount"), oracle_lines(result),
          {i.code for i in result.issues}, "oracle")


@pytest.mark.parametrize("scenario", ALL, ids=[s.name for s in ALL])
def test_engine_matches_expected(scenario: scenarios.Scenario, request: pytest.FixtureRequest) -> None:
    if scenario.pending:
        pytest.xfail(f"pending: {scenario.pending}")
    if scenario.engine_disagreement:  # strict: once the engine is fixed, XPASS fails and says so
        request.applymarker(pytest.mark.xfail(
            reason=f"engine disagrees (reported): {scenario.engine_disagreement}", strict=True))
    missing = engine_probe.engine_missing(oracle.load_plan(p) for p in scenario.plan_paths)
    if missing:
        pytest.xfail(missing)
    result = engine_probe.run_engine(scenario.plan_paths, scenario.data_dir, scenario.periods)
    totals = result.component_totals
    check(scenario, engine_probe.totals(totals), engine_probe.totals(totals, "capped_amount"),
          engine_lines(result.earnings), {i.code for i in result.issues}, "engine")


def test_every_scenario_folder_is_complete() -> None:
    """A scenario folder has its plan, data, periods, expected totals and a README."""
    assert len(ALL) >= 1
    for scenario in ALL:
        assert scenario.plan_paths, f"{scenario.name}: no plan*.yaml"
        assert list(scenario.data_dir.glob("*.csv")), f"{scenario.name}: no data/*.csv"
        assert (scenario.folder / "README.md").exists(), f"{scenario.name}: no README.md"
        assert scenario.expected, f"{scenario.name}: expected.csv is empty"
