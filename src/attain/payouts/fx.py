"""Payout lines in the payee's currency: the FX rate used (as of the period end) and half-even rounding."""

# ruff: noqa: S608, E501 - SQL text built from code constants and Dialect literals

from __future__ import annotations

from attain.core.money import MINOR_UNITS
from attain.plans.dialect import Dialect

KIND_ORDER = ("commission", "clawback", "true_up", "draw", "draw_offset", "guarantee", "draw_recovery",
              "draw_collection", "adjustment")


def _rounded(d: Dialect, amount: str, currency: str) -> str:
    places = sorted(set(MINOR_UNITS.values()))
    cases = " ".join(
        f"WHEN {currency} IN ({', '.join(d.string(c) for c, n in MINOR_UNITS.items() if n == p)}) "
        f"THEN {d.round_half_even(amount, p)}" for p in places)
    return f"(CASE {cases} ELSE {amount} END)"


def _rate(d: Dialect) -> str:
    direct = ("(SELECT f.rate FROM fx f WHERE f.from_currency = l.source_currency AND f.to_currency = l.currency "
              "AND f.date <= p.period_end ORDER BY f.date DESC LIMIT 1)")
    inverse = ("(SELECT f.rate FROM fx f WHERE f.from_currency = l.currency AND f.to_currency = l.source_currency "
               "AND f.date <= p.period_end AND f.rate <> 0 ORDER BY f.date DESC LIMIT 1)")
    return (f"(CASE WHEN l.source_currency = l.currency THEN {d.calc('1')} "
            f"ELSE COALESCE({d.calc(direct)}, {d.exact_div('1', inverse)}) END)")


def converted_lines_sql(d: Dialect) -> str:
    """out_lines with the payee's currency, the rate, the unrounded and rounded amounts and a line number."""
    order = "CASE l.kind " + " ".join(f"WHEN {d.string(k)} THEN {i}" for i, k in enumerate(KIND_ORDER)) + " END"
    return f"""
WITH l0 AS (
  SELECT o.*, COALESCE(y.currency, o.source_currency) AS currency
  FROM out_lines o LEFT JOIN payee y ON y.payee_id = o.payee_id),
l1 AS (SELECT l.*, {_rate(d)} AS rate FROM l0 l JOIN pw p ON p.period_idx = l.period_idx),
l2 AS (
  SELECT l.*, CASE WHEN l.rate IS NULL THEN l.source_currency ELSE l.currency END AS paid_currency,
         {d.calc('l.source_amount * COALESCE(l.rate, 1)')} AS paid_amount
  FROM l1 l)
SELECT CAST(ROW_NUMBER() OVER (ORDER BY l.period_idx, l.payee_id, l.plan_id, {order}, l.component_id,
         l.transaction_id, l.refers_to) AS BIGINT) AS line_no,
       l.payee_id, p.period_label, l.plan_id, l.kind, l.component_id, l.transaction_id, l.refers_to,
       l.source_currency, l.source_amount, l.paid_currency AS currency, l.rate AS fx_rate,
       l.paid_amount AS amount, {_rounded(d, 'l.paid_amount', 'l.paid_currency')} AS amount_rounded,
       l.explanation
FROM l2 l JOIN pw p ON p.period_idx = l.period_idx
ORDER BY line_no
"""
