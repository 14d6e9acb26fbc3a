"""Stage 2 — measure: who is on which plan version when, and measure values, quotas, attainment.

``assignment_grid``: one row per payee x plan x pay period with days on the plan (> 0), the version
in force (the latest effective one overlapping the payee's days), target incentive and parameters
of the latest assignment row. ``measures_<tag>``: per plan version, one row per payee x measure x
pay period of the year (zero rows included), restricted afterwards to the version's periods.
Day counts are integer day numbers; every division goes through ``Dialect.exact_div``.
"""

# ruff: noqa: S608, E501 - SQL text, built from code constants, quoted identifiers and Dialect literals

from __future__ import annotations

from decimal import Decimal

from attain.crediting.transactions import in_list
from attain.engine.executors import Executor
from attain.engine.formulas import FormulaCompiler
from attain.engine.plans import PlanVersion
from attain.plans.dialect import Dialect
from attain.plans.schema import Aggregate, Measure, Proration

PERIOD_COLUMNS = "period_label, period_start, period_end, period_index, year_label"


def overlap_days(*ranges: tuple[str, str]) -> str:
    """Days in the intersection of inclusive [from_day, to_day] ranges (0 when disjoint)."""
    lows = ", ".join(lo for lo, _ in ranges)
    highs = ", ".join(hi for _, hi in ranges)
    return f"GREATEST(0, LEAST({highs}) - GREATEST({lows}) + 1)"


def assignment_grid_sql() -> str:
    """Payee x plan x pay period on plan (any version), with the version in force then.

    Built over every pay period of the fiscal years the run touches (``cal_year_periods``) so that
    ``target_incentive_year`` (the sum of the target incentives of the year's periods on the plan,
    the annual target incentive) is known; only the periods the run computes are kept.
    ``payee_period_no`` and ``payee_year_no`` number the (payee, period) and (payee, fiscal year)
    pairs of the run (``views.GRID_CREDIT_COLUMNS``).
    """
    days = overlap_days(("a.from_day", "a.to_day"), ("v.from_day", "v.to_day"), ("p.start_day", "p.end_day"))
    return f"""
WITH pieces AS (
  SELECT a.payee_id, a.plan_id, v.version, v.currency, v.from_day AS version_from, a.valid_from,
         a.target_incentive, a.parameters, p.period_label, p.period_start, p.period_end, p.period_index,
         p.year_label, p.days_in_period, p.requested, p.computed, {days} AS days
  FROM in_plan_assignment a
  JOIN plan_versions v ON v.plan_id = a.plan_id
  JOIN cal_year_periods p ON p.calendar = v.calendar
  WHERE a.from_day <= p.end_day AND a.to_day >= p.start_day
    AND v.from_day <= p.end_day AND v.to_day >= p.start_day
), ranked AS (
  SELECT pieces.*, SUM(days) OVER (PARTITION BY payee_id, plan_id, period_label) AS days_on_plan,
         ROW_NUMBER() OVER (PARTITION BY payee_id, plan_id, period_label
                            ORDER BY version_from DESC, valid_from DESC) AS pick
  FROM pieces WHERE days > 0
), picked AS (
  SELECT ranked.*, COALESCE(CAST(target_incentive AS DECIMAL(38, 10)), CAST(0 AS DECIMAL(38, 10))) AS ti
  FROM ranked WHERE pick = 1
), yearly AS (
  SELECT picked.*, SUM(ti) OVER (PARTITION BY payee_id, plan_id, year_label) AS ti_year FROM picked
)
SELECT payee_id, {PERIOD_COLUMNS}, plan_id, CAST(version AS INTEGER) AS plan_version,
       ti AS target_incentive, CAST(ti_year AS DECIMAL(38, 10)) AS target_incentive_year,
       COALESCE(parameters, '{{}}') AS parameters, CAST(days_on_plan AS INTEGER) AS days_on_plan,
       CAST(days_in_period AS INTEGER) AS days_in_period, currency, requested,
       CAST(DENSE_RANK() OVER (ORDER BY payee_id, period_label) AS BIGINT) AS payee_period_no,
       CAST(DENSE_RANK() OVER (ORDER BY payee_id, year_label) AS BIGINT) AS payee_year_no
FROM yearly WHERE computed
"""


def measure_credits_sql(measure: Measure | None, formulas: FormulaCompiler, source: str) -> str:
    """The rows of ``source`` (credits) that feed a measure: its credit_rules and its filter."""
    where = ["TRUE"]
    if measure is not None and measure.credit_rules:
        where.append(f"rule_id IN {in_list(formulas.dialect, measure.credit_rules)}")
    if measure is not None and measure.filter:
        where.append(f"COALESCE({formulas.credit(measure.filter)}, FALSE)")
    return f"SELECT * FROM {source} WHERE {' AND '.join(where)}"


