"""The run's outputs in the ``CalcResult`` layout (docs/calculation.md "Outputs"), requested periods only.

Credits carry the pay period of the first plan's calendar; measures, earnings and totals carry
plan_id and plan_version. earning_id numbers the trace in (plan, version, payee, period, component,
credit) order. With ``CalcOptions.output_dir`` the executor writes the big tables (credits, earnings)
to Parquet itself (DuckDB's parallel writer, Spark's parts) and the result reads them only on demand.
"""

# ruff: noqa: S608, E501 - SQL text, built from code constants, quoted identifiers and Dialect literals

from __future__ import annotations

from pathlib import Path

from attain.core.errors import Issue
from attain.engine.calendar import CalendarKey
from attain.engine.earn_stage import EARNING_NAMES, LineTable
from attain.engine.executors import Executor
from attain.engine.options import CalcOptions
from attain.engine.plans import PlanVersion
from attain.engine.result import CREDIT_FIELDS, TXN_OUTPUT_FIELDS, CalcResult, Output
from attain.engine.views import TxnRange, sliced, wide_credits_sql

CREDIT_OUTPUT = ", ".join((*CREDIT_FIELDS, "plan_id"))
MEASURE_OUTPUT = (
    "payee_id, measure_id, period_label, period_start, period_end, value, value_to_date, quota, "
    "quota_prorated, attainment, attainment_to_date, quota_to_date, period_index, year_label, plan_id, "
    "plan_version"
)
EARNING_OUTPUT = (
    "earning_id, payee_id, plan_id, plan_version, component_id, component_kind, period_label, credit_id, "
    "transaction_id, rule_id, basis_before, basis_after, tier_index, tier_rate, rate_or_factor, amount, "
    "explanation"
)
TOTAL_OUTPUT = (
    "payee_id, period_label, component_id, earned, capped_amount, amount, amount_rounded, currency, "
    "component_kind, floor_amount, plan_id, plan_version"
)


def _union(parts: list[str]) -> str:
    return " UNION ALL ".join(parts)


def credits_sql(
    ex: Executor, primary: CalendarKey, versions: list[PlanVersion], slices: list[TxnRange] | None = None
) -> str:
    d = ex.dialect
    plans = {v.rule_set: v.doc.plan for v in versions}
    plan_of = "CASE x.rule_set " + " ".join(f"WHEN {k} THEN {d.string(p)}" for k, p in plans.items()) + " END"

    def part(txn_range: TxnRange) -> str:
        wide = wide_credits_sql(d, primary.name, columns=CREDIT_FIELDS, txn_range=txn_range)
        return f"SELECT x.*, {plan_of} AS plan_id FROM ({wide}) x WHERE x.requested"

    return f"SELECT {CREDIT_OUTPUT} FROM ({sliced(slices or [None], part)}) y"


def narrow_credits_sql(ex: Executor, primary: CalendarKey, versions: list[PlanVersion]) -> str:
    """The credit rows of the requested periods for a written ``credits.parquet``: credit_id, txn_no
    (a row of ``transactions.parquet``), payee_id, rule_id, rule_kind, share, level, credit, date,
    period_label, plan_id. No credit-to-transaction join: at 5M that join and the transaction
    fields repeated on every credit row were most of the credits file's cost."""
    d = ex.dialect
    plans = {v.rule_set: v.doc.plan for v in versions}
    plan_of = "CASE c.rule_set " + " ".join(f"WHEN {k} THEN {d.string(p)}" for k, p in plans.items()) + " END"
    return (
        "SELECT c.credit_id, c.txn_no, c.payee_id, r.rule_id, r.rule_kind, c.share, c.level, c.credit, c.date, "
        f"d.period_label, {plan_of} AS plan_id FROM credits_all c "
        "JOIN rule_names r ON r.rule_set = c.rule_set AND r.rule_order = c.rule_order "
        f"JOIN cal_day_periods d ON d.date = c.date AND d.calendar = {d.string(primary.name)} WHERE d.requested"
    )


def transactions_sql() -> str:
    """One row per transaction the run read (its own fields), for a written ``credits.parquet``."""
    return f"SELECT txn_no, {', '.join(f't.{n}' for n in TXN_OUTPUT_FIELDS)} FROM txn_base t"


def measures_sql(ex: Executor, measures: list[tuple[PlanVersion, str]]) -> str:
    d = ex.dialect
    parts = [
        f"SELECT m.*, a.plan_id, a.plan_version FROM {table} m JOIN assignment_grid a "
        f"ON a.payee_id = m.payee_id AND a.period_label = m.period_label AND a.plan_id = {d.string(v.doc.plan)} "
        f"AND a.plan_version = {v.doc.version} WHERE m.requested"
        for v, table in measures
    ]
    return f"SELECT {MEASURE_OUTPUT} FROM ({_union(parts)}) x ORDER BY plan_id, payee_id, measure_id, period_index"


IN_GROUP_ORDER = "credit_id NULLS FIRST, rule_id, component_id, amount"
"""Order of the lines of one payee, period and component (a credit has one line per component;
lines without a credit, e.g. one per MBO objective or per capped component, come first)."""


