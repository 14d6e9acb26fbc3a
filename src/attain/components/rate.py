"""Flat commission: each credit × a rate (fixed, by table, or the payee's own), or quantity × per unit.

Rows are the credits of the component's ``measure`` (its crediting rules and filter; all credits
without one) that pass ``filter``. The rate of a row is, in order:
- ``per_unit``: amount = credited units × per_unit, credited units = |quantity| × share, negative on
  a reversal (credits without quantity: CALC034, no earning);
- ``rate_table``: the rate for the row's ``by`` value (as text), else ``default`` (else CALC031);
- ``rate_parameter``: the payee's parameter of that name from ``assignments.parameters`` (a number
  or a percent string like "4%"), else the plan's ``parameters`` default, else ``rate`` (none of
  them: CALC033; a payee value that is not a number: CALC032 — never silently replaced);
- ``rate``.
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
    factor_literal,
    has_measure,
    issue_lines,
    money_text,
    mul,
    percent_sql,
    plain_text,
    relation,
)
from attain.core.errors import Issue, Severity
from attain.plans.dialect import Dialect
from attain.plans.schema import PlanDocument, RateComponent


class RateKind:
    """``kind: rate`` — see docs/components/rate.md."""

    kind: ClassVar[str] = "rate"
    stage: ClassVar[int] = 1

    def validate(self, component: RateComponent, plan: PlanDocument) -> list[Issue]:
        where = f"component {component.id}"
        given = [component.rate is not None or component.rate_parameter is not None,
                 component.per_unit is not None, component.rate_table is not None]
        issues: list[Issue] = []
        if not any(given):
            issues.append(Issue(codes.RATE_MISSING, f"{where}: give a `rate`, `per_unit`, `rate_table` or "
                                "`rate_parameter`", record=where))
        elif sum(given) > 1:
            issues.append(Issue(codes.RATE_AMBIGUOUS, f"{where}: give only one of `rate` (or "
                                "`rate_parameter`), `per_unit` and `rate_table`", record=where))
        name = component.rate_parameter
        if name is not None and name not in plan.parameters and component.rate is None:
            issues.append(Issue(codes.RATE_PARAMETER_UNKNOWN, f"{where}: `rate_parameter` {name!r} has no "
                                "plan default and the component no `rate`: payees without it pay nothing",
                                severity=Severity.WARNING, record=where))
        if component.measure is not None and not has_measure(plan, component.measure):
            issues.append(Issue(codes.UNKNOWN_MEASURE, f"{where}: measure {component.measure!r} is not "
                                "declared in the plan's measures", record=where))
        return issues + check_cap(component, where)

    def earnings_sql(self, component: RateComponent, ctx: EarnContext) -> str:
        d, p = ctx.dialect, ctx.money_places
        base = "units" if component.per_unit is not None else "credit"
        amount = _amount_sql(component, d, f"r.{base}")
        rate_words = (f"concat({money_text(d, 'r.rate', p)}, ' per unit')" if component.per_unit is not None
                      else percent_sql(d, "r.rate"))
        explanation = (f"concat('{base} ', {money_text(d, 'r.' + base, p)}, ' of ', r.transaction_id, ' × ', "
                       f"{rate_words}, r.rate_source, ' = ', {money_text(d, amount, p)})")
        inner = f"""SELECT r.payee_id, r.period_label, {d.string(component.id)} AS component_id,
            'rate' AS component_kind, r.credit_id, r.transaction_id, r.rule_id, NULL AS basis_before,
            r.{base} AS basis_after, NULL AS tier_index, NULL AS tier_rate, r.rate AS rate_or_factor,
            {amount} AS amount, {explanation} AS explanation, r.payee_period_no
          FROM ({_rated(component, ctx)}) AS r WHERE r.problem IS NULL"""  # noqa: S608
        return earning_lines(inner, d, ctx.explanations)

    def issues_sql(self, component: RateComponent, ctx: EarnContext) -> str | None:
        d = ctx.dialect
        inner = f"""SELECT r.problem AS code, 'error' AS severity, r.payee_id, r.period_label,
            {d.string(component.id)} AS component_id, r.credit_id,
            concat('component {component.id}: credit of ', r.transaction_id, ' pays nothing: ',
                   r.problem_text)
              AS message
          FROM ({_rated(component, ctx)}) AS r WHERE r.problem IS NOT NULL"""  # noqa: S608
        return issue_lines(inner, d)

    def explain(self, row: Mapping[str, Any]) -> str:
        return describe(row)


def _rated(component: RateComponent, ctx: EarnContext) -> str:
    """The component's credit rows with ``rate``, ``rate_source`` and ``problem`` (a CALC code)."""
    d = ctx.dialect
    source = ctx.measure_credits(component.measure) if component.measure else "SELECT * FROM credits"
    where = f"WHERE {ctx.compile_formula(component.filter)}" if component.filter else ""
    rows = f"SELECT c.*{_table_key(component, ctx)} FROM {relation(source)} AS c {where}"  # noqa: S608
    rate, source_words, problem, problem_text = _rate_parts(component, ctx.plan, d)
    units = d.calc("abs(k.quantity) * k.share")
    join = ("LEFT JOIN assignments AS a ON a.payee_id = k.payee_id AND a.period_label = k.period_label"
            if component.rate_parameter is not None else "")
    return f"""SELECT k.*, {rate} AS rate, {source_words} AS rate_source, {problem} AS problem,
        CASE WHEN k.is_reversal THEN -{units} ELSE {units} END AS units,
        {problem_text} AS problem_text
      FROM ({rows}) AS k {join}"""  # noqa: S608


