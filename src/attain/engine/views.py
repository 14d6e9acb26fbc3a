"""The views component kinds read (``attain.components.base``), built for one plan version.

``credits``, ``measures``, ``assignments`` and ``mbo_scores`` are restricted to the version's
payees and to the pay periods in which this version is the one in force for them.
"""

# ruff: noqa: S608 - SQL is built from code constants, quoted identifiers and Dialect literals

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from attain.crediting.transactions import ACCOUNT_FIELDS, PRODUCT_FIELDS, txn_view_sql
from attain.engine.executors import Executor
from attain.engine.plans import PlanVersion
from attain.plans.dialect import Dialect

CREDIT_VIEW_COLUMNS: tuple[str, ...] = (
    "credit_id",
    "transaction_id",
    "payee_id",
    "rule_id",
    "rule_kind",
    "share",
    "level",
    "credit",
    "date",
    "kind",
    "is_reversal",
    "amount",
    "quantity",
    "currency",
    "account_id",
    "product_id",
    "owner_id",
    "opportunity_id",
    "territory_id",
    "reverses_id",
    "contract_term_months",
    "product_name",
    "product_family",
    "product_series",
    "product_list_price",
    "account_sector",
    "account_segment",
    "account_country",
    "account_employees",
    "account_annual_revenue",
    "attributes",
    "period_label",
    "period_start",
    "period_end",
    "period_index",
    "year_label",
    "year_start",
    "source_file",
    "source_line",
)
MEASURE_VIEW_COLUMNS: tuple[str, ...] = (
    "payee_id",
    "measure_id",
    "period_label",
    "period_start",
    "period_end",
    "period_index",
    "year_label",
    "value",
    "value_to_date",
    "quota",
    "quota_prorated",
    "quota_to_date",
    "attainment",
    "attainment_to_date",
)
ASSIGNMENT_VIEW_COLUMNS: tuple[str, ...] = (
    "payee_id",
    "period_label",
    "period_start",
    "period_end",
    "period_index",
    "year_label",
    "plan_id",
    "plan_version",
    "target_incentive",
    "target_incentive_year",
    "parameters",
    "days_on_plan",
    "days_in_period",
    "currency",
    "payee_period_no",
    "payee_year_no",
)


CORE_CREDIT_COLUMNS: tuple[str, ...] = (
    "credit_id",
    "transaction_id",
    "payee_id",
    "rule_id",
    "rule_kind",
    "share",
    "level",
    "credit",
    "date",
    "kind",
    "is_reversal",
    "amount",
    "quantity",
    "reverses_id",
    "period_label",
    "period_start",
    "period_end",
    "period_index",
    "year_label",
    "year_start",
)
"""Credit columns the component kinds read themselves; a plan's formulas may name more."""

GRID_CREDIT_COLUMNS: tuple[str, ...] = ("payee_period_no", "payee_year_no")
"""Integers standing for (payee_id, period_label) and (payee_id, year_label) in one run, from the
assignment grid: a window partitioned by one integer sorts 11.5M credit rows in 7 CPU-s where the
two strings take 12 (DuckDB, 5M-transaction benchmark). Kept when a version's SQL names them."""

FORMULA_KEYS = frozenset({"of", "filter", "condition", "amount_formula", "by"})
"""Plan-document keys (of measures and components) whose value is a formula over credit fields."""


_TXN_FIELDS = frozenset(CREDIT_VIEW_COLUMNS) - {
    "credit_id",
    "payee_id",
    "rule_id",
    "rule_kind",
    "share",
    "level",
    "credit",
    "date",
    "period_label",
    "period_start",
    "period_end",
    "period_index",
    "year_label",
    "year_start",
}


def _wide(name: str) -> str:
    if name in ("rule_id", "rule_kind"):
        return f"r.{name}"
    if name in _TXN_FIELDS:
        return f"t.{name}"
    if name.startswith(("period_", "year_")):
        return f"d.{name}"
    return f"c.{name}"


TxnRange = tuple[int, int] | None
"""A slice of transactions by ``txn_no`` (first, last), or None for all of them."""

