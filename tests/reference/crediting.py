"""Stage 1 of the oracle — credit: transactions -> credit rows, one transaction and one rule at a time.

Follows docs/calculation.md "Stage 1 — credit". Readings chosen where the contract is silent:
- A reversal (cancellation/return with ``reverses_id``) is never run through a rule's filter: it
  mirrors every credit row of its original (rollup rows included: same payees, rules, shares and
  levels), with credit = -|rule amount formula on the reversal| x share.
- A cancellation/return WITHOUT ``reverses_id`` is an ordinary transaction (the default filter,
  ``kind in ('booking', 'order')``, leaves it out).
- ``allow_overcredit`` lets the percents total MORE than 100 (the schema's wording); a total under
  100 is still CALC010.
- The territory of a transaction (territory and overlay rules): its ``territory_id``, else its
  account's territory (account_territory) on the transaction date. No holder -> no credit.
- An overlay without ``payees`` and without ``territory_role`` credits nobody (no role to look for).
- A share (percent/100 x rule share, or rule share / holders) is kept at 10 places, half away from
  zero, like every DECIMAL(38, 10) value; credit = amount x share, 10 places, half away from zero.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from attain.core.entities import REVERSAL_KINDS
from attain.plans.schema import CreditKind, CreditRule, PlanDocument

from .formulas import evaluate, holds
from .inputs import Row, Tables

PLACES = Decimal("1e-10")
DEFAULT_KINDS = ("booking", "order")


def at_10_places(value: Decimal) -> Decimal:
    """The calculation scale: 10 decimal places, half away from zero (the SQL cast rule)."""
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class OracleIssue:
    """A problem the oracle found: a stable code and the record it is about."""

    code: str
    record: str
    message: str


def valid_on(row: Row, day: date) -> bool:
    """An effective-dated row (valid_from .. valid_to inclusive, empty valid_to = open) on a day."""
    return bool(row["valid_from"] <= day and (row["valid_to"] is None or day <= row["valid_to"]))


def enriched_transactions(tables: Tables) -> list[Row]:
    """Transactions with their product and account fields (product_family, account_segment...)."""
    products = {p["product_id"]: p for p in tables["product"]}
    accounts = {a["account_id"]: a for a in tables["account"]}
    rows = []
    for txn in tables["transaction"]:
        row = dict(txn)
        product = products.get(txn["product_id"], {})
        account = accounts.get(txn["account_id"], {})
        for name in ("name", "family", "series", "list_price"):
            row[f"product_{name}"] = product.get(name)
        for name in ("sector", "segment", "country", "employees", "annual_revenue"):
            row[f"account_{name}"] = account.get(name)
        row["is_reversal"] = txn["kind"] in REVERSAL_KINDS and txn["reverses_id"] is not None
        row["source_file"], row["source_line"] = "transaction.csv", None
        rows.append(row)
    return sorted(rows, key=lambda r: (r["date"], r["transaction_id"]))


@dataclass(frozen=True)
class Lookups:
    """The input tables a crediting rule consults, grouped once by the key each question asks about
    (an account's territories, a territory's holders, a payee's reporting lines, an opportunity's
    splits), so that a transaction reads only its own rows instead of scanning whole tables."""

    account_territories: dict[str, list[Row]]
    territory_holders: dict[tuple[str | None, str], list[Row]]
    reporting_lines: dict[str, list[Row]]
    splits: dict[str, list[tuple[str, Decimal]]]


def group_by(rows: list[Row], *key: str) -> dict[Any, list[Row]]:
    """Rows grouped by one column (or a tuple of columns), input order kept within a group."""
    groups: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row[key[0]] if len(key) == 1 else tuple(row[k] for k in key)].append(row)
    return groups


def lookups(tables: Tables) -> Lookups:
    return Lookups(
        account_territories=group_by(tables["account_territory"], "account_id"),
        territory_holders=group_by(tables["territory_assignment"], "territory_id", "role"),
        reporting_lines=group_by(tables["reporting_line"], "payee_id"),
        splits=split_percents(tables),
    )


def territory_of(txn: Row, books: Lookups) -> str | None:
    """The transaction's territory, else its account's territory on the transaction date."""
    if txn["territory_id"] is not None:
        return str(txn["territory_id"])
    for row in books.account_territories.get(txn["account_id"], []):
        if valid_on(row, txn["date"]):
            return str(row["territory_id"])
    return None


def holders(territory: str | None, role: str, day: date, books: Lookups) -> list[str]:
    """Payees holding a territory in a role on a day, sorted."""
    rows = books.territory_holders.get((territory, role), [])
    return sorted({row["payee_id"] for row in rows if valid_on(row, day)})


def manager_of(payee: str, day: date, books: Lookups) -> str | None:
    """The payee's manager on a day (the reporting line valid then; the latest if several)."""
    lines = [r for r in books.reporting_lines.get(payee, []) if valid_on(r, day)]
    if not lines:
        return None
    return str(max(lines, key=lambda r: r["valid_from"])["manager_id"])


def split_percents(tables: Tables) -> dict[str, list[tuple[str, Decimal]]]:
    """opportunity_id -> [(payee_id, percent)]."""
    splits: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for row in tables["opportunity_split"]:
        splits[row["opportunity_id"]].append((row["payee_id"], row["percent"]))
    return splits


