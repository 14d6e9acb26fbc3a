"""Bonuses at period end: a threshold on a measure (amount or % of target incentive), or a payout curve.

- ``threshold``: the period's attainment (``basis: attainment``) or value (``basis: amount``)
  reaches the threshold → ``amount``, or ``percent_of_target_incentive`` × the period's target
  incentive. ``once_per_year`` tests the year-to-date attainment/value instead and pays only in the
  first period of the fiscal year in which it is reached (× the year's target incentive).
- ``curve``: a tier table over the period's attainment whose rates are fractions of target
  incentive: amount = target incentive × F(attainment) (tiers default to marginal rating).
No quota → CALC030, no bonus. One line per payee-period that pays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from attain.components import codes
from attain.components.base import EarnContext
from attain.components.caps import check_cap
from attain.components.lines import (
    INCENTIVE_RELATION,
    earning_lines,
    has_measure,
    issue_lines,
    money_text,
    mul,
    number_text,
    percent_text,
    plain_text,
)
from attain.components.tier_checks import check_tiers
from attain.components.tiers import CurveSql, TierCurve
from attain.core.errors import Issue
from attain.plans.dialect import Dialect
from attain.plans.schema import Basis, BonusComponent, PlanDocument, Rating


class BonusKind:
    """``kind: bonus`` — see docs/components/bonus.md."""

    kind: ClassVar[str] = "bonus"
    stage: ClassVar[int] = 1

    def validate(self, component: BonusComponent, plan: PlanDocument) -> list[Issue]:
        where = f"component {component.id}"
        issues = _check_shape(component, where)
        if not has_measure(plan, component.measure):
            issues.append(Issue(codes.UNKNOWN_MEASURE, f"{where}: measure {component.measure!r} is not "
                                "declared in the plan's measures", record=where))
        return issues + check_cap(component, where)

    def earnings_sql(self, component: BonusComponent, ctx: EarnContext) -> str:
        d = ctx.dialect
        if component.curve:
            return earning_lines(_curve_sql(component, d), d)
        return earning_lines(_threshold_sql(component, d), d)

    def issues_sql(self, component: BonusComponent, ctx: EarnContext) -> str | None:
        d = ctx.dialect
        if component.basis is not Basis.ATTAINMENT and not component.curve:
            return None
        inner = f"""SELECT {d.string(codes.NO_QUOTA)} AS code, 'error' AS severity, b.payee_id,
            b.period_label,
            {d.string(component.id)} AS component_id, NULL AS credit_id,
            concat('no quota for measure {component.measure} in ', b.period_label,
                   ': bonus {component.id} cannot be tested this period') AS message
          FROM ({_periods(component, d)}) AS b WHERE b.x IS NULL"""  # noqa: S608 - quoted fragments
        return issue_lines(inner, d)

    def explain(self, row: Mapping[str, Any]) -> str:
        return str(row.get("explanation") or "")


def _check_shape(component: BonusComponent, where: str) -> list[Issue]:
    pays = [component.amount is not None, component.percent_of_target_incentive is not None]
    if component.curve:
        issues = check_tiers(component.curve, Rating.MARGINAL, f"{where} curve")
        if any(pays) or component.threshold is not None:
            issues.append(Issue(codes.BONUS_CURVE_AND_AMOUNT, f"{where}: a curve bonus takes no `amount`, "
                                "`percent_of_target_incentive` or `threshold`", record=where))
        if component.frequency == "once_per_year":
            issues.append(Issue(codes.BONUS_CURVE_ONCE_PER_YEAR, f"{where}: a curve bonus pays every period; "
                                "`once_per_year` needs a threshold", record=where))
        if component.basis is not Basis.ATTAINMENT:
            issues.append(Issue(codes.TIER_INCENTIVE_NEEDS_ATTAINMENT, f"{where}: a bonus curve is over "
                                "attainment; set `basis: attainment`", record=where))
        return issues
    if sum(pays) != 1:
        return [Issue(codes.BONUS_NO_AMOUNT, f"{where}: give exactly one of `amount`, "
                      "`percent_of_target_incentive` or a `curve`", record=where)]
    if component.threshold is None:
        return [Issue(codes.BONUS_NO_THRESHOLD, f"{where}: a bonus with an amount needs a `threshold`",
                      record=where)]
    return []


def _periods(component: BonusComponent, d: Dialect) -> str:
    """Payee-periods on the plan with the tested value ``x`` and target incentive ``ti``."""
    to_date = component.frequency == "once_per_year"
    if component.basis is Basis.ATTAINMENT or component.curve:
        x = "m.attainment_to_date" if to_date else "m.attainment"
    else:
        x = "m.value_to_date" if to_date else "m.value"
    ti = "inc.ti_year" if to_date else "inc.ti_period"
    return f"""SELECT m.payee_id, m.period_label, m.year_label, m.period_index, {x} AS x, {ti} AS ti
      FROM measures AS m JOIN ({INCENTIVE_RELATION}) AS inc
        ON inc.payee_id = m.payee_id AND inc.period_label = m.period_label
      WHERE m.measure_id = {d.string(component.measure)}"""  # noqa: S608 - quoted fragments


def _x_text(component: BonusComponent, d: Dialect, sql: str) -> str:
    if component.basis is Basis.ATTAINMENT or component.curve:
        return f"concat({money_text(d, mul(d, sql, '100'))}, '%')"
    return money_text(d, sql)


def _threshold_sql(component: BonusComponent, d: Dialect) -> str:
    assert component.threshold is not None
    reached = f"(b.x >= {d.decimal(component.threshold)})"
    first = "TRUE"
    if component.frequency == "once_per_year":
        earlier = ("BOOL_OR(r.reached) OVER (PARTITION BY r.payee_id, r.year_label ORDER BY r.period_index "
                   "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)")
        first = f"NOT COALESCE({earlier}, FALSE)"
    if component.amount is not None:
        amount, how = d.decimal(component.amount), "''"
    else:
        assert component.percent_of_target_incentive is not None
        amount = mul(d, d.decimal(component.percent_of_target_incentive), "r.ti")
        how = (f"concat(' (', {d.string(percent_text(component.percent_of_target_incentive))}, "
               f"' of target incentive ', {money_text(d, 'r.ti')}, ')')")
    threshold = (f"{plain_text(component.threshold * 100)}%" if component.basis is Basis.ATTAINMENT
                 else plain_text(component.threshold))
    scope = " to date" if component.frequency == "once_per_year" else ""
    tested = _x_text(component, d, "r.x")
    explanation = (f"concat('{component.measure} {component.basis.value}{scope} ', {tested}, "
                   f"' reached the {threshold} threshold: bonus ', {money_text(d, amount)}, {how})")
    rows = f"SELECT b.*, {reached} AS reached FROM ({_periods(component, d)}) AS b"  # noqa: S608
    return f"""SELECT * FROM (
        SELECT r.payee_id, r.period_label, {d.string(component.id)} AS component_id,
          'bonus' AS component_kind,
          NULL AS credit_id, NULL AS transaction_id, NULL AS rule_id, NULL AS basis_before,
          r.x AS basis_after, NULL AS tier_index, NULL AS tier_rate,
          {d.decimal(component.threshold)} AS rate_or_factor, {amount} AS amount,
          {explanation} AS explanation, r.reached, {first} AS first_time
        FROM ({rows}) AS r) AS t
      WHERE t.reached AND t.first_time"""  # noqa: S608 - quoted fragments


def _curve_sql(component: BonusComponent, d: Dialect) -> str:
    assert component.curve is not None
    curve = CurveSql(TierCurve.of(component.curve, Rating.MARGINAL), d)
    share = curve.value("b.x")
    amount = mul(d, "r.ti", "r.share")
    tested = _x_text(component, d, "r.x")
    explanation = (f"concat('{component.measure} attainment ', {tested}, ': curve pays ', "
                   f"{number_text(d, 'r.share')}, ' of target incentive ', {money_text(d, 'r.ti')}, ' = ', "
                   f"{money_text(d, amount)})")
    rows = f"""SELECT b.*, {share} AS share, {curve.tier_index("b.x")} AS tier_index,
        {curve.tier_rate("b.x")} AS tier_rate
      FROM ({_periods(component, d)}) AS b WHERE b.x IS NOT NULL"""  # noqa: S608
    return f"""SELECT r.payee_id, r.period_label, {d.string(component.id)} AS component_id,
        'bonus' AS component_kind, NULL AS credit_id, NULL AS transaction_id, NULL AS rule_id,
        NULL AS basis_before, r.x AS basis_after, r.tier_index, r.tier_rate, r.share AS rate_or_factor,
        {amount} AS amount, {explanation} AS explanation
      FROM ({rows}) AS r WHERE r.share <> 0"""  # noqa: S608 - quoted fragments
