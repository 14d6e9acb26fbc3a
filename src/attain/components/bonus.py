"""Bonuses at period end: a threshold on a measure (amount or % of target incentive), or a payout curve.

- ``threshold``: the period's attainment (``basis: attainment``) or value (``basis: amount``)
  reaches the threshold (≥) → ``amount``, or ``percent_of_target_incentive`` × the period's target
  incentive.
- ``curve``: a tier table over the same basis whose rates are fractions of target incentive:
  amount = the period's target incentive × F(x) (tiers default to marginal rating).
- ``once_per_year``: only the first period of the fiscal year whose bonus is not zero pays.
No quota (attainment basis) → CALC030, no bonus. One line per payee-period that pays.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from attain.components import codes
from attain.components.base import EarnContext
from attain.components.caps import check_cap
from attain.components.lines import (
    INCENTIVE_RELATION,
    describe,
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
        return earning_lines(_bonus_sql(component, d, ctx.money_places), d, ctx.explanations)

    def issues_sql(self, component: BonusComponent, ctx: EarnContext) -> str | None:
        d = ctx.dialect
        if component.basis is not Basis.ATTAINMENT:
            return None
        inner = f"""SELECT {d.string(codes.NO_QUOTA)} AS code, 'error' AS severity, b.payee_id,
            b.period_label,
            {d.string(component.id)} AS component_id, NULL AS credit_id,
            concat('no quota for measure {component.measure} in ', b.period_label,
                   ': bonus {component.id} cannot be tested this period') AS message
          FROM ({_periods(component, d)}) AS b WHERE b.x IS NULL"""  # noqa: S608 - quoted fragments
        return issue_lines(inner, d)

    def explain(self, row: Mapping[str, Any]) -> str:
        return describe(row)


def _check_shape(component: BonusComponent, where: str) -> list[Issue]:
    pays = [component.amount is not None, component.percent_of_target_incentive is not None]
    if component.curve:
        issues = check_tiers(component.curve, Rating.MARGINAL, f"{where} curve")
        if any(pays) or component.threshold is not None:
            issues.append(Issue(codes.BONUS_CURVE_AND_AMOUNT, f"{where}: a curve bonus takes no `amount`, "
                                "`percent_of_target_incentive` or `threshold`", record=where))
        return issues
    if sum(pays) != 1:
        return [Issue(codes.BONUS_NO_AMOUNT, f"{where}: give exactly one of `amount`, "
                      "`percent_of_target_incentive` or a `curve`", record=where)]
    if component.threshold is None:
        return [Issue(codes.BONUS_NO_THRESHOLD, f"{where}: a bonus with an amount needs a `threshold`",
                      record=where)]
    return []


def _periods(component: BonusComponent, d: Dialect) -> str:
    """Payee-periods on the plan with the tested value ``x`` (period attainment or value) and ``ti``."""
    x = "m.attainment" if component.basis is Basis.ATTAINMENT else "m.value"
    return f"""SELECT m.payee_id, m.period_label, inc.payee_period_no, m.year_label, m.period_index, {x} AS x,
        inc.ti_period AS ti
      FROM measures AS m JOIN ({INCENTIVE_RELATION}) AS inc
        ON inc.payee_id = m.payee_id AND inc.period_label = m.period_label
      WHERE m.measure_id = {d.string(component.measure)}"""  # noqa: S608 - quoted fragments


def _x_text(component: BonusComponent, d: Dialect, sql: str, places: int) -> str:
    if component.basis is Basis.ATTAINMENT:
        return f"concat({money_text(d, mul(d, sql, '100'))}, '%')"
    return money_text(d, sql, places)


def _threshold_amount(component: BonusComponent, d: Dialect, places: int) -> tuple[str, str]:
    """SQL of (amount when reached, explanation) for a threshold bonus over rows ``b``."""
    assert component.threshold is not None
    reached = f"b.x >= {d.decimal(component.threshold)}"
    if component.amount is not None:
        pay, how = d.decimal(component.amount), "''"
    else:
        assert component.percent_of_target_incentive is not None
        pay = mul(d, d.decimal(component.percent_of_target_incentive), "b.ti")
        how = (f"concat(' (', {d.string(percent_text(component.percent_of_target_incentive))}, "
               f"' of target incentive ', {money_text(d, 'b.ti', places)}, ')')")
    threshold = (f"{plain_text(component.threshold * 100)}%" if component.basis is Basis.ATTAINMENT
                 else plain_text(component.threshold))
    tested = _x_text(component, d, "b.x", places)
    explanation = (f"concat('{component.measure} {component.basis.value} ', {tested}, "
                   f"' reached the {threshold} threshold: bonus ', {money_text(d, pay, places)}, {how})")
    amount = f"CASE WHEN {reached} THEN {pay} ELSE {d.decimal(Decimal(0))} END"
    return amount, explanation


def _curve_amount(component: BonusComponent, d: Dialect, places: int) -> tuple[str, str, str, str]:
    """SQL of (amount, explanation, tier index, tier rate) for a curve bonus over rows ``b``."""
    assert component.curve is not None
    curve = CurveSql(TierCurve.of(component.curve, Rating.MARGINAL), d)
    share = curve.value("b.x")
    amount = mul(d, "b.ti", share)
    tested = _x_text(component, d, "b.x", places)
    explanation = (f"concat('{component.measure} {component.basis.value} ', {tested}, ': curve pays ', "
                   f"{number_text(d, share)}, ' of target incentive ', "
                   f"{money_text(d, 'b.ti', places)}, ' = ', "
                   f"{money_text(d, amount, places)})")
    return amount, explanation, curve.tier_index("b.x"), curve.tier_rate("b.x")


def _bonus_sql(component: BonusComponent, d: Dialect, places: int) -> str:
    if component.curve:
        amount, explanation, tier_index, tier_rate = _curve_amount(component, d, places)
        factor = "NULL"
    else:
        amount, explanation = _threshold_amount(component, d, places)
        tier_index = tier_rate = "NULL"
        factor = d.decimal(component.threshold or Decimal(0))
    rows = f"""SELECT b.payee_id, b.period_label, b.payee_period_no, b.year_label, b.period_index, b.x,
        {amount} AS amount, {explanation} AS explanation, {tier_index} AS tier_index,
        {tier_rate} AS tier_rate
      FROM ({_periods(component, d)}) AS b WHERE b.x IS NOT NULL"""  # noqa: S608 - quoted fragments
    first = "TRUE"
    if component.frequency == "once_per_year":
        earlier = ("BOOL_OR(r.amount <> 0) OVER (PARTITION BY r.payee_id, r.year_label "
                   "ORDER BY r.period_index ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)")
        first = f"NOT COALESCE({earlier}, FALSE)"
    return f"""SELECT * FROM (
        SELECT r.payee_id, r.period_label, {d.string(component.id)} AS component_id,
          'bonus' AS component_kind, NULL AS credit_id, NULL AS transaction_id, NULL AS rule_id,
          NULL AS basis_before, r.x AS basis_after, r.tier_index, r.tier_rate,
          {factor} AS rate_or_factor, r.amount, r.explanation, r.payee_period_no, {first} AS first_time
        FROM ({rows}) AS r) AS t
      WHERE t.amount <> 0 AND t.first_time"""  # noqa: S608 - quoted fragments
