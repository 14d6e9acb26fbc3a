"""SPIFFs: a fixed (or formula) amount per qualifying deal inside a date window.

A credit row qualifies when it is a booking (not a reversal) of ``credit_rules`` (default: all),
passes ``filter`` and is dated in [``window_from``, ``window_to``] (open ends allowed).
- ``every_time``: each qualifying row earns ``amount`` (or ``amount_formula`` on that row); a
  later cancellation/return of that deal (a reversal credit of the same payee and rule) earns the
  same amount negated, in the reversal's own period, wherever its date falls.
- ``once_per_period``: one SPIFF per payee and pay period, on the first qualifying row (by date,
  transaction_id, credit_id) whose deal is not reversed.
An ``amount_formula`` giving no value is CALC045 (that row pays nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from attain.components import codes
from attain.components.base import EarnContext
from attain.components.caps import check_cap
from attain.components.lines import describe, earning_lines, issue_lines, money_text, sql_list
from attain.core.errors import Issue
from attain.plans.schema import PlanDocument, SpiffComponent


class SpiffKind:
    """``kind: spiff`` — see docs/components/spiff.md."""

    kind: ClassVar[str] = "spiff"
    stage: ClassVar[int] = 1

    def validate(self, component: SpiffComponent, plan: PlanDocument) -> list[Issue]:
        where = f"component {component.id}"
        issues = []
        if (component.amount is None) == (component.amount_formula is None):
            issues.append(Issue(codes.SPIFF_AMOUNT, f"{where}: give exactly one of `amount` and "
                                "`amount_formula`", record=where))
        start, end = component.window_from, component.window_to
        if start is not None and end is not None and end < start:
            issues.append(Issue(codes.SPIFF_WINDOW, f"{where}: the window ends {end} before it starts "
                                f"{start}", record=where))
        rules = {r.id for r in plan.credit_rules}
        issues += [
            Issue(codes.SPIFF_UNKNOWN_RULE, f"{where}: credit rule {rule!r} is not in the plan", record=where)
            for rule in component.credit_rules or [] if rule not in rules
        ]
        return issues + check_cap(component, where)

    def earnings_sql(self, component: SpiffComponent, ctx: EarnContext) -> str:
        d = ctx.dialect
        window = _window_words(component)
        explanation = (f"concat(CASE WHEN s.is_reversal THEN concat('reversal ', s.transaction_id, ' of ', "
                       f"s.original_id, ' takes back the SPIFF') ELSE concat('deal ', s.transaction_id, "
                       f"' qualifies{window}') END, ': ', {money_text(d, 's.pay', ctx.money_places)})")
        inner = f"""SELECT s.payee_id, s.period_label, {d.string(component.id)} AS component_id,
            'spiff' AS component_kind, s.credit_id, s.transaction_id, s.rule_id, NULL AS basis_before,
            s.credit AS basis_after, NULL AS tier_index, NULL AS tier_rate, s.pay AS rate_or_factor,
            s.pay AS amount, {explanation} AS explanation, s.payee_period_no
          FROM ({_paying(component, ctx)}) AS s WHERE s.pay IS NOT NULL"""  # noqa: S608 - quoted fragments
        return earning_lines(inner, d, ctx.explanations)

    def issues_sql(self, component: SpiffComponent, ctx: EarnContext) -> str | None:
        if component.amount_formula is None:
            return None
        d = ctx.dialect
        inner = f"""SELECT {d.string(codes.SPIFF_NO_AMOUNT)} AS code, 'error' AS severity, s.payee_id,
            s.period_label, {d.string(component.id)} AS component_id, s.credit_id,
            concat('SPIFF {component.id}: the amount formula gives no value for ', s.transaction_id)
              AS message
          FROM ({_paying(component, ctx)}) AS s WHERE s.pay IS NULL"""  # noqa: S608 - quoted fragments
        return issue_lines(inner, d)

    def explain(self, row: Mapping[str, Any]) -> str:
        return describe(row)


def _window_words(component: SpiffComponent) -> str:
    start, end = component.window_from, component.window_to
    if start and end:
        return f" (dated {start.isoformat()} to {end.isoformat()})"
    if start:
        return f" (dated from {start.isoformat()})"
    return f" (dated until {end.isoformat()})" if end else ""


def _qualifying(component: SpiffComponent, ctx: EarnContext) -> str:
    """Booking credit rows that qualify, with their SPIFF amount ``pay`` (NULL: formula gave none)."""
    d = ctx.dialect
    where = ["NOT c.is_reversal"]
    if component.credit_rules:
        where.append(f"c.rule_id IN {sql_list(d, component.credit_rules)}")
    if component.filter:
        where.append(f"({ctx.compile_formula(component.filter)})")
    if component.window_from:
        where.append(f"c.date >= {d.date_literal(component.window_from)}")
    if component.window_to:
        where.append(f"c.date <= {d.date_literal(component.window_to)}")
    pay = (d.decimal(component.amount) if component.amount is not None
           else d.calc(ctx.compile_formula(component.amount_formula or "0")))
    # only the fields the lines and the once-per-period order read: at 5M every column of the
    # 11.5M credit rows is scanned before the filter leaves a few (c.* cost 3.4 CPU-s, these 2.5)
    return (f"SELECT {_fields('c')}, c.date, {pay} AS pay "  # noqa: S608
            f"FROM credits AS c WHERE {' AND '.join(where)}")


_PAIRED = """SELECT k.credit_id, k.transaction_id, k.payee_id, k.rule_id, k.is_reversal, k.reverses_id,
    k.period_label, k.credit, k.payee_period_no,
    ROW_NUMBER() OVER (PARTITION BY k.transaction_id, k.payee_id, k.rule_id
    ORDER BY k.level, k.share, k.credit_id) AS pair_n
  FROM credits AS k
  WHERE k.is_reversal
     OR k.transaction_id IN (SELECT r0.reverses_id FROM credits AS r0 WHERE r0.is_reversal)"""
"""The credit rows of reversals and of the deals they reverse, numbered within (transaction, payee,
rule): a reversal row pairs with the original row of the same number, so a payee with two rows of
one deal under one rule (two roll-up rows) is taken back once per row paid, not twice. Only these
rows are numbered (a whole deal's rows share its transaction_id, so each numbering is complete):
numbering every credit row costs a sort of the whole table."""

_WITH = "WITH spiff_q AS ({q}), spiff_paired AS (" + _PAIRED + ")\n"
"""The qualifying rows and the paired rows, each made once and read twice (every scan of a big
run's credits costs: at 5M they spill under a 1 GB limit)."""

_REVERSAL_PAIRS = """SELECT r.*, o.pay AS original_pay, o.transaction_id AS original_id,
        o.credit_id AS original_credit
      FROM spiff_paired AS r
      JOIN spiff_paired AS n ON NOT n.is_reversal AND r.is_reversal AND r.reverses_id = n.transaction_id
        AND r.payee_id = n.payee_id AND r.rule_id = n.rule_id AND r.pair_n = n.pair_n
      JOIN spiff_q AS o ON o.credit_id = n.credit_id"""
"""(reversal row, qualifying original row) pairs: the reversal takes back that row's SPIFF."""


def _paying(component: SpiffComponent, ctx: EarnContext) -> str:
    """The rows that earn (or take back) a SPIFF, with ``pay`` and ``original_id``."""
    head = _WITH.format(q=_qualifying(component, ctx))
    if component.frequency == "every_time":
        return f"""{head}SELECT {_fields("q")}, q.pay, NULL AS original_id FROM spiff_q AS q
          UNION ALL
          SELECT {_fields("p")}, -p.original_pay AS pay, p.original_id FROM ({_REVERSAL_PAIRS}) AS p"""  # noqa: S608
    return f"""{head}SELECT f.* FROM (
        SELECT q.*, NULL AS original_id, ROW_NUMBER() OVER (PARTITION BY q.payee_id, q.period_label
          ORDER BY q.date, q.transaction_id, q.credit_id) AS n
        FROM spiff_q AS q
        WHERE q.credit_id NOT IN (SELECT p.original_credit FROM ({_REVERSAL_PAIRS}) AS p)) AS f
      WHERE f.n = 1"""  # noqa: S608 - quoted fragments


_CREDIT_FIELDS = (
    "payee_id", "period_label", "credit_id", "transaction_id", "rule_id", "credit", "is_reversal",
    "payee_period_no",
)
"""The credit fields the SPIFF lines read."""


def _fields(alias: str) -> str:
    return ", ".join(f"{alias}.{name}" for name in _CREDIT_FIELDS)
