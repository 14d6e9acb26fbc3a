"""Which credit columns a plan version materializes (``attain.engine.views.credit_columns``).

A column is left out only when no SQL of the version's measures and components names it; every
sample plan still calculates (tests/test_scenarios.py), and here each kind's own needs are kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from attain.engine.filemode import load_plan
from attain.engine.plans import plan_versions
from attain.engine.views import (
    ALWAYS_READ,
    CORE_CREDIT_COLUMNS,
    CREDIT_VIEW_COLUMNS,
    GRID_CREDIT_COLUMNS,
    credit_columns,
)

PLANS = Path(__file__).resolve().parents[2] / "examples" / "plans"


def _columns(name: str) -> set[str]:
    version = plan_versions([load_plan(PLANS / name)])[0]
    return set(credit_columns(version))


def test_a_plain_tiered_plan_leaves_out_the_core_columns_nothing_reads():
    columns = _columns("marginal_tiers.yaml")
    assert ALWAYS_READ <= columns
    assert not {"rule_kind", "year_start", "quantity", "kind"} & columns
    assert set(columns) < set(CORE_CREDIT_COLUMNS) | ALWAYS_READ | set(GRID_CREDIT_COLUMNS)
    assert "payee_period_no" in columns  # its running total is partitioned by it
    assert "payee_year_no" not in columns  # a period running total: no year key


@pytest.mark.parametrize(
    ("plan", "needed"),
    [
        ("per_unit_rate.yaml", {"quantity"}),  # a rate per unit multiplies the quantity
        ("spiff_every_time.yaml", {"is_reversal", "reverses_id", "transaction_id", "level", "share"}),
        ("rate_table_by_product_family.yaml", {"product_family"}),  # a formula field, not a core one
        ("multi_year_multiplier.yaml", {"contract_term_months"}),
    ],
)
def test_each_kind_keeps_the_columns_its_sql_reads(plan, needed):
    assert needed <= _columns(plan)


def test_columns_keep_the_credit_view_order():
    version = plan_versions([load_plan(PLANS / "spiff_every_time.yaml")])[0]
    columns = credit_columns(version)
    view = [c for c in columns if c not in GRID_CREDIT_COLUMNS]
    assert view == [c for c in CREDIT_VIEW_COLUMNS if c in columns]
