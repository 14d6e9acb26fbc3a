"""A payee's statement for one period, from a calculation's outputs: every cent explained.

Per component: the total (earned, capped, paid, rounded) and its earning lines, each joined to its
credit (deal, date, source file and line, credit rule and share) with the measure before/after,
the tier and rate, and the line's own explanation. Also the period's measures and plan version.
Built with columnar filters on the result's Arrow tables (one payee-period is small).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from attain.core.errors import AttainError, Issue, Source, register
from attain.engine.earn_stage import explain_line
from attain.engine.result import CalcResult

CALC094 = register("CALC094", "Nothing was calculated for this payee and period (not on a plan, or unknown)")


@dataclass(frozen=True)
class StatementLine:
    """One earning line with the credit and deal behind it."""

    earning: dict[str, Any]
    credit: dict[str, Any] | None


@dataclass(frozen=True)
class ComponentSection:
    """A component's total and the lines that make it."""

    component_id: str
    component_kind: str
    total: dict[str, Any]
    lines: list[StatementLine] = field(default_factory=list)


@dataclass(frozen=True)
class Statement:
    """What a payee earned in a period and why."""

    payee_id: str
    period_label: str
    plan_id: str | None
    plan_version: int | None
    currency: str | None
    measures: list[dict[str, Any]]
    components: list[ComponentSection]
    issues: list[Issue]

    @property
    def total(self) -> Decimal:
        return sum((Decimal(c.total["amount"]) for c in self.components), Decimal(0))

    @property
    def total_rounded(self) -> Decimal:
        return sum((Decimal(c.total["amount_rounded"]) for c in self.components), Decimal(0))


def _rows(table: pa.Table, payee_id: str, period_label: str | None = None) -> list[dict[str, Any]]:
    if table.num_rows == 0:
        return []
    mask = pc.equal(table.column("payee_id"), payee_id)
    if period_label is not None:
        mask = pc.and_(mask, pc.equal(table.column("period_label"), period_label))
    rows: list[dict[str, Any]] = table.filter(mask).to_pylist()
    return rows


def _credits_by_id(result: CalcResult, credit_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not credit_ids or result.credits.num_rows == 0:
        return {}
    wanted = result.credits.filter(
        pc.is_in(result.credits.column("credit_id"), pa.array(credit_ids, pa.int64()))
    )
    return {row["credit_id"]: row for row in wanted.to_pylist()}


def _mentions(issue: Issue, payee_id: str, period_label: str) -> bool:
    record = issue.record or ""
    return f"payee {payee_id}" in record and (period_label in record or " in " not in record)


def build_statement(result: CalcResult, payee_id: str, period_label: str) -> Statement:
    """The statement of one payee and period; CALC094 when nothing was calculated for them."""
    totals = _rows(result.component_totals, payee_id, period_label)
    earnings = _rows(result.earnings, payee_id, period_label)
    currencies = {t["component_id"]: t.get("currency") for t in totals}
    for earning in earnings:  # big runs skip the sentence in SQL: render it from the trace columns
        earning.setdefault("currency", currencies.get(earning.get("component_id")))
        earning["explanation"] = explain_line(earning)
    if not totals and not earnings:
        issue = Issue(
            CALC094,
            f"nothing calculated for {payee_id} in {period_label}",
            source=Source(system="calc", external_id=payee_id),
        )
        raise AttainError(issue.message, [issue], code=CALC094)
    credits = _credits_by_id(result, sorted({r["credit_id"] for r in earnings if r["credit_id"] is not None}))
    sections = []
    for total in totals:
        lines = [
            StatementLine(e, credits.get(e["credit_id"]))
            for e in earnings
            if e["component_id"] == total["component_id"]
        ]
        lines.sort(key=lambda line: line.earning["earning_id"])
        sections.append(
            ComponentSection(total["component_id"], total.get("component_kind") or "", total, lines)
        )
    first = totals[0] if totals else earnings[0]
    return Statement(
        payee_id=payee_id,
        period_label=period_label,
        plan_id=first.get("plan_id"),
        plan_version=first.get("plan_version"),
        currency=totals[0]["currency"] if totals else None,
        measures=_rows(result.measures, payee_id, period_label),
        components=sections,
        issues=[i for i in result.issues if _mentions(i, payee_id, period_label)],
    )


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def statement_json(statement: Statement) -> dict[str, Any]:
    """The statement as JSON-ready data (decimals as exact strings)."""

    def clean(row: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if row is None else {k: _plain(v) for k, v in row.items()}

    return {
        "payee_id": statement.payee_id,
        "period_label": statement.period_label,
        "plan_id": statement.plan_id,
        "plan_version": statement.plan_version,
        "currency": statement.currency,
        "total": str(statement.total),
        "total_rounded": str(statement.total_rounded),
        "measures": [clean(m) for m in statement.measures],
        "components": [
            {
                "component_id": c.component_id,
                "component_kind": c.component_kind,
                "total": clean(c.total),
                "lines": [{"earning": clean(line.earning), "credit": clean(line.credit)} for line in c.lines],
            }
            for c in statement.components
        ],
        "issues": [
            {"code": i.code, "severity": i.severity.value, "message": i.message, "source": str(i.source)}
            for i in statement.issues
        ],
    }
