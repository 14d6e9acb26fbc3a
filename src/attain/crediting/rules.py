"""SQL for the direct crediting rules: owner, split, overlay and territory.

Each builder returns one SELECT over ``txn`` (alias ``t``) giving credit rows in the
``CREDIT_COLUMNS`` layout: who is credited, by which rule, with what share and credited amount
(= amount formula x share, cast to 10 places). Reversals are not credited here
(``attain.crediting.reversals`` copies the original's rows), so every builder skips them.
"""

# ruff: noqa: S608, E501 - SQL text, built from code constants, quoted identifiers and Dialect literals

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from attain.crediting.transactions import CREDITED_KINDS, TXN_COLUMNS, effective_rows, in_list, valid_on
from attain.plans.dialect import Dialect
from attain.plans.schema import CreditKind, CreditRule

CREDIT_COLUMNS: tuple[str, ...] = (
    "payee_id",
    "rule_id",
    "rule_kind",
    "rule_order",
    "level",
    "share",
    "credit",
    *TXN_COLUMNS,
)
"""Columns of a credit row before its credit_id is given."""

TxnFormula = Callable[[str, str], str]
"""Compile a formula over transaction fields, reading them from a table alias: (text, alias) -> SQL."""


def txn_columns(alias: str) -> str:
    """The transaction part of a credit row, read from ``alias``."""
    return ", ".join(f"{alias}.{name}" for name in TXN_COLUMNS)


def credit_select(
    dialect: Dialect,
    payee: str,
    rule: CreditRule,
    order: int,
    share: str,
    amount: str,
    source: str,
    where: str,
    level: str = "0",
) -> str:
    """SELECT credit rows: payee, rule, share, credit = amount x share (10 places)."""
    return (
        f"SELECT {payee} AS payee_id, {dialect.string(rule.id)} AS rule_id, "
        f"{dialect.string(rule.kind.value)} AS rule_kind, {order} AS rule_order, {level} AS level, "
        f"{share} AS share, {dialect.calc(f'({amount}) * ({share})')} AS credit, {txn_columns('t')} "
        f"FROM {source} WHERE {where}"
    )


def rule_filter(rule: CreditRule, formula: TxnFormula, dialect: Dialect, alias: str = "t") -> str:
    """Which transactions a rule credits: its ``transactions`` formula, else bookings and orders."""
    if rule.transactions is None:
        return f"{alias}.kind IN {in_list(dialect, CREDITED_KINDS)}"
    return f"NOT {alias}.is_reversal AND COALESCE(({formula(rule.transactions, alias)}), FALSE)"


def known_payee(column: str, check_payees: bool) -> str:
    """The credited payee exists (when the run has a payee table)."""
    if not check_payees:
        return f"{column} IS NOT NULL"
    return f"{column} IN (SELECT payee_id FROM in_payee)"


def owner_sql(rule: CreditRule, order: int, dialect: Dialect, formula: TxnFormula, check_payees: bool) -> str:
    where = f"{rule_filter(rule, formula, dialect)} AND {known_payee('t.owner_id', check_payees)}"
    return credit_select(
        dialect,
        "t.owner_id",
        rule,
        order,
        dialect.decimal(rule.share),
        formula(rule.amount, "t"),
        "txn t",
        where,
    )


def split_totals_sql() -> str:
    """Percent total per opportunity."""
    return "SELECT opportunity_id, SUM(percent) AS total, COUNT(*) AS members FROM in_opportunity_split GROUP BY opportunity_id"


def split_ok(rule: CreditRule, alias: str = "st") -> str:
    """An opportunity's split percents are acceptable for this rule."""
    if rule.allow_overcredit:
        return f"{alias}.total >= 100"
    return f"{alias}.total = 100"


