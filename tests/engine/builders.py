"""Small companies for engine tests: entity rows as text (typed by the entity specs) and plan dicts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pyarrow as pa

from attain.engine import CalcOptions, CalcResult, InputTables, calculate
from attain.plans.schema import PlanDocument


def table(rows: list[dict[str, Any]]) -> pa.Table:
    """Rows of text values -> an Arrow table of strings (the engine types them)."""
    names = list(dict.fromkeys(name for row in rows for name in row))
    return pa.table(
        {n: pa.array([None if r.get(n) is None else str(r[n]) for r in rows], pa.string()) for n in names}
    )


def company(**entities: list[dict[str, Any]]) -> InputTables:
    """InputTables from entity name -> rows."""
    return InputTables.from_tables({name: table(rows) for name, rows in entities.items()}, origin="test")


def plan(
    credit_rules: list[dict[str, Any]],
    components: list[dict[str, Any]] | None = None,
    measures: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> PlanDocument:
    """A plan document with sensible defaults (quarterly, calendar year 2025)."""
    doc = {
        "plan": "ae",
        "version": 1,
        "effective_from": "2025-01-01",
        "pay_period": "quarter",
        "credit_rules": credit_rules,
        "measures": measures or [{"id": "bookings"}],
        "components": components
        or [
            {
                "id": "commission",
                "kind": "tiered",
                "measure": "bookings",
                "tiers": [{"from": 0, "rate": "10%"}],
            }
        ],
    }
    doc.update(extra)
    return PlanDocument.model_validate(doc)


def run(
    inputs: InputTables,
    plans: PlanDocument | list[PlanDocument],
    periods: list[str] | None = None,
    options: CalcOptions | None = None,
) -> CalcResult:
    docs = plans if isinstance(plans, list) else [plans]
    return calculate(inputs, docs, periods or ["2025-Q1"], options)


def credits_of(result: CalcResult, *columns: str) -> list[tuple[Any, ...]]:
    """Credit rows as tuples of the given columns, in credit_id order."""
    rows = sorted(result.credits.to_pylist(), key=lambda r: r["credit_id"])
    return [tuple(r[c] for c in columns) for r in rows]


def codes(result: CalcResult) -> list[str]:
    return sorted(i.code for i in result.issues)


D = Decimal