def _value_sql(measure: Measure, formulas: FormulaCompiler) -> str:
    d = formulas.dialect
    of = formulas.credit(measure.of)
    if measure.aggregate is Aggregate.SUM:
        return d.calc(f"SUM({d.calc(of)})")
    if measure.aggregate is Aggregate.COUNT:
        return d.calc("COUNT(*)")
    return d.calc(f"COUNT(DISTINCT {of})")


def measure_values_sql(measure: Measure, formulas: FormulaCompiler, credits: str) -> str:
    """Per payee x period: value, and (for distinct counts) the to-date value: the part of a
    measure that reads ``credits``."""
    rows = measure_credits_sql(measure, formulas, credits)
    value = _value_sql(measure, formulas)
    if measure.aggregate is not Aggregate.DISTINCT_COUNT:
        return (
            f"SELECT payee_id, period_label, {value} AS value, CAST(NULL AS DECIMAL(38, 10)) AS first_seen "
            f"FROM ({rows}) r GROUP BY payee_id, period_label"
        )
    of = formulas.credit(measure.of)
    firsts = (
        f"SELECT payee_id, year_label, {of} AS v, MIN(period_index) AS first_index "
        f"FROM ({rows}) r GROUP BY payee_id, year_label, {of}"
    )
    return f"""
SELECT g.payee_id, g.period_label, MAX(x.value) AS value, {formulas.dialect.calc("COUNT(f.v)")} AS first_seen
FROM (SELECT DISTINCT payee_id, period_label, period_index, year_label FROM ({rows}) r0) g
LEFT JOIN (SELECT payee_id, period_label, {value} AS value FROM ({rows}) r1 GROUP BY payee_id, period_label) x
  ON x.payee_id = g.payee_id AND x.period_label = g.period_label
LEFT JOIN ({firsts}) f ON f.payee_id = g.payee_id AND f.year_label = g.year_label AND f.first_index = g.period_index
GROUP BY g.payee_id, g.period_label
"""


def _quota_sql(measure: Measure, calendar: str, dialect: Dialect) -> str:
    """Full quota per payee x period: highest version of the overlapping rows, spread by days.

    A quota row inside the pay period counts whole (amount x days ÷ the same days, without the
    128-bit division: ~2 µs a row in DuckDB, the larger part of this stage's fixed cost)."""
    span = "(q.end_day - q.start_day + 1)"
    overlap = overlap_days(("q.start_day", "q.end_day"), ("p.start_day", "p.end_day"))
    spread = dialect.exact_div(f"q.amount * {overlap}", span)
    part = f"(CASE WHEN {overlap} = {span} THEN {dialect.calc('q.amount')} ELSE {spread} END)"
    name = dialect.string(measure.quota or measure.id)
    return f"""
SELECT payee_id, period_label, {dialect.calc("SUM(part)")} AS quota FROM (
  SELECT q.assignee_id AS payee_id, p.period_label, q.version, {part} AS part,
         MAX(q.version) OVER (PARTITION BY q.assignee_id, p.period_label) AS top
  FROM in_quota q JOIN cal_periods p ON p.calendar = {dialect.string(calendar)}
   AND q.start_day <= p.end_day AND q.end_day >= p.start_day
  WHERE q.assignee_kind = 'payee' AND q.measure = {name}
) s WHERE version = top GROUP BY payee_id, period_label
"""


def _weights_sql(measure: Measure, plan_id: str, calendar: str, dialect: Dialect) -> str:
    """Per payee x period: summed weights of the months on plan (on plan at month end) and all weights."""
    weights = measure.period_weights or []
    cases = " ".join(f"WHEN {i} THEN {dialect.decimal(w)}" for i, w in enumerate(weights, start=1))
    weight = (
        f"(CASE m.month_no {cases} ELSE {dialect.decimal(Decimal(1))} END)"
        if cases
        else dialect.decimal(Decimal(1))
    )
    on_plan = (
        "EXISTS (SELECT 1 FROM in_plan_assignment a JOIN plan_versions v ON v.plan_id = a.plan_id "
        "WHERE a.payee_id = g.payee_id AND a.plan_id = g.plan_id AND a.from_day <= m.month_end_day "
        "AND a.to_day >= m.month_end_day AND v.from_day <= m.month_end_day AND v.to_day >= m.month_end_day)"
    )
    return f"""
SELECT g.payee_id, g.period_label,
       {dialect.calc(f"SUM(CASE WHEN {on_plan} THEN {weight} ELSE 0 END)")} AS on_weight,
       {dialect.calc(f"SUM({weight})")} AS all_weight
FROM assignment_grid g JOIN cal_months m ON m.calendar = {dialect.string(calendar)} AND m.period_label = g.period_label
WHERE g.plan_id = {dialect.string(plan_id)}
GROUP BY g.payee_id, g.period_label
"""


