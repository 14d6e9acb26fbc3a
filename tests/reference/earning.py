"""Stage 3 of the oracle — earn: one function per component kind, one credit row at a time.

Follows docs/calculation.md "Stage 3 — earn". Readings chosen where the contract is silent:
- Attainment tables with ``tier_period: year`` scale their bounds by the quota to date of the
  period (the sum of the prorated quotas so far); ``period_end`` + year is then the to-date
  true-up G_t(YTD_t) - G_{t-1}(YTD_{t-1}). ``per_transaction`` rates each credit alone against the
  period's quota and target incentive whatever ``tier_period`` says (there is no running total).
- ``rate_of: target_incentive`` always rates attainment (value / quota at 10 places); the bounds
  are fractions of quota and the curve's value is multiplied by the target incentive — the
  period's, or with ``tier_period: year`` the target incentive to date (the on-plan periods of the
  year so far), so that the year-to-date payout is TI to date x F(attainment to date).
- ``per_unit``: credited quantity = |quantity| x share, negative on a reversal row.
- A rate table row whose ``by`` value is not listed and has no default earns nothing.
- Multiplier: the attainment test uses attainment_to_date of the earning's period; a line without
  a credit (bonus, period_end) passes only when the multiplier has no ``condition``.
- Bonus: the threshold (>=) is tested on the period's attainment (or value); a ``curve`` is rated
  marginal with boundary ``higher`` unless a tier says otherwise; ``once_per_year`` pays the first
  period of the fiscal year whose bonus is not zero.
- SPIFF: only bookings qualify (reversals never pay); a reversal of a deal that was paid a SPIFF
  takes the SPIFF back (minus the same amount), in the reversal's own period, wherever its date
  falls, partial or not (``every_time``). ``once_per_period`` pays one SPIFF for a period that
  has at least one qualifying booking whose deal is not reversed (as of the run), on the first
  such booking: when every qualifying deal of a period is reversed later, that period's SPIFF goes
  away retroactively (restated in its own period, recovered by the to-date payout) instead of
  landing in the reversal's period — the one place where a reversal does not act in its own
  period. Both modes agree with the engine; the contract should spell this out.
- The target incentive is never prorated (only quotas are).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from attain.core.periods import Period
from attain.plans.schema import (
    BonusComponent,
    Boundary,
    Evaluation,
    MboComponent,
    MultiplierComponent,
    RateComponent,
    RateOf,
    Rating,
    SpiffComponent,
    TieredComponent,
)

from .crediting import OracleIssue, at_10_places
from .formulas import evaluate, holds
from .inputs import Row
from .measuring import PlanRun, measure_rows, measure_table, row_value
from .tiers import bands, curve

ZERO = Decimal(0)


@dataclass(frozen=True)
class Earning:
    """One earning line: who, when, which component, how much, and from which credit row."""

    payee_id: str
    period_label: str
    component_id: str
    amount: Decimal
    credit: Row | None = None
    note: str = ""


def on_plan_periods(run: PlanRun, payee: str) -> list[Period]:
    return [p for p in run.periods if (payee, p.label) in run.assignments]


def target_incentive(run: PlanRun, payee: str, period: Period) -> Decimal:
    return run.assignments[(payee, period.label)].target_incentive


def by_date(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (r["date"], r["transaction_id"], r["credit_id"]))


# ---------------------------------------------------------------------------------------------
# Tiered
# ---------------------------------------------------------------------------------------------


def year_to_date(component: TieredComponent) -> bool:
    """A curve on the year to date: ``tier_period: year`` with a running total (cumulative or
    period_end). A per-transaction table rates each credit alone, so its tier period is moot."""
    return component.tier_period == "year" and component.evaluation is not Evaluation.PER_TRANSACTION


def tier_curve(run: PlanRun, component: TieredComponent, payee: str, period: Period,
               issues: list[OracleIssue]) -> Callable[[Decimal], Decimal] | None:
    """G(x) for one payee and period: the tier curve in money, or None (CALC030) without quota."""
    measure = next(m for m in run.plan.measures if m.id == component.measure)
    needs_quota = component.basis.value == "attainment" or component.rate_of is RateOf.TARGET_INCENTIVE
    if not needs_quota:
        table = bands(component.tiers, component.rating)
        return lambda x: curve(table, component.boundary, x)
    row = measure_table(run, measure, payee)[period.label]
    to_date = year_to_date(component)
    quota = row["quota_to_date"] if to_date else row["quota_prorated"]
    if quota is None or quota == 0:
        issues.append(OracleIssue("CALC030", f"{payee} {period.label} {component.id}",
                                  f"no quota for measure {measure.id}: attainment is unknown"))
        return None
    if component.rate_of is RateOf.TARGET_INCENTIVE:
        ti = target_incentive(run, payee, period) if not to_date else sum(
            (target_incentive(run, payee, p) for p in run.year_to_date(period)
             if (payee, p.label) in run.assignments), ZERO)
        unscaled = bands(component.tiers, component.rating)
        # F(attainment) is a calculated amount, so it is kept at 10 places before x target incentive
        return lambda x: ti * at_10_places(curve(unscaled, component.boundary, at_10_places(x / quota)))
    scaled = bands(component.tiers, component.rating, scale=quota)
    return lambda x: curve(scaled, component.boundary, x)


def tier_groups(run: PlanRun, component: TieredComponent, payee: str) -> list[list[Period]]:
    """The tier periods: each pay period alone, or the pay periods of each fiscal year."""
    if component.tier_period == "period":
        return [[p] for p in run.periods]
    years = sorted({run.year_of(p) for p in run.periods})
    return [[p for p in run.periods if run.year_of(p) == y] for y in years]


def tiered(run: PlanRun, component: TieredComponent, payee: str, issues: list[OracleIssue]) -> list[Earning]:
    measure = next(m for m in run.plan.measures if m.id == component.measure)
    on_plan = {p.label for p in on_plan_periods(run, payee)}
    curves = {p.label: tier_curve(run, component, payee, p, issues)
              for p in run.periods if p.label in on_plan}
    lines: list[Earning] = []
    for group in tier_groups(run, component, payee):
        rows = by_date(measure_rows(run, measure, payee, group))
        if component.evaluation is Evaluation.PER_TRANSACTION:
            for row in rows:
                g = curves.get(row["period_label"])
                if g is not None:
                    x = row_value(measure, row)
                    lines.append(Earning(payee, row["period_label"], component.id,
                                         at_10_places(g(x)), row, f"F({x})"))
        elif component.evaluation is Evaluation.CUMULATIVE:
            running = ZERO
            for row in rows:
                before, running = running, running + row_value(measure, row)
                g = curves.get(row["period_label"])
                if g is not None:
                    lines.append(Earning(payee, row["period_label"], component.id,
                                         at_10_places(g(running) - g(before)), row,
                                         f"F({running}) - F({before})"))
        else:
            lines.extend(period_end(run, component, payee, group, curves))
    return lines


def period_end(run: PlanRun, component: TieredComponent, payee: str, group: list[Period],
               curves: dict[str, Callable[[Decimal], Decimal] | None]) -> list[Earning]:
    """One line per period: F(period total), or the year-to-date true-up for ``tier_period: year``."""
    measure = next(m for m in run.plan.measures if m.id == component.measure)
    table = measure_table(run, measure, payee)
    lines = []
    earned_before = ZERO  # G_{t-1}(YTD_{t-1}): what the curve gave at the previous period's end
    for period in group:
        g = curves.get(period.label)
        row = table[period.label]
        if component.tier_period == "period":
            if g is not None:
                lines.append(Earning(payee, period.label, component.id,
                                     at_10_places(g(row["value"])), None, "F(period)"))
            continue
        to_date = g(row["value_to_date"]) if g is not None else None
        if to_date is not None:
            lines.append(Earning(payee, period.label, component.id,
                                 at_10_places(to_date - earned_before), None, "F(YTD) - before"))
            earned_before = to_date
    return lines


# ---------------------------------------------------------------------------------------------
# Rate, bonus, MBO, SPIFF
# ---------------------------------------------------------------------------------------------


def component_rows(run: PlanRun, measure_id: str | None, payee: str, period: Period) -> list[Row]:
    if measure_id is None:
        return by_date(run.credits_of(payee, period))
    measure = next(m for m in run.plan.measures if m.id == measure_id)
    return by_date(measure_rows(run, measure, payee, [period]))


def rate_for(run: PlanRun, component: RateComponent, payee: str, period: Period, row: Row) -> Decimal | None:
    if component.rate_table is not None:
        key = evaluate(component.rate_table.by, row)
        return component.rate_table.rates.get(str(key), component.rate_table.default)
    if component.rate_parameter is not None:
        value = run.parameter(payee, period, component.rate_parameter)
        if value is not None:
            return value
    return component.rate


def rate(run: PlanRun, component: RateComponent, payee: str, issues: list[OracleIssue]) -> list[Earning]:
    lines = []
    for period in on_plan_periods(run, payee):
        for row in component_rows(run, component.measure, payee, period):
            if not holds(component.filter, row):
                continue
            if component.per_unit is not None:
                quantity = abs(row["quantity"] or ZERO) * row["share"]
                if row["is_reversal"]:
                    quantity = -quantity
                lines.append(Earning(payee, period.label, component.id,
                                     at_10_places(quantity * component.per_unit), row, "per unit"))
                continue
            factor = rate_for(run, component, payee, period, row)
            if factor is not None:
                lines.append(Earning(payee, period.label, component.id,
                                     at_10_places(row["credit"] * factor), row, f"x {factor}"))
    return lines


def bonus(run: PlanRun, component: BonusComponent, payee: str, issues: list[OracleIssue]) -> list[Earning]:
    measure = next(m for m in run.plan.measures if m.id == component.measure)
    table = measure_table(run, measure, payee)
    paid_in_year: set[int] = set()
    lines = []
    for period in on_plan_periods(run, payee):
        row = table[period.label]
        x = row["attainment"] if component.basis.value == "attainment" else row["value"]
        if x is None:
            issues.append(OracleIssue("CALC030", f"{payee} {period.label} {component.id}",
                                      f"no quota for measure {measure.id}"))
            continue
        amount = bonus_amount(component, x, target_incentive(run, payee, period))
        if component.frequency == "once_per_year":
            if run.year_of(period) in paid_in_year:
                amount = ZERO
            elif amount != 0:
                paid_in_year.add(run.year_of(period))
        lines.append(Earning(payee, period.label, component.id, at_10_places(amount), None, f"basis {x}"))
    return lines


def bonus_amount(component: BonusComponent, x: Decimal, ti: Decimal) -> Decimal:
    if component.curve is not None:
        return ti * curve(bands(component.curve, Rating.MARGINAL), Boundary.HIGHER, x)
    if component.threshold is None or x < component.threshold:
        return ZERO
    if component.amount is not None:
        return component.amount
    return (component.percent_of_target_incentive or ZERO) * ti


def mbo(run: PlanRun, component: MboComponent, payee: str, issues: list[OracleIssue]) -> list[Earning]:
    lines = []
    for period in on_plan_periods(run, payee):
        scores = {r["objective_id"]: r["score"]
                  for r in run.scores_by_payee_period.get((payee, period.label), [])}
        weighted = sum((o.weight * min(scores.get(o.id, ZERO), component.max_score)
                        for o in component.objectives), ZERO)
        lines.append(Earning(payee, period.label, component.id,
                             at_10_places(target_incentive(run, payee, period) * weighted), None, "mbo"))
    return lines


def spiff_qualifies(component: SpiffComponent, row: Row) -> bool:
    """A booking (not a reversal) of the SPIFF's credit rules, dated in the window, passing the filter."""
    return bool(
        not row["is_reversal"]
        and (component.credit_rules is None or row["rule_id"] in component.credit_rules)
        and (component.window_from is None or row["date"] >= component.window_from)
        and (component.window_to is None or row["date"] <= component.window_to)
        and holds(component.filter, row))


