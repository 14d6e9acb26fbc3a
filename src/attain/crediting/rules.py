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

from attain.crediting.transactions import CREDITED_KINDS, effective_rows, in_list, valid_on
from attain.plans.dialect import Dialect
from attain.plans.schema import CreditKind, CreditRule

CREDIT_COLUMNS: tuple[str, ...] = ("txn_no", "date", "payee_id", "rule_order", "level", "share", "credit")
"""Columns of a (narrow) credit row before its credit_id is given: the transaction is ``txn_no``
(its row in ``txn``) and the rule is ``rule_order`` (its 1-based position in the plan); the wide
credit row is a join (``attain.engine.views``), so stages copy no transaction text."""

TxnFormula = Callable[[str, str], str]
"""Compile a formula over transaction fields, reading them from a table alias: (text, alias) -> SQL."""


def times_share(
    dialect: Dialect, amount: str, share: str, share_is_one: bool = False, money: str | None = None
) -> str:
    """amount x share at 10 places (rounded half away from zero, the cast rule).

    Share 1 needs no multiplication. When the amount is the transaction's money amount (``money``,
    DECIMAL(18, 2)), small values take a 64-bit product: DECIMAL(18, 2) x DECIMAL(18, 10) is
    DECIMAL(18, 12) and its cast to 10 places is ~30x cheaper in DuckDB than rescaling a 128-bit
    DECIMAL(38, 20). Both branches give the exact product rounded the same way. ``money_amount``
    is NULL for an amount with a third decimal (fils), which takes the exact wide branch.
    """
    if share_is_one:
        return dialect.calc(amount)
    slow = dialect.calc(f"({amount}) * ({share})")
    if money is None:
        return slow
    fast = dialect.calc(f"{money} * CAST({share} AS DECIMAL(18, 10))")
    return f"(CASE WHEN abs({money}) < 1000000 AND abs({share}) < 9 THEN {fast} ELSE {slow} END)"


def split_share(dialect: Dialect, percent: str, rule_share: Decimal) -> str:
    """percent / 100 x rule share at 10 places, with a 64-bit fast path for usual percents."""
    factor = rule_share / Decimal(100)
    slow = dialect.calc(f"{percent} * {dialect.decimal(factor)}")
    places = max(0, -factor.normalize().as_tuple().exponent)  # type: ignore[operator]
    if places > 8:
        return slow
    literal = f"CAST('{factor:f}' AS DECIMAL(18, {places}))"
    fast = dialect.calc(f"CAST({percent} AS DECIMAL(18, 10)) * {literal}")
    return f"(CASE WHEN abs({percent}) < 10000000 THEN {fast} ELSE {slow} END)"


def _money(rule: CreditRule) -> str | None:
    """The transaction's DECIMAL(18, 2) amount when the rule credits the plain amount."""
    return "t.money_amount" if rule.amount.strip() == "amount" else None


def credit_select(
    dialect: Dialect,
    payee: str,
    rule: CreditRule,
    order: int,
    share: str,
    amount: str,
    source: str,
    where: str,
    share_is_one: bool = False,
) -> str:
    """SELECT credit rows: payee, rule, share, credit = amount x share (10 places)."""
    return (
        f"SELECT t.txn_no, t.date, {payee} AS payee_id, {order} AS rule_order, 0 AS level, "
        f"{share} AS share, {times_share(dialect, amount, share, share_is_one, _money(rule))} AS credit "
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
        share_is_one=rule.share == 1,
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
    share = split_share(dialect, "s.percent", rule.share)
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
        share_is_one=rule.share == 1,
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
    return credit_select(
        dialect, "o.payee_id", rule, order, share, formula(rule.amount, "t"), source, where, rule.share == 1
    )


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