def earnings_sql(
    ex: Executor, traces: list[tuple[PlanVersion, list[LineTable]]], ordered: bool = True
) -> str:
    """The trace of the requested periods, ``earning_id`` numbering it in (plan_id, plan_version,
    payee_id, period_label, component order, credit_id (nulls first), rule_id, component_id, amount)
    order, without sorting the whole trace:

    - each line's number within its payee, period and component (``line_no``): a table that
      carries it (tiered: from the running-total window it sorts anyway), else a ``ROW_NUMBER``
      over that table's lines alone;
    - each (payee, period, component) group's offset: a running sum of the groups' line counts
      (one row per group, a few per payee-period).

    Every key is an integer: ``payee_period_no`` ranks (payee_id, period_label) in that order
    (``attain.engine.measure_stage``), so it sorts the groups as the two strings would, and the
    count, the numbering and the join of each line to its group's offset read no text (at 5M
    transactions the string keys cost 16 CPU-s of the earnings file, the integers 10.6). The
    requested periods are the groups' semi-join on their payee-period numbers; the lines of other
    periods find no group and drop out of the join.

    The same numbers as one ROW_NUMBER over the whole trace, which must hold every line at once.

    ``ordered`` False (a file the executor writes) leaves out the final sort by earning_id: the
    numbers are the same, the rows come in the order the executor makes them; sort by earning_id
    to read the trace in order."""
    d = ex.dialect
    ranks = {key: n for n, key in enumerate(sorted((v.doc.plan, v.doc.version) for v, _ in traces), start=1)}
    numbered, keys = [], []
    for v, tables in traces:
        head = f"{d.string(v.doc.plan)} AS plan_id, {v.doc.version} AS plan_version, "
        head += f"{ranks[(v.doc.plan, v.doc.version)]} AS version_no"
        requested = (
            f"payee_period_no IN (SELECT a.payee_period_no FROM assignment_grid a JOIN cal_periods p "
            f"ON p.period_label = a.period_label WHERE p.requested AND p.calendar = {d.string(v.calendar.name)})"
        )
        for order, table, has_line_no in tables:
            line_no = "line_no" if has_line_no else (
                f"ROW_NUMBER() OVER (PARTITION BY payee_period_no ORDER BY {IN_GROUP_ORDER})"
            )
            numbered.append(
                f"SELECT {EARNING_NAMES}, {order} AS component_order, {line_no} AS line_no, {head} FROM {table}"
            )
            keys.append(f"SELECT payee_period_no, {order} AS component_order, {head} FROM {table} WHERE {requested}")
    group = "version_no, payee_period_no, component_order"
    counts = f"SELECT {group}, COUNT(*) AS n FROM ({_union(keys)}) k GROUP BY {group}"
    before = (
        f"SELECT {group}, COALESCE(SUM(n) OVER (ORDER BY {group} "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before FROM earning_groups"
    )
    lines = (
        f"SELECT CAST(o.before + l.line_no AS BIGINT) AS earning_id, l.* FROM ({_union(numbered)}) l "
        f"JOIN ({before}) o ON o.version_no = l.version_no AND o.payee_period_no = l.payee_period_no "
        "AND o.component_order = l.component_order"
    )
    return (
        f"WITH earning_groups AS ({counts}) SELECT {EARNING_OUTPUT} FROM ({lines}) n"
        + (" ORDER BY earning_id" if ordered else "")
    )


def totals_sql(ex: Executor, totals: list[tuple[PlanVersion, str]]) -> str:
    d = ex.dialect
    parts = [
        f"SELECT t.*, {d.string(v.doc.plan)} AS plan_id, {v.doc.version} AS plan_version FROM {table} t "
        f"JOIN cal_periods p ON p.period_label = t.period_label AND p.calendar = {d.string(v.calendar.name)} "
        f"WHERE p.requested"
        for v, table in totals
    ]
    return f"SELECT {TOTAL_OUTPUT} FROM ({_union(parts)}) x ORDER BY plan_id, payee_id, period_label, component_id"


def _fetch_or_write(ex: Executor, sql: str, name: str, options: CalcOptions) -> Output:
    """The rows in memory, or (with an output folder) a Parquet file the executor writes itself."""
    if options.output_dir is None:
        return ex.fetch(sql)
    path = options.output_dir / f"{name}.parquet"
    ex.write_parquet(sql, path)
    return path


def collect_outputs(
    ex: Executor,
    primary: CalendarKey,
    versions: list[PlanVersion],
    traces: list[tuple[PlanVersion, list[LineTable]]],
    totals: list[tuple[PlanVersion, str]],
    measures: list[tuple[PlanVersion, str]],
    issues: list[Issue],
    options: CalcOptions,
    slices: list[TxnRange],
) -> CalcResult:
    """Fetch (or have the executor write) the four output tables; ``slices``: ``txn_slices``.

    Written credits are normalized (``credits.parquet`` + ``transactions.parquet``, joined back by
    ``CalcResult.credits``); in memory they come wide."""
    transactions = None
    if options.output_dir is None:
        credits: Output = ex.fetch(credits_sql(ex, primary, versions, slices))
    else:
        credits = _fetch_or_write(ex, narrow_credits_sql(ex, primary, versions), "credits", options)
        written = _fetch_or_write(ex, transactions_sql(), "transactions", options)
        transactions = written if isinstance(written, Path) else None
    earn_sql = earnings_sql(ex, traces, ordered=options.output_dir is None)
    if not options.trace:
        earn_sql = f"SELECT * FROM ({earn_sql}) e WHERE FALSE"
    earnings = _fetch_or_write(ex, earn_sql, "earnings", options)
    return CalcResult(
        credits=credits,
        measures=ex.fetch(measures_sql(ex, measures)),
        earnings=earnings,
        component_totals=ex.fetch(totals_sql(ex, totals)),
        issues=issues,
        transactions=transactions,
    )