def spiff(run: PlanRun, component: SpiffComponent, payee: str, issues: list[OracleIssue]) -> list[Earning]:
    paid: dict[tuple[str, str], Decimal] = {}  # (transaction, rule) -> the SPIFF paid on that deal
    reversed_ever = {(r["reverses_id"], r["rule_id"]) for r in run.credits_of(payee) if r["is_reversal"]}
    lines: list[Earning] = []
    for period in on_plan_periods(run, payee):
        rows = component_rows(run, None, payee, period)
        qualifying = [row for row in rows if spiff_qualifies(component, row)]
        if component.frequency == "once_per_period":  # the first deal of the period never reversed
            kept = [r for r in qualifying if (r["transaction_id"], r["rule_id"]) not in reversed_ever]
            qualifying = kept[:1]
        for row in qualifying:
            raw: Any = component.amount if component.amount_formula is None else evaluate(
                component.amount_formula, row)
            amount = at_10_places(Decimal(raw or 0))
            paid[(row["transaction_id"], row["rule_id"])] = amount
            lines.append(Earning(payee, period.label, component.id, amount, row, "spiff"))
        for row in rows:  # a reversal of a deal that was paid a SPIFF takes it back, in its own period
            key = (row["reverses_id"], row["rule_id"])
            if row["is_reversal"] and key in paid:
                lines.append(Earning(payee, period.label, component.id, -paid[key], row, "spiff reversed"))
    return lines


