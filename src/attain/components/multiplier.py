"""Accelerators and decelerators (stage 2): an extra (factor − 1) × earning line per qualifying line.

Reads ``earnings_base`` (the stage-1 lines of the plan). A line of a component in ``applies_to``
qualifies when its credit passes ``condition`` (a formula over the credit row, joined back to
``credits`` by credit_id; period-level lines have no credit and never pass a condition) and, with
``measure``, when the payee's attainment to date at the period's end is within
[``attainment_at_least``, ``attainment_below``). A line earns (factor − 1) × the base amount, so
×1.5 adds half and ×0.5 takes half away; the base lines are never changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from attain.components import codes
from attain.components.base import EarnContext
from attain.components.caps import check_cap
from attain.components.lines import (
    describe,
    earning_lines,
    has_measure,
    issue_lines,
    money_text,
    plain_text,
    sql_list,
)
from attain.core.errors import Issue
from attain.plans.schema import MultiplierComponent, PlanDocument


class MultiplierKind:
    """``kind: multiplier`` — see docs/components/multiplier.md."""

    kind: ClassVar[str] = "multiplier"
    stage: ClassVar[int] = 2

    def validate(self, component: MultiplierComponent, plan: PlanDocument) -> list[Issue]:
        where = f"component {component.id}"
        stage_one = {c.id for c in plan.components if c.kind != "multiplier"}
        issues = [
            Issue(codes.MULTIPLIER_UNKNOWN_TARGET, f"{where}: applies to {target!r}, which is not a "
                  "non-multiplier component of this plan", record=where)
            for target in component.applies_to if target not in stage_one
        ]
        has_range = component.attainment_at_least is not None or component.attainment_below is not None
        if has_range != (component.measure is not None):
            issues.append(Issue(codes.MULTIPLIER_RANGE_NO_MEASURE, f"{where}: an attainment range needs a "
                                "`measure` and a `measure` needs `attainment_at_least` or "
                                "`attainment_below`", record=where))
        low, high = component.attainment_at_least, component.attainment_below
        if low is not None and high is not None and high <= low:
            issues.append(Issue(codes.MULTIPLIER_EMPTY_RANGE, f"{where}: attainment_below {high} is "
                                f"not above attainment_at_least {low}", record=where))
        if component.measure is not None and not has_measure(plan, component.measure):
            issues.append(Issue(codes.UNKNOWN_MEASURE, f"{where}: measure {component.measure!r} is not "
                                "declared in the plan's measures", record=where))
        return issues + check_cap(component, where)

    def earnings_sql(self, component: MultiplierComponent, ctx: EarnContext) -> str:
        d, p = ctx.dialect, ctx.money_places
        extra = component.factor - Decimal(1)
        amount = d.mul("b.amount", extra)
        explanation = (f"concat('×', {d.string(plain_text(component.factor))}, ' on ', b.component_id, "
                       f"coalesce(' line of ' || b.transaction_id, ' for ' || b.period_label), "
                       f"{d.string(_reason(component))}, ': ', {d.string(plain_text(extra))}, ' × ', "
                       f"{money_text(d, 'b.amount', p)}, ' = ', {money_text(d, amount, p)})")
        inner = f"""SELECT b.payee_id, b.period_label, {d.string(component.id)} AS component_id,
            'multiplier' AS component_kind, b.credit_id, b.transaction_id, b.rule_id,
            NULL AS basis_before, b.amount AS basis_after, NULL AS tier_index, NULL AS tier_rate,
            {d.decimal(component.factor)} AS rate_or_factor, {amount} AS amount,
            {explanation} AS explanation, b.payee_period_no
          FROM ({_qualifying(component, ctx)}) AS b"""  # noqa: S608 - built from quoted fragments
        return earning_lines(inner, d, ctx.explanations)

    def issues_sql(self, component: MultiplierComponent, ctx: EarnContext) -> str | None:
        if component.measure is None:
            return None
        d = ctx.dialect
        inner = f"""SELECT DISTINCT {d.string(codes.NO_QUOTA)} AS code, 'error' AS severity, b.payee_id,
            b.period_label, {d.string(component.id)} AS component_id, NULL AS credit_id,
            concat('no quota for measure {component.measure} in ', b.period_label,
                   ': multiplier {component.id} applies to nothing this period') AS message
          FROM earnings_base AS b LEFT JOIN measures AS m
            ON m.payee_id = b.payee_id AND m.period_label = b.period_label
            AND m.measure_id = {d.string(component.measure)}
          WHERE b.component_id IN {sql_list(d, component.applies_to)}
            AND m.attainment_to_date IS NULL"""  # noqa: S608 - built from quoted fragments
        return issue_lines(inner, d)

    def explain(self, row: Mapping[str, Any]) -> str:
        return describe(row)


def _reason(component: MultiplierComponent) -> str:
    parts = []
    if component.condition:
        parts.append(f"({component.condition})")
    if component.attainment_at_least is not None:
        parts.append(f"attainment to date ≥ {plain_text(component.attainment_at_least * 100)}%")
    if component.attainment_below is not None:
        parts.append(f"attainment to date < {plain_text(component.attainment_below * 100)}%")
    return (" when " + " and ".join(parts)) if parts else ""


def _qualifying(component: MultiplierComponent, ctx: EarnContext) -> str:
    """The base lines the multiplier applies to."""
    d = ctx.dialect
    joins, where = [], [f"e.component_id IN {sql_list(d, component.applies_to)}"]
    if component.condition:
        test = ctx.compile_formula(component.condition)
        passing = f"SELECT credit_id AS k_credit_id FROM credits WHERE {test}"  # noqa: S608 - compiled formula
        joins.append(f"JOIN ({passing}) AS k ON k.k_credit_id = e.credit_id")
    if component.measure is not None:
        joins.append(f"JOIN measures AS m ON m.payee_id = e.payee_id AND m.period_label = e.period_label "
                     f"AND m.measure_id = {d.string(component.measure)}")
        where.append("m.attainment_to_date IS NOT NULL")
        if component.attainment_at_least is not None:
            where.append(f"m.attainment_to_date >= {d.decimal(component.attainment_at_least)}")
        if component.attainment_below is not None:
            where.append(f"m.attainment_to_date < {d.decimal(component.attainment_below)}")
    return f"SELECT e.* FROM earnings_base AS e {' '.join(joins)} WHERE {' AND '.join(where)}"  # noqa: S608
