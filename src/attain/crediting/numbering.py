"""credit_id: the transaction's number and the credit's rank in it, ordered like the credits.

Credit order is (txn_no, rule_set, rule_order, payee_id, level, share, credit): txn_no is the
transaction's rank by (date, transaction_id), so this is the date, transaction, rule, payee order
of docs/calculation.md. A credit's number is

    credit_id = txn_no × CREDITS_PER_TRANSACTION + its rank among its transaction's credit rows

(transaction 1234's credits are 12340001, 12340002, ...): sorting by credit_id alone gives credit
order, and ``credit_id // CREDITS_PER_TRANSACTION`` is the transaction's ``txn_no``. The numbers
are not dense. One window partitioned by transaction numbers every row: at 5M transactions
(11.5M credit rows) it costs 12 CPU-s with the making of the rows, where dense numbers (per
transaction counts, their running sum over every transaction, and a join back) cost 21.
"""

# ruff: noqa: S608, E501 - SQL is built from code constants and integer literals

from __future__ import annotations

CREDITS_PER_TRANSACTION = 10_000
"""A transaction's credit rows are numbered 1 to 9,999 after its txn_no × 10,000; a transaction
with more rows stops the run (CALC015: the numbers would run into the next transaction's)."""

CREDIT_ORDER = "rule_set, rule_order, payee_id, level, share, credit"
"""Order of one transaction's credit rows (ties are identical rows)."""


def numbered_sql(rows: str, columns: tuple[str, ...]) -> str:
    """SELECT credit_id and ``columns`` of ``rows`` (a relation with txn_no and the order keys)."""
    rank = f"ROW_NUMBER() OVER (PARTITION BY c.txn_no ORDER BY {', '.join(f'c.{k}' for k in CREDIT_ORDER.split(', '))})"
    cols = ", ".join(f"c.{c}" for c in columns)
    return f"SELECT CAST(c.txn_no * {CREDITS_PER_TRANSACTION} + {rank} AS BIGINT) AS credit_id, {cols} FROM {rows} c"


def overflow_sql(numbered: str) -> str:
    """One row: the smallest number ending in 0000 (NULL when every transaction fits). Only a
    transaction's 10,000th credit row gets one (the first number of the next transaction), so its
    transaction is ``overflow_txn(value)``. A scan of one integer column; no integer division in
    SQL (DuckDB's ``//`` is not Spark's ``DIV``)."""
    return f"SELECT MIN(credit_id) AS at_limit FROM {numbered} WHERE credit_id % {CREDITS_PER_TRANSACTION} = 0"


def overflow_txn(at_limit: int) -> int:
    """The txn_no of the transaction whose 10,000th credit row got number ``at_limit``."""
    return at_limit // CREDITS_PER_TRANSACTION - 1