# ---------------------------------------------------------------------------------------------
# Multiplier (stage 2: from the other components' lines)
# ---------------------------------------------------------------------------------------------


def multiplier(run: PlanRun, component: MultiplierComponent, payee: str, base: list[Earning],
               issues: list[OracleIssue]) -> list[Earning]:
    table = None
    if component.measure is not None:
        measure = next(m for m in run.plan.measures if m.id == component.measure)
        table = measure_table(run, measure, payee)
    lines = []
    for line in base:
        if line.payee_id != payee or line.component_id not in component.applies_to:
            continue
        if component.condition is not None and (line.credit is None or not holds(component.condition,
                                                                                   line.credit)):
            continue
        if table is not None and not attainment_in_range(component, table[line.period_label]):
            continue
        lines.append(Earning(payee, line.period_label, component.id,
                             at_10_places((component.factor - 1) * line.amount), line.credit,
                             f"x {component.factor} on {line.component_id}"))
    return lines


def attainment_in_range(component: MultiplierComponent, row: Row) -> bool:
    attainment = row["attainment_to_date"]
    if attainment is None:
        return False
    if component.attainment_at_least is not None and attainment < component.attainment_at_least:
        return False
    return not (component.attainment_below is not None and attainment >= component.attainment_below)


STAGE_ONE = {"tiered": tiered, "rate": rate, "bonus": bonus, "mbo": mbo, "spiff": spiff}
