"""earning_id on every golden scenario: 1..N, in (plan, version, payee, period, component order,
credit_id nulls first, rule_id, component_id, amount) order, whichever table numbered the line
(a kind's own ``line_no``, e.g. tiered, or the outputs' per-component numbering)."""

from __future__ import annotations

from typing import Any

import pytest

from attain.engine.filemode import load_plan
from attain.engine.plans import plan_versions
from tests.reference import engine_probe, scenarios

ALL = [s for s in scenarios.discover() if not s.pending]


def _component_orders(plan_paths: list[Any]) -> dict[tuple[str, int, str], int]:
    """(plan, version, component_id) -> the component's place in its plan (caps and floors after)."""
    orders = {}
    for version in plan_versions([load_plan(p) for p in plan_paths]):
        for order, component in enumerate(version.doc.components, start=1):
            orders[(version.doc.plan, version.doc.version, component.id)] = order
    return orders


def _key(row: dict[str, Any], orders: dict[tuple[str, int, str], int]) -> tuple[Any, ...]:
    plan = (row["plan_id"], row["plan_version"])
    capped = row["component_kind"] in ("cap", "floor")
    order = 10**6 if capped else orders[(*plan, row["component_id"])]
    credit = (0, 0) if row["credit_id"] is None else (1, row["credit_id"])
    return (*plan, row["payee_id"], row["period_label"], order, credit, row["rule_id"] or "",
            row["component_id"], row["amount"])


@pytest.mark.parametrize("scenario", ALL, ids=[s.name for s in ALL])
def test_earning_ids_number_the_trace_in_statement_order(scenario: scenarios.Scenario) -> None:
    if engine_probe.engine_missing(load_plan(p) for p in scenario.plan_paths):
        pytest.skip("the engine does not run this scenario")
    result = engine_probe.run_engine(scenario.plan_paths, scenario.data_dir, scenario.periods)
    rows = result.earnings.to_pylist()
    assert [r["earning_id"] for r in rows] == list(range(1, len(rows) + 1))  # dense, in id order
    orders = _component_orders(scenario.plan_paths)
    keys = [_key(r, orders) for r in rows]
    assert keys == sorted(keys), scenario.name
