"""Crediting problems found in the data, as rows: bad splits, unknown owners, orphan reversals.

Each check is one SELECT in the ``ISSUE_ROW`` layout over the same relations the rules read, so a
problem is reported for exactly the transactions that lost credit because of it.
"""

# ruff: noqa: S608, E501 - SQL text, built from code constants, quoted identifiers and Dialect literals

from __future__ import annotations

from attain.core.entities import REVERSAL_KINDS
from attain.core.errors import register
from attain.crediting.reversals import REVERSAL_PAIRS
from attain.crediting.rules import TxnFormula, holders_sql, rule_filter, split_ok, split_totals_sql
from attain.crediting.transactions import in_list, valid_on
from attain.plans.dialect import Dialect
from attain.plans.schema import CreditKind, CreditRule

CALC010 = register(
    "CALC010", "Opportunity split percents do not total 100%: its transactions get no split credit"
)
CALC011 = register("CALC011", "Transaction has no owner: the owner rule cannot credit it")
CALC012 = register("CALC012", "Credited payee is not in the payee table: no credit for that payee")
CALC013 = register("CALC013", "No payee holds the transaction's territory on its date: no territory credit")
CALC014 = register(
    "CALC014", "Overlapping effective-dated rows (reporting line/account territory): the later one wins"
)
CALC020 = register(
    "CALC020", "Reversal (cancellation/return) of a transaction that does not exist: no credit"
)
CALC021 = register("CALC021", "Cancellation or return without reverses_id: not credited")

UNKNOWN_SPLIT_PAYEES = "SELECT opportunity_id, payee_id FROM in_opportunity_split WHERE payee_id NOT IN (SELECT payee_id FROM in_payee)"
"""Split rows naming a payee the payee table does not have (found before the transactions are joined)."""

ISSUE_ROW = ("code", "severity", "transaction_id", "payee_id", "source_file", "source_line", "message")


def issue_select(
    dialect: Dialect, code: str, severity: str, payee: str, message: str, source: str, where: str
) -> str:
    """One check: rows of ``source`` (alias t = a transaction) matching ``where`` are issues."""
    return (
        f"SELECT {dialect.string(code)} AS code, {dialect.string(severity)} AS severity, "
        f"t.transaction_id, {payee} AS payee_id, t.source_file, t.source_line, {message} AS message "
        f"FROM {source} WHERE {where}"
    )


def rule_checks(rule: CreditRule, dialect: Dialect, formula: TxnFormula, check_payees: bool) -> list[str]:
    """The checks that apply to one direct rule."""
    passes = rule_filter(rule, formula, dialect)
    label = dialect.string(f"rule {rule.id}: ")
    checks = []
    owner_used = rule.kind is CreditKind.OWNER or (rule.kind is CreditKind.SPLIT and rule.fallback_to_owner)
    if owner_used:
        no_split = (
            "TRUE"
            if rule.kind is CreditKind.OWNER
            else "(t.opportunity_id IS NULL OR t.opportunity_id NOT IN (SELECT opportunity_id FROM in_opportunity_split))"
        )
        checks.append(
            issue_select(
                dialect,
                CALC011,
                "error",
                "NULL",
                f"{label} || 'transaction ' || t.transaction_id || ' has no owner_id'",
                "txn t",
                f"{passes} AND {no_split} AND t.owner_id IS NULL",
            )
        )
        if check_payees:
            checks.append(
                issue_select(
                    dialect,
                    CALC012,
                    "error",
                    "t.owner_id",
                    f"{label} || 'owner ' || t.owner_id || ' is not a known payee'",
                    "txn t",
                    f"{passes} AND {no_split} AND t.owner_id IS NOT NULL AND t.owner_id NOT IN (SELECT payee_id FROM in_payee)",
                )
            )
    if rule.kind is CreditKind.SPLIT:
        checks.append(
            issue_select(
                dialect,
                CALC010,
                "error",
                "NULL",
                f"{label} || 'opportunity ' || t.opportunity_id || ' splits total ' || CAST(st.total AS VARCHAR) || '%, not 100%'",
                f"txn t JOIN ({split_totals_sql()}) st ON st.opportunity_id = t.opportunity_id",
                f"{passes} AND NOT ({split_ok(rule)})",
            )
        )
        if check_payees:
            checks.append(
                issue_select(
                    dialect,
                    CALC012,
                    "error",
                    "s.payee_id",
                    f"{label} || 'split payee ' || s.payee_id || ' is not a known payee'",
                    f"txn t JOIN ({UNKNOWN_SPLIT_PAYEES}) s ON s.opportunity_id = t.opportunity_id",
                    passes,
                )
            )
    if rule.kind is CreditKind.TERRITORY:
        held = (
            f"SELECT 1 FROM ({holders_sql(rule.territory_role or 'owner', dialect)}) a "
            f"WHERE a.territory_id = t.territory_id AND {valid_on('a', 't.date')}"
        )
        checks.append(
            issue_select(
                dialect,
                CALC013,
                "warning",
                "NULL",
                f"{label} || 'no holder of territory ' || COALESCE(t.territory_id, '(none)') || ' on ' || CAST(t.date AS VARCHAR)",
                "txn t",
                f"{passes} AND NOT EXISTS ({held})",
            )
        )
    return checks


def reversal_checks(dialect: Dialect, inside: str) -> list[str]:
    """Reversals that point nowhere.

    ``inside``: the run window as a condition on ``t.date``. A reversal in the window whose
    original exists has that original in ``txn`` and a row in ``REVERSAL_PAIRS``; the check
    reads neither ``in_transaction`` again nor reversals outside the window (those were reported
    by the runs that cover them)."""
    kinds = in_list(dialect, REVERSAL_KINDS)
    return [
        issue_select(
            dialect,
            CALC020,
            "error",
            "NULL",
            "'reversal ' || t.transaction_id || ' reverses unknown transaction ' || t.reverses_id",
            "txn_base t",
            f"t.is_reversal AND t.reverses_id IS NOT NULL AND {inside} "
            f"AND t.txn_no NOT IN (SELECT txn_no FROM {REVERSAL_PAIRS})",
        ),
        issue_select(
            dialect,
            CALC021,
            "warning",
            "NULL",
            "t.kind || ' ' || t.transaction_id || ' has no reverses_id: nothing to reverse'",
            "txn_base t",
            f"t.kind IN {kinds} AND t.reverses_id IS NULL",
        ),
    ]


def overlap_checks(dialect: Dialect) -> list[str]:
    """Effective-dated rows of one key that overlap (the later row wins from its start)."""
    checks = []
    for table, key in (("in_reporting_line", "payee_id"), ("in_account_territory", "account_id")):
        rows = (
            f"SELECT {key} AS k, valid_from, valid_to, LEAD(valid_from) OVER (PARTITION BY {key} "
            f"ORDER BY valid_from) AS next_from FROM {table}"
        )
        checks.append(
            f"SELECT {dialect.string(CALC014)} AS code, 'warning' AS severity, NULL AS transaction_id, "
            f"CASE WHEN {dialect.string(table)} = 'in_reporting_line' THEN r.k END AS payee_id, "
            f"{dialect.string(table[3:])} AS source_file, CAST(NULL AS INTEGER) AS source_line, "
            f"{dialect.string(table[3:] + ' ')} || r.k || ' has rows overlapping from ' || CAST(r.next_from AS VARCHAR) AS message "
            f"FROM ({rows}) r WHERE r.next_from IS NOT NULL AND (r.valid_to IS NULL OR r.valid_to >= r.next_from)"
        )
    return checks
