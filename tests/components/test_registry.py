"""The registry: every plan component kind has a module, a doc page, a test file and documented codes."""

import re
import typing
from pathlib import Path

from attain.components import codes
from attain.components.base import ISSUE_COLUMNS
from attain.components.registry import REGISTRY, kinds_of_stage
from attain.core.errors import CATALOG
from attain.plans.schema import Component
from tests.components.book import Book, context, plan_with

ROOT = Path(__file__).resolve().parents[2]


def schema_kinds() -> set[str]:
    union = typing.get_args(Component)[0]
    return {typing.get_args(model.model_fields["kind"].annotation)[0] for model in typing.get_args(union)}


def test_every_schema_kind_is_registered_with_a_doc_page_and_tests():
    assert set(REGISTRY) == schema_kinds()
    for kind, impl in REGISTRY.items():
        assert impl.kind == kind
        assert (ROOT / "docs" / "components" / f"{kind}.md").is_file(), kind
        assert (ROOT / "tests" / "components" / f"test_{kind}.py").is_file(), kind


def test_multipliers_run_after_everything_else():
    assert kinds_of_stage(2) == ["multiplier"]
    assert set(kinds_of_stage(1)) == set(REGISTRY) - {"multiplier"}


def test_component_codes_are_in_their_ranges_and_documented():
    doc = (ROOT / "docs" / "errors.md").read_text()
    mine = [v for k, v in vars(codes).items() if k.isupper() and isinstance(v, str)]
    assert len(mine) == len(set(mine))
    for code in mine:
        number = int(code[4:])
        assert (code.startswith("PLAN") and 120 <= number <= 149) or (
            code.startswith("CALC") and 30 <= number <= 69), code
        assert code in CATALOG
        assert re.search(rf"\| {code} \|", doc), f"{code} is not in docs/errors.md"


def test_issue_queries_have_the_issue_layout():
    plan = plan_with(
        {"id": "t", "kind": "tiered", "measure": "bookings", "basis": "attainment",
         "tiers": [{"from": 0, "rate": 1}]},
        {"id": "r", "kind": "rate", "rate_table": {"by": "product_family", "rates": {"A": "1%"}}},
        {"id": "b", "kind": "bonus", "measure": "bookings", "threshold": 1, "amount": 5},
        {"id": "o", "kind": "mbo", "objectives": [{"id": "x", "weight": 1}]},
        {"id": "s", "kind": "spiff", "amount_formula": "quantity"},
        {"id": "m", "kind": "multiplier", "applies_to": ["r"], "factor": 2, "measure": "bookings",
         "attainment_at_least": 1},
    )
    con = Book().credit("rep", "2015-01-02", 10, product_family="B").session(plan)
    for component in plan.components:
        sql = REGISTRY[component.kind].issues_sql(component, context(plan))
        assert sql is not None
        assert con.sql(sql).columns == [name for name, _ in ISSUE_COLUMNS]