def txn_slices(ex: Executor) -> list[TxnRange]:
    """The transaction slices a credit-to-transaction join runs in on this executor.

    An executor with a ``join_slice_rows`` attribute (DuckDB: a bounded memory on one machine)
    joins at most that many transactions at a time: the hash table of a whole 5M-transaction
    ``txn_base`` does not fit a 1 GB limit and the join spills (75 CPU-s for the credits output at
    5M, 23 CPU-s in eight slices). The slices are a UNION ALL, so the rows are the same; an
    executor without the attribute (Spark: shuffles partitions itself) joins in one piece."""
    per_slice = getattr(ex, "join_slice_rows", None)
    if not per_slice:
        return [None]
    found = ex.fetch("SELECT COALESCE(MAX(txn_no), 0) AS last FROM txn_base").column(0)[0].as_py()
    count = -(-int(found) // per_slice)
    if count <= 1:
        return [None]
    step = -(-int(found) // count)
    return [(i * step + 1, (i + 1) * step) for i in range(count)]


def wide_credits_sql(
    dialect: Dialect,
    calendar: str,
    where: str = "TRUE",
    columns: tuple[str, ...] = CREDIT_VIEW_COLUMNS,
    txn_range: TxnRange = None,
) -> str:
    """Credit rows joined to their transaction, rule names and pay period (of ``calendar``).

    Columns: ``columns`` (default ``CREDIT_VIEW_COLUMNS``) then rule_set and requested. The
    transaction's product and account are joined only when a product or account field is asked
    for (an unused LEFT JOIN still costs a hash join per credit row). ``txn_range`` restricts both
    sides of the join to a slice of transactions (``txn_slices``).
    """
    wanted = set(columns)
    product, account = bool(wanted & PRODUCT_FIELDS), bool(wanted & ACCOUNT_FIELDS)
    txn = f"({txn_view_sql(dialect, product, account)})" if product or account else "txn_base"
    credits = "credits_all"
    if txn_range is not None:
        inside = f"txn_no BETWEEN {txn_range[0]} AND {txn_range[1]}"
        txn = f"(SELECT * FROM {txn} s WHERE s.{inside})"
        credits = f"(SELECT * FROM credits_all s WHERE s.{inside})"
    selected = ", ".join(f"{_wide(n)} AS {n}" for n in columns)
    return (
        f"SELECT {selected}, c.rule_set, d.requested FROM {credits} c "
        f"JOIN {txn} t ON t.txn_no = c.txn_no "
        f"JOIN rule_names r ON r.rule_set = c.rule_set AND r.rule_order = c.rule_order "
        f"JOIN cal_day_periods d ON d.date = c.date AND d.calendar = {dialect.string(calendar)} "
        f"WHERE {where}"
    )


def sliced(slices: list[TxnRange], part: Callable[[TxnRange], str]) -> str:
    """One query per transaction slice, as a UNION ALL."""
    return " UNION ALL ".join(f"SELECT * FROM ({part(s)}) p{i}" for i, s in enumerate(slices))


def _formulas(node: Any) -> Iterator[str]:
    """Every credit formula in a dumped measure or component (nested rate tables included)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in FORMULA_KEYS and isinstance(value, str):
                yield value
            else:
                yield from _formulas(value)
    elif isinstance(node, list):
        for item in node:
            yield from _formulas(item)


ALWAYS_READ = frozenset({"credit_id", "payee_id", "period_label", "credit"})
"""Credit columns every plan version keeps (keys, and the credit a default measure sums)."""


def credit_columns(version: PlanVersion) -> tuple[str, ...]:
    """The credit columns a plan version reads, in ``CREDIT_VIEW_COLUMNS`` order: the core columns
    its measures' and components' SQL names, and every field its formulas name (all of them if a
    formula does not parse here: the formula compiler reports it later).

    Each column of ``plan_credits`` is one more value per credit row in every stage that reads it
    (at 5M: 11.5M rows, and the table spills under a 1 GB limit), so a core column no query of
    this version names (``rule_kind``, ``year_start``... for most plans) is left out."""
    from attain.plans.formula import fields_of, parse

    identifiers = _identifiers(version)
    grid = tuple(n for n in GRID_CREDIT_COLUMNS if n in identifiers)
    named: set[str] = set(ALWAYS_READ) | (set(CORE_CREDIT_COLUMNS) & identifiers)
    parts = [m.model_dump() for m in version.doc.measures] + [c.model_dump() for c in version.doc.components]
    try:
        for text in _formulas(parts):
            named |= fields_of(parse(text))
    except ValueError:
        return CREDIT_VIEW_COLUMNS + grid
    return tuple(n for n in CREDIT_VIEW_COLUMNS if n in named) + grid


def _identifiers(version: PlanVersion) -> set[str]:
    """Every identifier in the SQL the version's measures and components run over ``credits``
    (a word that is not a column there only keeps a column: never drops one a query reads).
    SQL that cannot be built here keeps every core column; the run reports the problem."""
    from attain.engine.earn_stage import component_sql_texts
    from attain.engine.formulas import FormulaCompiler
    from attain.engine.measure_stage import measure_values_sql
    from attain.plans.dialect import DUCKDB

    formulas = FormulaCompiler(DUCKDB)
    try:
        texts = [measure_values_sql(m, formulas, "credits") for m in version.doc.measures]
        texts += component_sql_texts(version, formulas)
    except Exception:  # any failure here means: keep every core column (the run reports it)
        return set(CORE_CREDIT_COLUMNS) | set(GRID_CREDIT_COLUMNS)
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", " ".join(texts)))


def plan_credits_sql(version: PlanVersion, dialect: Dialect, slices: list[TxnRange] | None = None) -> str:
    """The credit rows of a plan version's rule set in the pay periods their payee is on the plan
    (any version; ``plan_version`` says which), with the columns the version reads.

    Materialized once per version: measures, components and the trace read it, instead of
    joining every credit to its transaction, rule and period again in each query."""
    names = credit_columns(version)
    columns = ", ".join(f"{'a' if n in GRID_CREDIT_COLUMNS else 'c'}.{n}" for n in names)
    from_credits = tuple(n for n in names if n not in GRID_CREDIT_COLUMNS)

    def part(txn_range: TxnRange) -> str:
        where = f"c.rule_set = {version.rule_set}"
        wide = wide_credits_sql(dialect, version.calendar.name, where, from_credits, txn_range)
        return (
            f"SELECT {columns}, a.plan_version FROM ({wide}) c JOIN assignment_grid a "
            f"ON a.payee_id = c.payee_id AND a.period_label = c.period_label "
            f"AND a.plan_id = {dialect.string(version.doc.plan)}"
        )

    return sliced(slices or [None], part)


def _on_version(version: PlanVersion, ex: Executor, alias: str = "a") -> str:
    d = ex.dialect
    return f"{alias}.plan_id = {d.string(version.doc.plan)} AND {alias}.plan_version = {version.doc.version}"


def _cols(alias: str, names: tuple[str, ...]) -> str:
    return ", ".join(f"{alias}.{n}" for n in names)


def create_views(ex: Executor, version: PlanVersion, credits: str, measures: str) -> None:
    """(Re)define the component views for ``version`` (``credits``: its ``plan_credits_sql`` table)."""
    on = _on_version(version, ex)
    ex.create_view(
        "assignments", (f"SELECT {_cols('a', ASSIGNMENT_VIEW_COLUMNS)} FROM assignment_grid a WHERE {on}")
    )
    ex.create_view(
        "credits",
        (
            f"SELECT {_cols('c', credit_columns(version))} FROM {credits} c "
            f"WHERE c.plan_version = {version.doc.version}"
        ),
    )
    ex.create_view(
        "measures",
        (
            f"SELECT {_cols('m', MEASURE_VIEW_COLUMNS)}, a.payee_period_no FROM {measures} m "
            f"JOIN assignment_grid a ON a.payee_id = m.payee_id AND a.period_label = m.period_label AND {on}"
        ),
    )
    ex.create_view(
        "mbo_scores",
        (
            "SELECT s.payee_id, s.objective_id, s.period_label, CAST(s.score AS DECIMAL(38, 10)) AS score "
            f"FROM in_mbo_score s JOIN assignment_grid a ON a.payee_id = s.payee_id "
            f"AND a.period_label = s.period_label AND {on}"
        ),
    )