def _amount_sql(component: RateComponent, d: Dialect, base: str) -> str:
    """base × rate at 10 places: a constant rate (or each rate of a table) through ``Dialect.mul``,
    which multiplies at narrow decimal types when it can; a payee parameter through the wide path."""
    if component.per_unit is not None:
        return d.mul(base, component.per_unit)
    if component.rate_table is not None:
        table = component.rate_table
        whens = " ".join(f"WHEN {d.string(key)} THEN {d.mul(base, rate)}"
                         for key, rate in table.rates.items())
        fallback = "NULL" if table.default is None else d.mul(base, table.default)
        return f"(CASE r.rate_key {whens} ELSE {fallback} END)"
    if component.rate_parameter is not None:
        return mul(d, base, "r.rate")
    assert component.rate is not None
    return d.mul(base, component.rate)


def _table_key(component: RateComponent, ctx: EarnContext) -> str:
    if component.rate_table is None:
        return ""
    return f", CAST({ctx.compile_formula(component.rate_table.by)} AS VARCHAR) AS rate_key"


def _rate_parts(component: RateComponent, plan: PlanDocument, d: Dialect) -> tuple[str, str, str, str]:
    """SQL of (rate, its source in words, problem code or NULL, problem text)."""
    if component.per_unit is not None:
        problem = f"CASE WHEN k.quantity IS NULL THEN {d.string(codes.NO_QUANTITY)} END"
        return factor_literal(component.per_unit), "''", problem, "'the credit has no quantity'"
    if component.rate_table is not None:
        table = component.rate_table
        whens = " ".join(f"WHEN {d.string(key)} THEN {d.decimal(rate)}" for key, rate in table.rates.items())
        fallback = "NULL" if table.default is None else d.decimal(table.default)
        rate = f"(CASE k.rate_key {whens} ELSE {fallback} END)"
        words = "concat(' (rate table: ', coalesce(k.rate_key, 'no value'), ')')"
        problem = f"CASE WHEN {rate} IS NULL THEN {d.string(codes.NO_TABLE_RATE)} END"
        text = "concat('the rate table has no rate for ', coalesce(k.rate_key, 'an empty value'))"
        return rate, words, problem, text
    if component.rate_parameter is not None:
        name = component.rate_parameter
        if name in plan.parameters:
            return _parameter_parts(name, plan.parameters[name], f"plan default {name}", d)
        return _parameter_parts(name, component.rate, "the component rate", d)
    assert component.rate is not None
    return factor_literal(component.rate), "''", "NULL", "NULL"


def _parameter_parts(
    name: str, default: Decimal | None, default_words: str, d: Dialect
) -> tuple[str, str, str, str]:
    """The payee's parameter ``name`` (number or percent text), else ``default``."""
    raw = f"trim({d.json_text('a.parameters', name)})"
    pct = f"{d.calc(f'TRY_CAST(rtrim({raw}, {d.string(chr(37))}) AS DECIMAL(38, 10)) * 0.01')}"
    payee = f"(CASE WHEN right({raw}, 1) = '%' THEN {pct} ELSE TRY_CAST({raw} AS DECIMAL(38, 10)) END)"
    fallback = "NULL" if default is None else d.decimal(default)
    rate = f"COALESCE({payee}, {fallback})"
    default_text = f" ({default_words})" if default is None else f" ({default_words} {plain_text(default)})"
    words = (f"(CASE WHEN {payee} IS NOT NULL THEN ' (payee parameter {name})' "
             f"ELSE {d.string(default_text)} END)")
    problem = (f"CASE WHEN {raw} IS NOT NULL AND {payee} IS NULL THEN {d.string(codes.BAD_PARAMETER)} "
               f"WHEN {rate} IS NULL THEN {d.string(codes.NO_RATE)} END")
    text = (f"CASE WHEN {raw} IS NOT NULL AND {payee} IS NULL THEN concat('payee parameter {name} is ', "
            f"{raw}, ', not a number') ELSE 'no payee parameter {name}, plan default or rate' END")
    return rate, words, problem, text
