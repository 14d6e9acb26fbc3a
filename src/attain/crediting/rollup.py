"""Manager roll-ups: each credited payee's manager (as of the transaction date) gets the same credit.

Iterated joins, one per level (``levels`` is small and known from the plan), so every executor can
run it without recursive SQL: level k credits the manager of the level k-1 payee.
"""

# ruff: noqa: S608, E501 - SQL text, built from code constants, quoted identifiers and Dialect literals

from __future__ import annotations

from attain.crediting.rules import reporting_lines_sql, txn_columns
from attain.crediting.transactions import in_list, valid_on
from attain.plans.dialect import Dialect
from attain.plans.schema import CreditRule


def rollup_sql(rule: CreditRule, order: int, of_rules: list[str], base: str, dialect: Dialect) -> str:
    """Credit rows for ``levels`` levels of managers above the credits of ``of_rules`` in ``base``."""
    share = dialect.decimal(rule.share)
    levels = []
    source = f"(SELECT * FROM {base} WHERE rule_id IN {in_list(dialect, of_rules)})"
    for level in range(1, rule.levels + 1):
        levels.append(
            f"lvl{level} AS (SELECT m.manager_id AS payee_id, {dialect.string(rule.id)} AS rule_id, "
            f"{dialect.string('rollup')} AS rule_kind, {order} AS rule_order, {level} AS level, "
            f"{dialect.calc(f'b.share * {share}')} AS share, {dialect.calc(f'b.credit * {share}')} AS credit, "
            f"{txn_columns('b')} FROM {source} b JOIN rl m ON m.payee_id = b.payee_id "
            f"AND {valid_on('m', 'b.date')})"
        )
        source = f"lvl{level}"
    union = "\nUNION ALL\n".join(f"SELECT * FROM lvl{level}" for level in range(1, rule.levels + 1))
    return f"WITH rl AS ({reporting_lines_sql()}),\n" + ",\n".join(levels) + "\n" + union
