"""One calculation, start to finish: credit -> measure -> earn for every plan version, then outputs.

This is the orchestration on one screen; every stage is SQL text built by its module and run by
the executor (DuckDB embedded by default), so another executor runs the same stages unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from attain.core.errors import Issue
from attain.engine.calendar import (
    OPEN_END_DAY,
    CalendarKey,
    RunWindow,
    days_table,
    months_table,
    parse_periods,
    periods_table,
    run_window,
)
from attain.engine.credit_stage import run_credit_stage
from attain.engine.earn_stage import run_earn_stage
from attain.engine.executors import Executor, make_executor
from attain.engine.formulas import FormulaCompiler
from attain.engine.input_files import InputFile, typed_sql
from attain.engine.inputs import InputTables
from attain.engine.measure_stage import assignment_grid_sql, run_measure_stage
from attain.engine.options import CalcOptions
from attain.engine.outputs import collect_outputs
from attain.engine.plans import PlanVersion, plan_versions, versions_table
from attain.engine.result import CalcResult
from attain.engine.views import create_views, plan_credits_sql, txn_slices
from attain.plans.schema import Measure, PlanDocument

Progress = Callable[[str], None]


def calculate(
    inputs: InputTables,
    plans: list[PlanDocument],
    periods: list[str],
    options: CalcOptions | None = None,
    progress: Progress | None = None,
) -> CalcResult:
    """Calculate credits, measures, earnings and component totals for the requested pay periods.

    Computes from the start of the fiscal year of the first requested period (so to-date values
    are right) and returns the rows of the periods that overlap the requested ones.
    """
    options = options or CalcOptions()
    say = progress or (lambda _stage: None)
    versions = plan_versions(plans)
    calendars = sorted({v.calendar for v in versions}, key=lambda k: k.name)
    primary = versions[0].calendar if versions else CalendarKey(1, plans[0].pay_period)
    requested = parse_periods(periods, primary.fiscal)
    window = run_window(requested, calendars)
    ex = make_executor(options)
    try:
        say("inputs")
        _register_inputs(ex, inputs, versions, calendars, window)
        formulas = FormulaCompiler(ex.dialect)
        say("credit")
        issues: list[Issue] = run_credit_stage(
            ex,
            versions,
            window,
            formulas,
            check_payees=inputs.rows("payee") > 0,
            resolve_territory=inputs.rows("account_territory") > 0,
        )
        ex.create_table("assignment_grid", assignment_grid_sql())
        traces, totals, measures = [], [], []
        slices = txn_slices(ex)
        for version in versions:
            say(f"measure {version.doc.plan} v{version.doc.version}")
            credits = f"plan_credits_{version.tag}"
            ex.create_table(credits, plan_credits_sql(version, ex.dialect, slices))
            measure_table = run_measure_stage(ex, _with_component_measures(version), formulas, credits)
            create_views(ex, version, credits, measure_table)
            say(f"earn {version.doc.plan} v{version.doc.version}")
            explains = options.explains(inputs.rows("transaction"))
            trace, total, found = run_earn_stage(ex, version, formulas, explains)
            issues += found
            ex.drop(credits)
            traces.append((version, trace))
            totals.append((version, total))
            measures.append((version, measure_table))
        say("outputs")
        return collect_outputs(ex, primary, versions, traces, totals, measures, issues, options, slices)
    finally:
        ex.close()


def _with_component_measures(version: PlanVersion) -> PlanVersion:
    """Add a default measure (sum of credit) for measure ids components name but the plan omits."""
    declared = {m.id for m in version.doc.measures}
    named = [getattr(c, "measure", None) for c in version.doc.components]
    extra = [
        Measure.model_validate({"id": m}) for m in dict.fromkeys(n for n in named if n and n not in declared)
    ]
    if not extra:
        return version
    doc = version.doc.model_copy(update={"measures": [*version.doc.measures, *extra]})
    return PlanVersion(version.index, doc, version.from_day, version.to_day, version.rule_set)


def _numbered_transactions(table: pa.Table) -> pa.Table:
    """Add ``txn_no``: each row's 1-based rank by (date, transaction_id), the credit order.

    Only the two key columns are sorted (Polars, multi-threaded); the rank is the inverse of the
    sorting permutation, so the table itself is not copied.
    """
    keys = pl.from_arrow(table.select(["date", "transaction_id"]))
    assert isinstance(keys, pl.DataFrame)
    order = keys.select(pl.arg_sort_by(["date", "transaction_id"], multithreaded=True)).to_series()
    rank = order.arg_sort().cast(pl.Int64) + 1
    return table.append_column("txn_no", rank.to_arrow())


def _register_file(ex: Executor, file: InputFile) -> None:
    """An entity's checked Parquet file, read by the executor where it lies and typed in SQL.

    Transactions get ``txn_no`` (rank by date, transaction_id, as ``_numbered_transactions``
    gives) from a narrow table ranked once (row position -> rank, ``_rank_sql``), joined by
    position: sorting only the two keys, not every column (at 5M: 5.5 CPU-s instead of 17).
    """
    raw = f"in_{file.entity}_file"
    is_transaction = file.entity == "transaction"
    ex.register_parquet(raw, [file.path], row_numbers=is_transaction)
    typed = typed_sql(ex.dialect, file, raw)
    if is_transaction:
        ex.create_table("in_transaction_rank", _rank_sql(raw))
        typed = (
            f"SELECT t.*, k.txn_no FROM ({typed}) t "  # noqa: S608 - code constants
            "JOIN in_transaction_rank k ON k.file_row = t.file_row"
        )
    ex.create_view(f"in_{file.entity}", typed)


def _rank_sql(raw: str) -> str:
    """Row position -> rank by (date, transaction_id), ranked within each date after the count of
    the earlier dates: the numbers of one ``ROW_NUMBER() OVER (ORDER BY date, transaction_id)``
    without a window over every row (which Spark runs as one task: 5–11 minutes at 20M)."""
    days = f"SELECT f.date, COUNT(*) AS n FROM {raw} f GROUP BY f.date"  # noqa: S608 - code constants
    earlier = "SUM(c.n) OVER (ORDER BY c.date ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
    before = f"SELECT c.date, CAST(COALESCE({earlier}, 0) AS BIGINT) AS before FROM ({days}) c"  # noqa: S608
    within = "ROW_NUMBER() OVER (PARTITION BY f.date ORDER BY f.transaction_id)"
    return (
        f"SELECT f.file_row, CAST(b.before + {within} AS BIGINT) AS txn_no "  # noqa: S608
        f"FROM {raw} f JOIN ({before}) b ON b.date = f.date"
    )


def _day_columns(table: pa.Table, start: str, end: str, prefix: str) -> pa.Table:
    """Add integer day numbers for a date range (open end -> far future)."""
    epoch_days = [pc.cast(pc.cast(table.column(c), pa.date32()), pa.int32()) for c in (start, end)]
    to_day = pc.fill_null(epoch_days[1], OPEN_END_DAY)
    return table.append_column(f"{prefix}from_day", epoch_days[0]).append_column(f"{prefix}to_day", to_day)


def _register_inputs(
    ex: Executor,
    inputs: InputTables,
    versions: list[PlanVersion],
    calendars: list[CalendarKey],
    window: RunWindow,
) -> None:
    for name in inputs:
        file = inputs.file(name)
        if file is not None:
            _register_file(ex, file)
            continue
        table = inputs[name]
        if name == "transaction":
            table = _numbered_transactions(table)
        elif name == "plan_assignment":
            table = _day_columns(table, "valid_from", "valid_to", "")
        elif name == "quota":
            table = _day_columns(table, "period_start", "period_end", "q_")
            table = table.rename_columns([*table.column_names[:-2], "start_day", "end_day"])
        ex.register(f"in_{name}", table)
    ex.register("cal_periods_arrow", periods_table(calendars, window))
    ex.create_table("cal_periods", "SELECT * FROM cal_periods_arrow")
    ex.register("cal_year_periods", periods_table(calendars, window, whole_years=True))
    ex.register("cal_days_arrow", days_table(calendars, window))
    ex.create_table(
        "cal_day_periods",
        (
            "SELECT d.calendar, d.date, p.period_label, p.period_start, p.period_end, p.period_index, "
            "p.year_label, p.year_start, p.requested FROM cal_days_arrow d JOIN cal_periods p "
            "ON p.calendar = d.calendar AND p.period_label = d.period_label"
        ),
    )
    ex.register("cal_months", months_table(calendars, window))
    ex.register("plan_versions", versions_table(versions))
