"""Stage 2 of the oracle — who is on the plan when, and measure values, quotas and attainment.

Follows docs/calculation.md "Periods" and "Stage 2 — measure". Readings chosen where the
contract is silent:
- A plan's measures count the payee's credit rows of the pay periods in which the payee is on the
  plan (a period with at least one day on plan counts whole). Credits of other periods stay facts
  (credit rows) but do not feed this plan's running totals, to-date values or attainment: a payee
  who joins the plan in February starts the plan's year-to-date from February, as a new plan
  assignment starts its accumulators afresh. The quota to date sums the on-plan periods only.
- A payee is on a plan on a day when an assignment row covers it AND a version of the plan is in
  effect (``effective_from`` .. ``effective_to``). Each pay period is governed by ONE version:
  the latest-starting version in effect on some day of the period (a new version supersedes the
  previous one from its effective_from; a mid-period change governs the whole period). Target
  incentive and parameters come from the latest assignment row overlapping the period.
- Quotas: per (measure, period_start) the highest version; a row spanning longer than the pay
  period gives amount x overlap days / its days (10 places, half away from zero).
- ``period_weights`` proration: a month counts as on plan when the payee is on plan on any day of
  it; default weights are equal (1 / months in the period).
- quota_to_date = the sum of the prorated quotas of the fiscal year's periods up to this one;
  attainment_to_date = value_to_date / quota_to_date.
- ``count`` counts credit rows (a reversal row is a row too); ``distinct_count`` counts distinct
  non-empty values of ``of``.

For speed only (the figures are the same): a run files each payee's credit rows by pay period
once, computes a payee's measure table once and keeps it, and carries the year's running totals
from one period to the next instead of adding the year's rows up again in every period.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from attain.core.periods import FiscalCalendar, Period
from attain.plans.schema import Aggregate, Measure, PlanDocument, Proration

from .crediting import at_10_places, group_by
from .formulas import evaluate, holds
from .inputs import Row, Tables


def days_of(period: Period) -> Iterator[date]:
    day = period.start
    while day <= period.end:
        yield day
        day += timedelta(days=1)


@dataclass(frozen=True)
class Assignment:
    """A payee on the plan in one pay period."""

    target_incentive: Decimal
    parameters: dict[str, Any]
    days_on_plan: set[date]


@dataclass
class PlanRun:
    """Everything one plan's calculation needs: its periods, its credits and who is on it when."""

    plan: PlanDocument
    tables: Tables
    calendar: FiscalCalendar
    periods: list[Period]
    credits: list[Row]
    assignments: dict[tuple[str, str], Assignment] = field(default_factory=dict)
    versions: list[PlanDocument] = field(default_factory=list)
    # filed once when the run starts (see __post_init__), so a payee reads only their own rows
    credits_by_payee: dict[str, list[Row]] = field(init=False, repr=False)
    credits_by_payee_period: dict[tuple[str, str], list[Row]] = field(init=False, repr=False)
    quotas_by_payee_measure: dict[tuple[str, str], list[Row]] = field(init=False, repr=False)
    scores_by_payee_period: dict[tuple[str, str], list[Row]] = field(init=False, repr=False)
    measure_tables: dict[tuple[str, str], dict[str, Row]] = field(init=False, repr=False)
    year_assignments: dict[int, dict[tuple[str, str], Assignment]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """File the credit rows (in credit order) by payee and by payee x pay period, the payee
        quotas by payee x measure and the MBO scores by payee x period; start the caches empty."""
        self.credits_by_payee = group_by(self.credits, "payee_id")
        self.credits_by_payee_period = group_by(self.credits, "payee_id", "period_label")
        payee_quotas = [r for r in self.tables["quota"] if r["assignee_kind"] == "payee"]
        self.quotas_by_payee_measure = group_by(payee_quotas, "assignee_id", "measure")
        self.scores_by_payee_period = group_by(self.tables["mbo_score"], "payee_id", "period_label")
        self.measure_tables = {}
        self.year_assignments = {}

    def year_of(self, period: Period) -> int:
        return self.calendar.fiscal_year_of(period.start)

    def year_to_date(self, period: Period) -> list[Period]:
        """The computed periods of the period's fiscal year, up to and including it."""
        return [p for p in self.periods if self.year_of(p) == self.year_of(period) and p <= period]

    def payees(self) -> list[str]:
        return sorted({payee for payee, _ in self.assignments})

    def credits_of(self, payee: str, period: Period | None = None) -> list[Row]:
        """The payee's credit rows (all of them, or those of one pay period), in credit order."""
        if period is None:
            return self.credits_by_payee.get(payee, [])
        return self.credits_by_payee_period.get((payee, period.label), [])

    def assignments_in_year(self, year: int) -> dict[tuple[str, str], Assignment]:
        """Who is on this plan version in each pay period of a whole fiscal year (kept per year)."""
        if year not in self.year_assignments:
            periods = self.calendar.periods(year, self.plan.pay_period)
            self.year_assignments[year] = assignments(self.plan, self.tables, periods, self.versions)
        return self.year_assignments[year]

    def parameter(self, payee: str, period: Period, name: str) -> Decimal | None:
        """A payee parameter (assignment override, else the plan's default)."""
        overrides = self.assignments[(payee, period.label)].parameters
        if name in overrides:
            return exact(overrides[name])
        return self.plan.parameters.get(name)


def exact(value: Any) -> Decimal:
    """A parameter value as an exact decimal: 0.05, "0.05" or "5%"."""
    text = str(value).strip()
    if text.endswith("%"):
        return Decimal(text[:-1]) / 100
    return Decimal(text)


def periods_to_compute(calendar: FiscalCalendar, plan: PlanDocument, labels: list[str]) -> list[Period]:
    """All pay periods from the start of the fiscal year of the first requested period to the last."""
    requested = sorted(calendar.parse(label) for label in labels)
    first_year = calendar.fiscal_year_of(requested[0].start)
    last_year = calendar.fiscal_year_of(requested[-1].start)
    periods = [
        p for year in range(first_year, last_year + 1)
        for p in calendar.periods(year, plan.pay_period)
    ]
    return [p for p in periods if p.end <= requested[-1].end]


def governing_version(versions: list[PlanDocument], period: Period) -> PlanDocument | None:
    """The version of a plan that governs a pay period: the latest-starting one in effect on some
    day of the period (a new version supersedes the previous one from its effective_from on)."""
    overlapping = [v for v in versions if v.effective_from <= period.end
                   and (v.effective_to is None or v.effective_to >= period.start)]
    return max(overlapping, key=lambda v: (v.effective_from, v.version), default=None)


def in_effect(versions: list[PlanDocument], day: date) -> bool:
    return any(v.effective_from <= day and (v.effective_to is None or day <= v.effective_to)
               for v in versions)


def assignments(
    plan: PlanDocument, tables: Tables, periods: list[Period], versions: list[PlanDocument] | None = None
) -> dict[tuple[str, str], Assignment]:
    """(payee, period label) -> Assignment, for every period a payee is on this plan version."""
    versions = versions or [plan]
    rows = [r for r in tables["plan_assignment"] if r["plan_id"] == plan.plan]
    rows_by_payee = group_by(rows, "payee_id")
    found = {}
    for period in periods:
        if governing_version(versions, period) is not plan:
            continue
        for payee in sorted(rows_by_payee):
            mine = rows_by_payee[payee]
            on_plan = {
                day for day in days_of(period)
                if in_effect(versions, day)
                and any(r["valid_from"] <= day and (r["valid_to"] is None or day <= r["valid_to"])
                        for r in mine)
            }
            if not on_plan:
                continue
            overlapping = [r for r in mine if r["valid_from"] <= period.end
                           and (r["valid_to"] is None or r["valid_to"] >= period.start)]
            latest = max(overlapping, key=lambda r: r["valid_from"])
            found[(payee, period.label)] = Assignment(
                target_incentive=latest["target_incentive"] or Decimal(0),
                parameters=json.loads(latest["parameters"] or "{}", parse_float=Decimal),
                days_on_plan=on_plan,
            )
    return found


def measure_rows(run: PlanRun, measure: Measure, payee: str, periods: list[Period]) -> list[Row]:
    """The payee's credit rows that feed a measure (its credit rules and filter) in some periods
    (only the periods in which the payee is on the plan)."""
    on_plan = [p for p in periods if (payee, p.label) in run.assignments]
    return [
        row for period in on_plan for row in run.credits_of(payee, period)
        if (measure.credit_rules is None or row["rule_id"] in measure.credit_rules)
        and holds(measure.filter, row)
    ]


def row_value(measure: Measure, row: Row) -> Decimal:
    """What one credit row adds to a measure: its ``of`` value (sum) or 1 (count)."""
    if measure.aggregate is Aggregate.SUM:
        value = evaluate(measure.of, row)
        return Decimal(0) if value is None else Decimal(value)
    return Decimal(1)


def distinct_values(measure: Measure, rows: list[Row]) -> set[Any]:
    """The distinct non-empty ``of`` values of some credit rows (what distinct_count counts)."""
    return {evaluate(measure.of, r) for r in rows} - {None, ""}


def aggregate(measure: Measure, rows: list[Row]) -> Decimal:
    """A measure's value over some credit rows."""
    if measure.aggregate is Aggregate.DISTINCT_COUNT:
        return Decimal(len(distinct_values(measure, rows)))
    return sum((row_value(measure, r) for r in rows), Decimal(0))


def full_quota(run: PlanRun, measure: Measure, payee: str, period: Period) -> Decimal | None:
    """The payee's quota for the period: highest version, longer spans spread by days."""
    name = measure.quota or measure.id
    rows = run.quotas_by_payee_measure.get((payee, name), [])
    latest: dict[date, Row] = {}
    for row in rows:
        if row["period_start"] not in latest or row["version"] > latest[row["period_start"]]["version"]:
            latest[row["period_start"]] = row
    total = None
    for row in latest.values():
        overlap = (min(row["period_end"], period.end) - max(row["period_start"], period.start)).days + 1
        if overlap <= 0:
            continue
        span = (row["period_end"] - row["period_start"]).days + 1
        total = (total or Decimal(0)) + at_10_places(row["amount"] * overlap / span)
    return total


def proration_factor(run: PlanRun, measure: Measure, payee: str, period: Period) -> Decimal:
    """The part of the period's quota a payee carries: days or month weights on plan."""
    assignment = run.assignments.get((payee, period.label))
    on_plan = assignment.days_on_plan if assignment else set()
    if measure.proration is Proration.NONE or not on_plan:
        return Decimal(1)
    if measure.proration is Proration.DAYS:
        return Decimal(len(on_plan)) / Decimal(period.days)
    months = sorted({(d.year, d.month) for d in days_of(period)})
    weights = measure.period_weights or [Decimal(1) / len(months)] * len(months)
    return sum((w for m, w in zip(months, weights, strict=False)
                if any((d.year, d.month) == m for d in on_plan)), Decimal(0))


def divide(value: Decimal, quota: Decimal | None) -> Decimal | None:
    """value / quota at 10 places; no quota (or zero) gives None."""
    if quota is None or quota == 0:
        return None
    return at_10_places(value / quota)


def measure_table(run: PlanRun, measure: Measure, payee: str) -> dict[str, Row]:
    """period label -> the measure row (value, to date, quota, prorated quota, attainment...);
    computed once per payee and measure, then reused."""
    key = (measure.id, payee)
    if key not in run.measure_tables:
        run.measure_tables[key] = build_measure_table(run, measure, payee)
    return run.measure_tables[key]


def build_measure_table(run: PlanRun, measure: Measure, payee: str) -> dict[str, Row]:
    """The measure rows of every computed period, in order; the to-date figures are the year's
    running totals (the value, the distinct values seen, the prorated quotas) up to the period."""
    table: dict[str, Row] = {}
    value_in_year: dict[int, Decimal] = defaultdict(Decimal)
    seen_in_year: dict[int, set[Any]] = defaultdict(set)
    quota_in_year: dict[int, Decimal | None] = defaultdict(lambda: None)
    for period in run.periods:  # chronological: each period adds to its year's running totals
        year = run.year_of(period)
        on_plan = (payee, period.label) in run.assignments
        quota = full_quota(run, measure, payee, period) if on_plan else None
        prorated = None if quota is None else at_10_places(
            quota * proration_factor(run, measure, payee, period))
        rows = measure_rows(run, measure, payee, [period])
        value = aggregate(measure, rows)
        if measure.aggregate is Aggregate.DISTINCT_COUNT:
            seen_in_year[year] |= distinct_values(measure, rows)
            value_in_year[year] = Decimal(len(seen_in_year[year]))
        else:
            value_in_year[year] += value
        if prorated is not None:
            quota_in_year[year] = (quota_in_year[year] or Decimal(0)) + prorated
        table[period.label] = {
            "payee_id": payee, "measure_id": measure.id, "period_label": period.label,
            "value": value, "value_to_date": value_in_year[year], "quota": quota,
            "quota_prorated": prorated, "quota_to_date": quota_in_year[year],
            "attainment": divide(value, prorated),
            "attainment_to_date": divide(value_in_year[year], quota_in_year[year]),
        }
    return table
