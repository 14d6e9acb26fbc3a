"""Reversals: a cancellation or return gets its original's credit rows with the amount negated.

Same payees, rules, shares and levels as the original; credit = -|reversal amount| x share, dated
on the reversal's own date (it lands in the period it happens).
"""

# ruff: noqa: S608 - SQL is built from code constants, quoted identifiers and Dialect literals

from __future__ import annotations

from attain.crediting.rules import TxnFormula
from attain.plans.dialect import Dialect
from attain.plans.schema import CreditRule

REVERSAL_PAIRS = "credit_reversals"
"""Table of (txn_no, original_no): each reversal in ``txn`` and the transaction it reverses."""


def reversal_pairs_sql() -> str:
    """SELECT each reversal's txn_no and its original's (a small table: the credit rows of the
    originals are then found by an integer join, not by joining every credit to its transaction)."""
    return (
        "SELECT t.txn_no, o.txn_no AS original_no FROM txn_base t "
        "JOIN txn_base o ON o.transaction_id = t.reverses_id WHERE t.is_reversal"
    )


def reversal_sql(rules: list[CreditRule], originals: str, dialect: Dialect, formula: TxnFormula) -> str:
    """Credit rows of reversals, from the credit rows of their originals in ``originals``
    (``REVERSAL_PAIRS`` must exist)."""
    cases = " ".join(
        f"WHEN {order} THEN {formula(rule.amount, 't')}" for order, rule in enumerate(rules, start=1)
    )
    amount = f"(CASE o.rule_order {cases} END)"
    credit = dialect.calc(f"-abs({amount}) * o.share")
    return (
        f"SELECT t.txn_no, t.date, o.payee_id, o.rule_order, o.level, o.share, {credit} AS credit "
        f"FROM {REVERSAL_PAIRS} p JOIN txn t ON t.txn_no = p.txn_no "
        f"JOIN {originals} o ON o.txn_no = p.original_no"
    )
