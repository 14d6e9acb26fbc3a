"""Stage 1 — credit: run each rule set's crediting SQL and number the credit rows.

Result: table ``credits_all`` (one row per credit, ``credit_id`` ordered by date,
transaction_id, rule set, rule order, payee_id, level: the transaction's txn_no × 10,000 + the
credit's rank in it, ``attain.crediting.numbering``) and the crediting issues. The rows are made
and numbered in one statement (a window partitioned by transaction): no copy of every credit row
and no running count over every transaction.
"""

# ruff: noqa: S608 - SQL is built from code constants, quoted identifiers and Dialect literals

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from attain.core.errors import AttainError, Issue, Source, register
from attain.crediting.checks import overlap_checks, reversal_checks, rule_checks
from attain.crediting.numbering import CREDITS_PER_TRANSACTION, numbered_sql, overflow_sql, overflow_txn
from attain.crediting.reversals import REVERSAL_PAIRS, reversal_pairs_sql, reversal_sql
from attain.crediting.rollup import rollup_sql
from attain.crediting.rules import CREDIT_COLUMNS, DIRECT_RULES
from attain.crediting.transactions import ACCOUNT_FIELDS, PRODUCT_FIELDS, date_literal, txn_sql, txn_view_sql
from attain.engine.calendar import RunWindow
from attain.engine.executors import Executor
from attain.engine.formulas import FormulaCompiler
from attain.engine.issues import issues_from_rows
from attain.engine.plans import PlanVersion
from attain.plans.schema import CreditKind, CreditRule

CREDITS_ALL_COLUMNS: tuple[str, ...] = ("rule_set", *CREDIT_COLUMNS)
"""Columns of ``credits_all`` after ``credit_id``."""

CALC015 = register(
    "CALC015",
    f"A transaction makes {CREDITS_PER_TRANSACTION:,} credit rows or more: credit ids cannot number them",
)


def run_credit_stage(
    ex: Executor,
    versions: list[PlanVersion],
    window: RunWindow,
    formulas: FormulaCompiler,
    check_payees: bool,
    resolve_territory: bool = True,
) -> list[Issue]:
    """Build ``txn`` and ``credits_all``; return the problems found while crediting."""
    d = ex.dialect
    ex.create_table("txn_base", txn_sql(d, window.start, window.end, resolve_territory))
    sets = {v.rule_set: v for v in versions}
    product, account = _dimensions_read(v.doc.credit_rules for v in sets.values())
    ex.create_view("txn", txn_view_sql(d, product, account))
    ex.register("rule_names", rule_names_table(sets))
    ex.create_table(REVERSAL_PAIRS, reversal_pairs_sql())
    parts = []
    inside = f"BETWEEN {date_literal(window.start)} AND {date_literal(window.end)}"
    checks = [*reversal_checks(d, f"t.date {inside}"), *overlap_checks(d)]
    for rule_set, version in sorted(sets.items()):
        rows = _rule_set_sql(version, formulas, check_payees)
        parts.append(f"SELECT {rule_set} AS rule_set, {', '.join(CREDIT_COLUMNS)} FROM ({rows}) r{rule_set}")
        for rule in version.doc.credit_rules:
            if rule.kind is not CreditKind.ROLLUP:
                checks += rule_checks(rule, d, formulas.txn, check_payees)
    made = f"(SELECT * FROM ({' UNION ALL '.join(parts)}) c WHERE c.date {inside})"
    ex.create_table("credits_all", numbered_sql(made, CREDITS_ALL_COLUMNS))
    _check_numbers(ex)
    found = issues_from_rows(ex.fetch(" UNION ALL ".join(checks)))
    ex.drop(REVERSAL_PAIRS)
    return found


def _check_numbers(ex: Executor) -> None:
    """Stop the run (CALC015) when a transaction's credit rows ran past the numbers it has."""
    at_limit = ex.fetch(overflow_sql("credits_all")).column(0)[0].as_py()
    if at_limit is None:
        return
    over = overflow_txn(int(at_limit))
    found = ex.fetch(f"SELECT transaction_id FROM txn_base WHERE txn_no = {over}").column(0)
    name = found[0].as_py() if len(found) else f"number {over}"
    issue = Issue(
        CALC015,
        f"transaction {name} makes {CREDITS_PER_TRANSACTION:,} credit rows or more (splits, territory "
        f"holders and roll-up levels together): a transaction's credits are numbered 1 to "
        f"{CREDITS_PER_TRANSACTION - 1:,}; check its split and territory rows",
        source=Source(system="transaction", external_id=str(name)),
    )
    raise AttainError(issue.message, [issue], code=CALC015)


def _dimensions_read(rule_lists: Iterable[Iterable[CreditRule]]) -> tuple[bool, bool]:
    """Whether the crediting rules' formulas read product fields, account fields (the ``txn`` view
    joins only those; a formula that does not parse here counts as reading both)."""
    from attain.plans.formula import fields_of, parse

    texts = [
        text
        for rules in rule_lists
        for rule in rules
        for text in (rule.transactions, rule.amount, rule.products)
        if text
    ]
    try:
        named = set().union(*(fields_of(parse(text)) for text in texts))
    except ValueError:
        return True, True
    return bool(named & PRODUCT_FIELDS), bool(named & ACCOUNT_FIELDS)


def rule_names_table(sets: dict[int, PlanVersion]) -> pa.Table:
    """rule_set x rule_order -> rule_id, rule_kind (credit rows carry only the numbers)."""
    rows = [
        (rule_set, order, rule.id, rule.kind.value)
        for rule_set, version in sets.items()
        for order, rule in enumerate(version.doc.credit_rules, start=1)
    ]
    return pa.table(
        {
            "rule_set": pa.array([r[0] for r in rows], pa.int32()),
            "rule_order": pa.array([r[1] for r in rows], pa.int32()),
            "rule_id": pa.array([r[2] for r in rows], pa.string()),
            "rule_kind": pa.array([r[3] for r in rows], pa.string()),
        }
    )


def _rule_set_sql(version: PlanVersion, formulas: FormulaCompiler, check_payees: bool) -> str:
    """All credit rows of one plan version's rules: direct, then roll-ups, then reversals."""
    d = formulas.dialect
    rules = list(version.doc.credit_rules)
    direct = [(i, r) for i, r in enumerate(rules, start=1) if r.kind is not CreditKind.ROLLUP]
    rollups = [(i, r) for i, r in enumerate(rules, start=1) if r.kind is CreditKind.ROLLUP]
    direct_ids = {r.id: i for i, r in direct}
    base = (
        " UNION ALL ".join(
            f"({DIRECT_RULES[r.kind](r, i, d, formulas.txn, check_payees)})" for i, r in direct
        )
        or "SELECT txn_no, date, owner_id AS payee_id, 0 AS rule_order, 0 AS level, amount AS share, "
        "amount AS credit FROM txn WHERE FALSE"
    )
    with_rollups = ["SELECT * FROM base"]
    for i, rule in rollups:
        of_rules = [direct_ids[r] for r in (rule.of_rules or list(direct_ids)) if r in direct_ids]
        with_rollups.append(f"SELECT * FROM ({rollup_sql(rule, i, of_rules, 'base', d)}) r{i}")
    originals = "(" + " UNION ALL ".join(with_rollups) + ")"
    return (
        f"WITH base AS ({base}), originals AS ({originals[1:-1]})\n"
        f"SELECT * FROM originals\nUNION ALL\n{reversal_sql(rules, 'originals', d, formulas.txn)}"
    )
