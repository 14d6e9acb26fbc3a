"""Manager roll-ups: each credited payee's manager (as of the transaction date) gets the same credit.

Iterated joins, one per level (``levels`` is small and known from the plan), so every executor can
run it without recursive SQL: level k credits the manager of the level k-1 payee.
"""

# ruff: noqa: S608, E501 - SQL text, built from code constants, quoted identifiers and Dialect literals

from __future__ import annotations

from attain.crediting.rules import reporting_lines_sql, times_share
from attain.crediting.transactions import valid_on
from attain.plans.dialect import Dialect
from attain.plans.schema import CreditRule


def rollup_sql(rule: CreditRule, order: int, of_rules: list[int], base: str, dialect: Dialect) -> str:
    """Credit rows for ``levels`` levels of managers above the credits of ``of_rules`` (rule orders)."""
    one = rule.share == 1
    share = dialect.decimal(rule.share)
    levels = []
    orders = ", ".join(str(o) for o in of_rules) or "NULL"
    source = f"(SELECT * FROM {base} WHERE rule_order IN ({orders}))"
    for level in range(1, rule.levels + 1):
        new_share = "b.share" if one else dialect.calc(f"b.share * {share}")
        levels.append(
            f"lvl{level} AS (SELECT b.txn_no, b.date, m.manager_id AS payee_id, {order} AS rule_order, "
            f"{level} AS level, {new_share} AS share, {times_share(dialect, 'b.credit', share, one)} AS credit "
            f"FROM {source} b JOIN rl m ON m.payee_id = b.payee_id AND {valid_on('m', 'b.date')})"
        )
        source = f"lvl{level}"
    union = "\nUNION ALL\n".join(f"SELECT * FROM lvl{level}" for level in range(1, rule.levels + 1))
    return f"WITH rl AS ({reporting_lines_sql()}),\n" + ",\n".join(levels) + "\n" + union