def split_sql(rule: CreditRule, order: int, dialect: Dialect, formula: TxnFormula, check_payees: bool) -> str:
    """Team split rows (percent/100 x share), and the owner at 100% when a deal has no split rows."""
    per_cent = dialect.decimal(rule.share / Decimal(100))
    share = dialect.calc(f"s.percent * {per_cent}")
    source = (
        f"txn t JOIN ({split_totals_sql()}) st ON st.opportunity_id = t.opportunity_id "
        f"JOIN in_opportunity_split s ON s.opportunity_id = t.opportunity_id"
    )
    where = f"{rule_filter(rule, formula, dialect)} AND {split_ok(rule)} AND {known_payee('s.payee_id', check_payees)}"
    teams = credit_select(dialect, "s.payee_id", rule, order, share, formula(rule.amount, "t"), source, where)
    if not rule.fallback_to_owner:
        return teams
    alone = (
        f"{rule_filter(rule, formula, dialect)} AND {known_payee('t.owner_id', check_payees)} AND "
        f"(t.opportunity_id IS NULL OR t.opportunity_id NOT IN (SELECT opportunity_id FROM in_opportunity_split))"
    )
    owner = credit_select(
        dialect,
        "t.owner_id",
        rule,
        order,
        dialect.decimal(rule.share),
        formula(rule.amount, "t"),
        "txn t",
        alone,
    )
    return f"{teams}\nUNION ALL\n{owner}"


def holders_sql(role: str, dialect: Dialect) -> str:
    """Territory holders of a role, effective-dated (several holders may share a territory)."""
    rows = effective_rows(
        "in_territory_assignment", "territory_id", "territory_id, payee_id, role", latest_wins=False
    )
    return f"SELECT * FROM ({rows}) h WHERE h.role = {dialect.string(role)}"


def overlay_sql(
    rule: CreditRule, order: int, dialect: Dialect, formula: TxnFormula, check_payees: bool
) -> str:
    """Named payees or territory-role holders, each credited the rule's share (double credit)."""
    where = rule_filter(rule, formula, dialect)
    if rule.products is not None:
        where += f" AND COALESCE(({formula(rule.products, 't')}), FALSE)"
    share = dialect.decimal(rule.share)
    if rule.payees:
        named = " UNION ALL ".join(f"SELECT {dialect.string(p)} AS payee_id" for p in rule.payees)
        source = f"txn t CROSS JOIN ({named}) o"
        where += f" AND {known_payee('o.payee_id', check_payees)}"
    else:
        role = rule.territory_role or "overlay"
        source = (
            f"txn t JOIN ({holders_sql(role, dialect)}) o ON o.territory_id = t.territory_id "
            f"AND {valid_on('o', 't.date')}"
        )
    return credit_select(dialect, "o.payee_id", rule, order, share, formula(rule.amount, "t"), source, where)


def territory_sql(
    rule: CreditRule, order: int, dialect: Dialect, formula: TxnFormula, check_payees: bool
) -> str:
    """Holders of the transaction's territory on its date share the rule's share equally."""
    role = rule.territory_role or "owner"
    held = (
        f"SELECT t.*, o.payee_id AS holder_id, COUNT(*) OVER (PARTITION BY t.transaction_id) AS holders "
        f"FROM txn t JOIN ({holders_sql(role, dialect)}) o ON o.territory_id = t.territory_id "
        f"AND {valid_on('o', 't.date')} WHERE {rule_filter(rule, formula, dialect)}"
    )
    share = dialect.exact_div(dialect.decimal(rule.share), "t.holders")
    return credit_select(
        dialect,
        "t.holder_id",
        rule,
        order,
        share,
        formula(rule.amount, "t"),
        f"({held}) t",
        known_payee("t.holder_id", check_payees),
    )


DIRECT_RULES = {
    CreditKind.OWNER: owner_sql,
    CreditKind.SPLIT: split_sql,
    CreditKind.OVERLAY: overlay_sql,
    CreditKind.TERRITORY: territory_sql,
}
"""SQL builder per direct rule kind (rollups build on their output)."""


def reporting_lines_sql() -> str:
    """Who reports to whom, with next_from so a later line wins over an open earlier one."""
    return effective_rows("in_reporting_line", "payee_id", "payee_id, manager_id")
