"""The views component kinds read (``attain.components.base``), built for one plan version.

``credits``, ``measures``, ``assignments`` and ``mbo_scores`` are restricted to the version's
payees and to the pay periods in which this version is the one in force for them.
"""

# ruff: noqa: S608 - SQL is built from code constants, quoted identifiers and Dialect literals

from __future__ import annotations

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
)


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


def wide_credits_sql(dialect: Dialect, calendar: str, where: str = "TRUE") -> str:
    """Credit rows joined to their transaction, rule names and pay period (of ``calendar``).

    Columns: ``CREDIT_VIEW_COLUMNS`` then rule_set and requested. Executors push the projection
    down, so a query that reads few columns joins only those.
    """
    columns = ", ".join(f"{_wide(n)} AS {n}" for n in CREDIT_VIEW_COLUMNS)
    return (
        f"SELECT {columns}, c.rule_set, d.requested FROM credits_all c "
        f"JOIN txn t ON t.txn_no = c.txn_no "
        f"JOIN rule_names r ON r.rule_set = c.rule_set AND r.rule_order = c.rule_order "
        f"JOIN cal_day_periods d ON d.date = c.date AND d.calendar = {dialect.string(calendar)} "
        f"WHERE {where}"
    )


def _on_version(version: PlanVersion, ex: Executor, alias: str = "a") -> str:
    d = ex.dialect
    return f"{alias}.plan_id = {d.string(version.doc.plan)} AND {alias}.plan_version = {version.doc.version}"


def _cols(alias: str, names: tuple[str, ...]) -> str:
    return ", ".join(f"{alias}.{n}" for n in names)


def create_views(ex: Executor, version: PlanVersion, credits: str, measures: str) -> None:
    """(Re)define the component views for ``version``."""
    on = _on_version(version, ex)
    ex.create_view(
        "assignments", (f"SELECT {_cols('a', ASSIGNMENT_VIEW_COLUMNS)} FROM assignment_grid a WHERE {on}")
    )
    ex.create_view(
        "credits",
        (
            f"SELECT {_cols('c', CREDIT_VIEW_COLUMNS)} FROM {credits} c JOIN assignment_grid a "
            f"ON a.payee_id = c.payee_id AND a.period_label = c.period_label AND {on}"
        ),
    )
    ex.create_view(
        "measures",
        (
            f"SELECT {_cols('m', MEASURE_VIEW_COLUMNS)} FROM {measures} m JOIN assignment_grid a "
            f"ON a.payee_id = m.payee_id AND a.period_label = m.period_label AND {on}"
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