def payee_shares(
    rule: CreditRule, txn: Row, books: Lookups, issues: list[OracleIssue]
) -> list[tuple[str, Decimal]]:
    """Who a (non-rollup) rule credits for one transaction, and at which share."""
    if rule.kind is CreditKind.OWNER:
        return [] if txn["owner_id"] is None else [(txn["owner_id"], rule.share)]
    if rule.kind is CreditKind.SPLIT:
        rows = books.splits.get(txn["opportunity_id"] or "", [])
        if not rows:
            if rule.fallback_to_owner and txn["owner_id"] is not None:
                return [(txn["owner_id"], rule.share)]
            return []
        total = sum((percent for _, percent in rows), Decimal(0))
        if total < 100 or (total > 100 and not rule.allow_overcredit):
            issues.append(OracleIssue("CALC010", txn["transaction_id"],
                                      f"split percents of {txn['opportunity_id']} total {total}, not 100"))
            return []
        return [(payee, at_10_places(percent / 100 * rule.share)) for payee, percent in rows]
    territory = territory_of(txn, books)
    if rule.kind is CreditKind.OVERLAY:
        if not holds(rule.products, txn):
            return []
        if rule.payees is not None:
            return [(payee, rule.share) for payee in rule.payees]
        if rule.territory_role is None:
            return []
        return [(payee, rule.share) for payee in holders(territory, rule.territory_role, txn["date"], books)]
    if rule.kind is CreditKind.TERRITORY:
        found = holders(territory, rule.territory_role or "owner", txn["date"], books)
        return [(payee, at_10_places(rule.share / len(found))) for payee in found]
    raise ValueError(f"rule kind {rule.kind} is not a direct crediting rule")


def credit_row(txn: Row, payee: str, rule: CreditRule, order: int, share: Decimal, level: int,
               credit: Decimal) -> Row:
    """One credit row: the transaction's fields plus who is credited, how and how much."""
    row: dict[str, Any] = dict(txn)
    row.update(payee_id=payee, rule_id=rule.id, rule_kind=rule.kind.value, rule_order=order,
               share=share, level=level, credit=credit)
    return row


def direct_credits(plan: PlanDocument, txn: Row, books: Lookups, issues: list[OracleIssue]) -> list[Row]:
    """Owner/split/overlay/territory credit rows of one original transaction."""
    rows = []
    for order, rule in enumerate(plan.credit_rules):
        if rule.kind is CreditKind.ROLLUP:
            continue
        passes = holds(rule.transactions, txn) if rule.transactions else txn["kind"] in DEFAULT_KINDS
        if not passes:
            continue
        amount = evaluate(rule.amount, txn)
        for payee, share in payee_shares(rule, txn, books, issues):
            rows.append(credit_row(txn, payee, rule, order, share, 0, at_10_places(amount * share)))
    return rows


def rollup_credits(plan: PlanDocument, direct: list[Row], books: Lookups) -> list[Row]:
    """Managers' copies of the direct credits, level by level up the reporting lines."""
    rows = []
    for order, rule in enumerate(plan.credit_rules):
        if rule.kind is not CreditKind.ROLLUP:
            continue
        for source in direct:
            if rule.of_rules is not None and source["rule_id"] not in rule.of_rules:
                continue
            payee = source["payee_id"]
            for level in range(1, rule.levels + 1):
                manager = manager_of(payee, source["date"], books)
                if manager is None:
                    break
                rows.append(credit_row(source, manager, rule, order, source["share"], level,
                                       source["credit"]))
                payee = manager
    return rows


def reversal_credits(reversal: Row, original_rows: list[Row], plan: PlanDocument) -> list[Row]:
    """The credit rows of the original transaction, negated, on the reversal's own date and fields."""
    rules = {rule.id: rule for rule in plan.credit_rules}
    rows = []
    for original in original_rows:
        rule = rules[original["rule_id"]]
        amount = abs(evaluate(rule.amount, reversal))
        rows.append(credit_row(reversal, original["payee_id"], rule, original["rule_order"],
                               original["share"], original["level"],
                               at_10_places(-amount * original["share"])))
    return rows


def credit(plan: PlanDocument, tables: Tables) -> tuple[list[Row], list[OracleIssue]]:
    """All credit rows of a plan's crediting rules, numbered by (date, transaction, rule, payee).

    The oracle numbers them 1, 2, 3...; the engine's credit_id (txn_no × 10,000 + rank in the
    transaction) sorts them the same way, and only that order is compared."""
    issues: list[OracleIssue] = []
    transactions = enriched_transactions(tables)
    books = lookups(tables)
    known = {t["transaction_id"] for t in transactions}
    by_transaction: dict[str, list[Row]] = {}
    for txn in transactions:
        if not txn["is_reversal"]:
            direct = direct_credits(plan, txn, books, issues)
            by_transaction[txn["transaction_id"]] = direct + rollup_credits(plan, direct, books)
    for txn in transactions:
        if not txn["is_reversal"]:
            continue
        if txn["reverses_id"] not in known:
            issues.append(OracleIssue("CALC020", txn["transaction_id"],
                                      f"reverses unknown transaction {txn['reverses_id']}"))
            continue
        original = by_transaction.get(txn["reverses_id"], [])
        by_transaction[txn["transaction_id"]] = reversal_credits(txn, original, plan)
    rows = [row for txn_rows in by_transaction.values() for row in txn_rows]
    rows.sort(key=lambda r: (r["date"], r["transaction_id"], r["rule_order"], r["payee_id"], r["level"]))
    for number, row in enumerate(rows, start=1):
        row["credit_id"] = number
    return rows, issues