def _prorated_sql(measure: Measure, dialect: Dialect) -> str:
    if measure.proration is Proration.NONE:
        return "CASE WHEN COALESCE(a.days_on_plan, 0) > 0 THEN q.quota ELSE CAST(0 AS DECIMAL(38, 10)) END"
    if measure.proration is Proration.DAYS:
        return (
            f"CASE WHEN a.days_on_plan = g.days_in_period THEN q.quota ELSE "
            f"COALESCE({dialect.exact_div('q.quota * COALESCE(a.days_on_plan, 0)', 'g.days_in_period')}, 0) END"
        )
    return (
        f"CASE WHEN w.on_weight = w.all_weight THEN q.quota ELSE "
        f"COALESCE({dialect.exact_div(dialect.calc('q.quota * COALESCE(w.on_weight, 0)'), 'w.all_weight')}, 0) END"
    )


def measure_sql(version: PlanVersion, measure: Measure, formulas: FormulaCompiler, credits: str) -> str:
    """All payee x period rows of one measure for a plan version's payees (zero rows included)."""
    d = formulas.dialect
    plan = d.string(version.doc.plan)
    weights = ""
    if measure.proration is Proration.PERIOD_WEIGHTS:
        weights = (
            f"LEFT JOIN ({_weights_sql(measure, version.doc.plan, version.calendar.name, d)}) w "
            f"ON w.payee_id = g.payee_id AND w.period_label = g.period_label"
        )
    to_date = "PARTITION BY g.payee_id, g.year_label ORDER BY g.period_index ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
    distinct = measure.aggregate is Aggregate.DISTINCT_COUNT
    value_to_date = f"SUM(COALESCE({'v.first_seen' if distinct else 'v.value'}, 0)) OVER ({to_date})"
    base = f"""
SELECT g.payee_id, {d.string(measure.id)} AS measure_id, g.period_label, g.period_start, g.period_end,
       g.period_index, g.year_label, g.requested,
       COALESCE(v.value, CAST(0 AS DECIMAL(38, 10))) AS value, {d.calc(value_to_date)} AS value_to_date,
       q.quota, {_prorated_sql(measure, d)} AS quota_prorated
FROM (SELECT DISTINCT x.payee_id, p.period_label, p.period_start, p.period_end, p.period_index, p.year_label,
             p.days_in_period, p.requested
      FROM (SELECT DISTINCT payee_id FROM assignment_grid WHERE plan_id = {plan}) x
      CROSS JOIN cal_periods p WHERE p.calendar = {d.string(version.calendar.name)}) g
LEFT JOIN ({measure_values_sql(measure, formulas, credits)}) v ON v.payee_id = g.payee_id AND v.period_label = g.period_label
LEFT JOIN ({_quota_sql(measure, version.calendar.name, d)}) q ON q.payee_id = g.payee_id AND q.period_label = g.period_label
LEFT JOIN assignment_grid a ON a.plan_id = {plan} AND a.payee_id = g.payee_id AND a.period_label = g.period_label
{weights}
"""
    return f"""
SELECT m.payee_id, m.measure_id, m.period_label, m.period_start, m.period_end, m.period_index, m.year_label,
       m.value, m.value_to_date, m.quota, m.quota_prorated, m.quota_to_date,
       {d.exact_div("m.value", "m.quota_prorated")} AS attainment,
       {d.exact_div("m.value_to_date", "m.quota_to_date")} AS attainment_to_date, m.requested
FROM (SELECT b.*, {d.calc("SUM(b.quota_prorated) OVER (PARTITION BY b.payee_id, b.year_label ORDER BY b.period_index ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)")} AS quota_to_date
      FROM ({base}) b) m
"""


def run_measure_stage(ex: Executor, version: PlanVersion, formulas: FormulaCompiler, credits: str) -> str:
    """Materialize all measures of a plan version; return the table name."""
    measures = version.doc.measures
    table = f"measures_{version.tag}"
    if not measures:
        ex.create_table(
            table, f"SELECT * FROM ({measure_sql(version, _ghost(), formulas, credits)}) m WHERE FALSE"
        )
        return table
    union = " UNION ALL ".join(f"({measure_sql(version, m, formulas, credits)})" for m in measures)
    ex.create_table(table, union)
    return table


def _ghost() -> Measure:
    """A placeholder measure giving the measures layout when a plan declares none."""
    return Measure.model_validate({"id": "none"})
