"""credit_id: dense numbers in credit order, without sorting every credit row.

Credit order is (txn_no, rule_set, rule_order, payee_id, level, share, credit): txn_no is the
transaction's rank by (date, transaction_id), so this is the date, transaction, rule, payee order
of docs/calculation.md. A credit's number is

    credits of the transactions before its own (a running sum over one row per transaction)
  + credits of the earlier rule groups (rule_set, rule_order) of its transaction
  + its rank inside its rule group (1 when the group has one row: an owner, a manager of an owner).

Only the rows of groups with more than one row (team splits, their managers, several territory
holders) are sorted by payee, level, share and credit; the numbers are those of one
``ROW_NUMBER() OVER (ORDER BY <credit order>)`` over all rows, which sorts every row by seven keys.
"""

# ruff: noqa: S608 - SQL is built from code constants and integer literals

from __future__ import annotations

RuleGroup = tuple[int, int]
"""(rule_set, rule_order): the credit rows one crediting rule of one rule set makes."""

INNER_ORDER = "payee_id, level, share, credit"
"""Order of the rows of one transaction's rule group (ties are identical rows)."""


def _count_name(group: RuleGroup) -> str:
    return f"n_{group[0]}_{group[1]}"


def _in_group(group: RuleGroup, alias: str = "") -> str:
    return f"{alias}rule_set = {group[0]} AND {alias}rule_order = {group[1]}"


def offsets_sql(groups: list[RuleGroup], rows: str) -> str:
    """One row per transaction with credits: its rule groups' row counts and ``before``, the
    number of credit rows of the transactions before it (in txn_no order).

    ``before`` is the credit rows of the earlier dates (a running sum over one row per date) plus
    those of the same date's earlier transactions (a running sum partitioned by date): the numbers
    of one running sum over every transaction, without a window over all of them (which runs in
    one thread in DuckDB and as one task on Spark). txn_no ranks (date, transaction_id), so the
    transactions of a date are consecutive."""
    counts = ", ".join(f"SUM(CASE WHEN {_in_group(g)} THEN 1 ELSE 0 END) AS {_count_name(g)}" for g in groups)
    per_txn = f"SELECT txn_no, MIN(date) AS date, {counts}, COUNT(*) AS n FROM {rows} GROUP BY txn_no"
    names = ", ".join(f"g.{_count_name(g)}" for g in groups)
    days = "SELECT date, SUM(n) AS n FROM per_txn t GROUP BY date"
    earlier = "SUM(n) OVER (ORDER BY date ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
    earlier_days = f"SELECT date, COALESCE({earlier}, 0) AS before FROM ({days}) y"
    same_day = (
        "SUM(g.n) OVER (PARTITION BY g.date ORDER BY g.txn_no "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
    )
    return (  # per_txn is read twice: made once (WITH), not grouped twice
        f"WITH per_txn AS ({per_txn}) SELECT g.txn_no, {names}, CAST(b.before + {same_day} - g.n AS BIGINT) "
        f"AS before FROM per_txn g JOIN ({earlier_days}) b ON b.date = g.date"
    )


def _by_group(groups: list[RuleGroup], values: list[str]) -> str:
    """CASE over a credit row's (alias c) rule group, giving the group's value."""
    whens = " ".join(f"WHEN {_in_group(g, 'c.')} THEN {v}" for g, v in zip(groups, values, strict=True))
    return f"(CASE {whens} END)"


def numbered_sql(groups: list[RuleGroup], rows: str, offsets: str, columns: tuple[str, ...]) -> str:
    """SELECT credit_id and ``columns`` of ``rows``: numbered in credit order from ``offsets``.

    Two passes, no copy in between: every row joined to its transaction's offsets keeps the rows
    alone in their group; the rows of crowded groups are found by joining only the transactions
    that have one (a small build side) and are ranked inside their group."""
    counts = [f"o.{_count_name(g)}" for g in groups]
    earlier = [" + ".join(["o.before", *counts[:i]]) for i in range(len(groups))]
    first, size = _by_group(groups, earlier), _by_group(groups, counts)
    cols = ", ".join(f"c.{c}" for c in columns)
    alone = (
        f"SELECT CAST({first} + 1 AS BIGINT) AS credit_id, {cols} FROM {rows} c "
        f"JOIN {offsets} o ON o.txn_no = c.txn_no WHERE {size} = 1"
    )
    crowded_txns = f"SELECT * FROM {offsets} WHERE " + " OR ".join(f"{_count_name(g)} > 1" for g in groups)
    rank = f"ROW_NUMBER() OVER (PARTITION BY c.txn_no, c.rule_set, c.rule_order ORDER BY {INNER_ORDER})"
    crowded = (
        f"SELECT CAST({first} + {rank} AS BIGINT), {cols} FROM {rows} c "
        f"JOIN ({crowded_txns}) o ON o.txn_no = c.txn_no WHERE {size} > 1"
    )
    return f"{alone}\nUNION ALL\n{crowded}"
