"""Reversals: a cancellation or return gets its original's credit rows with the amount negated.

Same payees, rules, shares and levels as the original; credit = -|reversal amount| x share, dated
on the reversal's own date (it lands in the period it happens).
"""

# ruff: noqa: S608 - SQL is built from code constants, quoted identifiers and Dialect literals

from __future__ import annotations

from attain.crediting.rules import TxnFormula, txn_columns
from attain.plans.dialect import Dialect
from attain.plans.schema import CreditRule


def reversal_sql(rules: list[CreditRule], originals: str, dialect: Dialect, formula: TxnFormula) -> str:
    """Credit rows of reversals, from the credit rows of their originals in ``originals``."""
    cases = " ".join(f"WHEN {dialect.string(rule.id)} THEN {formula(rule.amount, 't')}" for rule in rules)
    amount = f"(CASE o.rule_id {cases} END)"
    credit = dialect.calc(f"-abs({amount}) * o.share")
    return (
        f"SELECT o.payee_id, o.rule_id, o.rule_kind, o.rule_order, o.level, o.share, "
        f"{credit} AS credit, {txn_columns('t')} "
        f"FROM txn t JOIN {originals} o ON o.transaction_id = t.reverses_id WHERE t.is_reversal"
    )
