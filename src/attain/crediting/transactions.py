"""The transactions a run credits, widened with product and account fields and the resolved territory.

The relation ``txn`` has exactly the columns of ``attain.plans.fields.TRANSACTION_FIELDS`` (what a
crediting-rule formula may read). It holds the transactions dated inside the run window plus the
originals that a reversal inside the window points at (so their credit rows can be negated).
"""

# ruff: noqa: S608 - SQL text, built from code constants, quoted identifiers and Dialect literals

from __future__ import annotations

from datetime import date

from attain.core.entities import REVERSAL_KINDS
from attain.plans.dialect import Dialect

TXN_COLUMNS: tuple[str, ...] = (
    "transaction_id",
    "kind",
    "date",
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
    "source_file",
    "source_line",
)
"""Columns of ``txn`` after ``txn_no`` (its rank by date, transaction_id), in order."""

CREDITED_KINDS = ("booking", "order")
"""Kinds a crediting rule credits when it has no ``transactions`` filter."""


def date_literal(day: date) -> str:
    """An ANSI date literal (same text in DuckDB, Spark and PostgreSQL)."""
    return f"DATE '{day.isoformat()}'"


def in_list(dialect: Dialect, values: tuple[str, ...] | list[str]) -> str:
    """``('a', 'b')`` for an IN test."""
    return "(" + ", ".join(dialect.string(v) for v in values) + ")"


FAR_FUTURE = "DATE '9999-12-31'"
"""Stands for an open end: effective-dated rows get it instead of NULL so joins stay comparisons."""


def valid_on(alias: str, day_sql: str) -> str:
    """The effective-dated row ``alias`` (from ``effective_rows``) is in force on a day.

    Only plain comparisons (no OR / IS NULL), so executors run it as a hash join on the key with
    a range filter rather than a nested loop. ``next_from`` (the key's next valid_from) makes a
    later row win over an earlier one left open: at most one row of a key is in force on a day.
    """
    return (
        f"{alias}.valid_from <= {day_sql} AND {day_sql} <= {alias}.valid_to AND {day_sql} < {alias}.next_from"
    )


def effective_rows(table: str, key: str, columns: str, latest_wins: bool = True) -> str:
    """An effective-dated input table with open ends closed at ``FAR_FUTURE`` and ``next_from``."""
    next_from = (
        f"COALESCE(LEAD(valid_from) OVER (PARTITION BY {key} ORDER BY valid_from), {FAR_FUTURE})"
        if latest_wins
        else FAR_FUTURE
    )
    return (
        f"SELECT {columns}, valid_from, COALESCE(valid_to, {FAR_FUTURE}) AS valid_to, "
        f"{next_from} AS next_from FROM {table}"
    )


def txn_sql(dialect: Dialect, start: date, end: date, resolve_territory: bool = True) -> str:
    """SELECT the run's transactions (table ``txn_base``): the transaction's own fields, numbered.

    ``in_transaction`` must carry ``txn_no``: its rank by (date, transaction_id), given when the
    inputs are registered. The territory is the transaction's, else its account's on its date
    (``resolve_territory`` False skips that join when there is no account territory at all).
    """
    reversal = in_list(dialect, REVERSAL_KINDS)
    inside = f"t.date BETWEEN {date_literal(start)} AND {date_literal(end)}"
    originals = (
        f"SELECT r.reverses_id FROM in_transaction r WHERE r.kind IN {reversal} "
        f"AND r.reverses_id IS NOT NULL AND r.date BETWEEN {date_literal(start)} AND {date_literal(end)}"
    )
    calc = dialect.calc
    territory, join = "t.territory_id", ""
    if resolve_territory:
        territory = "COALESCE(t.territory_id, aterr.territory_id)"
        join = (
            f"LEFT JOIN ({effective_rows('in_account_territory', 'account_id', 'account_id, territory_id')}) "
            f"aterr ON aterr.account_id = t.account_id AND {valid_on('aterr', 't.date')}"
        )
    return f"""
SELECT t.txn_no, t.transaction_id, t.kind, t.date, t.kind IN {reversal} AS is_reversal,
       {calc("t.amount")} AS amount, {calc("t.quantity")} AS quantity, t.currency, t.account_id,
       t.product_id, t.owner_id, t.opportunity_id, {territory} AS territory_id,
       t.reverses_id, CAST(t.contract_term_months AS INTEGER) AS contract_term_months, t.attributes,
       t.source_file, CAST(t.source_line AS INTEGER) AS source_line,
       CASE WHEN CAST(t.amount AS DECIMAL(18, 2)) = t.amount THEN CAST(t.amount AS DECIMAL(18, 2)) END
         AS money_amount
FROM in_transaction t {join}
WHERE {inside} OR t.transaction_id IN ({originals})
"""


PRODUCT_FIELDS = frozenset({"product_name", "product_family", "product_series", "product_list_price"})
"""Fields of ``txn`` that come from the transaction's product (a join)."""
ACCOUNT_FIELDS = frozenset(
    {"account_sector", "account_segment", "account_country", "account_employees", "account_annual_revenue"}
)
"""Fields of ``txn`` that come from the transaction's account (a join)."""


def txn_view_sql(dialect: Dialect, product: bool = True, account: bool = True) -> str:
    """The view ``txn``: ``txn_base`` with product and account fields (joined only when read).

    ``product`` / ``account`` False leave that join out (its fields are then NULL): a query that
    reads neither side's fields should not pay a hash join per row for it."""
    calc = dialect.calc
    text = "CAST(NULL AS VARCHAR)"
    joins = []
    if product:
        joins.append("LEFT JOIN in_product p ON p.product_id = t.product_id")
    if account:
        joins.append("LEFT JOIN in_account a ON a.account_id = t.account_id")
    product_cols = (
        f"p.name AS product_name, p.family AS product_family, p.series AS product_series, "
        f"{calc('p.list_price')} AS product_list_price"
        if product
        else f"{text} AS product_name, {text} AS product_family, {text} AS product_series, "
        f"{calc('NULL')} AS product_list_price"
    )
    account_cols = (
        "a.sector AS account_sector, a.segment AS account_segment, a.country AS account_country, "
        "CAST(a.employees AS INTEGER) AS account_employees, "
        f"{calc('a.annual_revenue')} AS account_annual_revenue"
        if account
        else "CAST(NULL AS VARCHAR) AS account_sector, CAST(NULL AS VARCHAR) AS account_segment, "
        "CAST(NULL AS VARCHAR) AS account_country, CAST(NULL AS INTEGER) AS account_employees, "
        f"{calc('NULL')} AS account_annual_revenue"
    )
    return f"SELECT t.*, {product_cols}, {account_cols} FROM txn_base t {' '.join(joins)}"
