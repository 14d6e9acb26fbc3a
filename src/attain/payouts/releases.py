"""Earnings become payable: payment schedules (holds, installments, holdbacks) and clawbacks, in SQL.

``earned`` is one row per payee x plan x component x period x deal (the engine's earning lines; the
part of a component total no deal carries, e.g. a bonus or a cap, is one row without a deal).
``releases`` says in which period each part becomes payable:

- no schedule (or a reversal line): payable in its own period;
- ``booking``: its own period (+ ``delay_periods``); ``invoice``: the period of the first invoice of
  the deal's opportunity; ``payment``: as the opportunity's payments come in, in proportion to the
  amount collected over the amount booked (never above 100%);
- clawback: a cancellation/return of a deal within ``window_days`` of it replaces the engine's
  reversal lines by a line taking back the deal's original earning (its own rate, not the rate of
  the tier the payee is in now) x the cancelled fraction x (optionally) the unserved part of the
  term; ``limit_to_paid`` caps it at the cancelled fraction of what was released and stops the
  cancelled fraction of what is still held.
"""

# ruff: noqa: S608, E501 - SQL text built from code constants and Dialect literals

from __future__ import annotations

from attain.plans.dialect import CALC_TYPE, Dialect

EARNED_SQL = f"""
WITH lines AS (
  SELECT payee_id, plan_id, CAST(plan_version AS INTEGER) AS plan_version, component_id, period_label,
         transaction_id, CAST(SUM(amount) AS {CALC_TYPE}) AS amount
  FROM e_lines WHERE transaction_id IS NOT NULL GROUP BY ALL),
line_sums AS (
  SELECT payee_id, plan_id, plan_version, component_id, period_label, SUM(amount) AS amount
  FROM lines GROUP BY ALL),
totals AS (
  SELECT payee_id, plan_id, CAST(plan_version AS INTEGER) AS plan_version, component_id, period_label,
         CAST(SUM(amount) AS {CALC_TYPE}) AS amount
  FROM e_totals GROUP BY ALL),
rest AS (
  SELECT t.payee_id, t.plan_id, t.plan_version, t.component_id, t.period_label,
         CAST(NULL AS VARCHAR) AS transaction_id, CAST(t.amount - COALESCE(s.amount, 0) AS {CALC_TYPE}) AS amount
  FROM totals t LEFT JOIN line_sums s USING (payee_id, plan_id, plan_version, component_id, period_label)),
rows AS (SELECT * FROM lines UNION ALL SELECT * FROM rest WHERE amount <> 0)
SELECT r.*, p.period_idx AS source_idx, x.kind AS txn_kind, x.reverses_id, x.date AS txn_date,
       x.opportunity_id,
       COALESCE(x.kind IN ('cancellation', 'return') AND x.reverses_id IS NOT NULL, FALSE) AS is_reversal
FROM rows r JOIN pw p ON p.period_label = r.period_label
LEFT JOIN txn x ON x.transaction_id = r.transaction_id
"""


def _period_of(d: Dialect, day: str) -> str:
    """The window index of a date: -1 before the window, NULL after it."""
    return (f"(CASE WHEN {day} < (SELECT MIN(period_start) FROM pw) THEN -1 ELSE "
            f"(SELECT q.period_idx FROM pw q WHERE {day} BETWEEN q.period_start AND q.period_end) END)")


def events_sql(d: Dialect) -> str:
    """Invoices (first per opportunity) and payments (cumulative fraction of the booked amount)."""

    def frac(x: str) -> str:
        return f"LEAST({d.calc('1')}, {d.exact_div(x, 'b.booked')})"
    return f"""
WITH booked AS (
  SELECT opportunity_id, SUM(amount) AS booked FROM txn
  WHERE kind IN ('booking', 'order') AND opportunity_id IS NOT NULL GROUP BY 1),
pays AS (
  SELECT opportunity_id, transaction_id, date, amount,
         SUM(amount) OVER (PARTITION BY opportunity_id ORDER BY date, transaction_id
                           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum
  FROM txn WHERE kind = 'payment' AND opportunity_id IS NOT NULL),
invoices AS (
  SELECT opportunity_id, MIN(date) AS date FROM txn
  WHERE kind = 'invoice' AND opportunity_id IS NOT NULL GROUP BY 1)
SELECT 'payment' AS release_on, p.opportunity_id, p.transaction_id AS event_id, {_period_of(d, 'p.date')} AS event_idx,
       {d.calc(f"{frac('p.cum')} - {frac('p.cum - p.amount')}")} AS fraction
FROM pays p JOIN booked b USING (opportunity_id) WHERE b.booked > 0
UNION ALL
SELECT 'invoice', opportunity_id, NULL, {_period_of(d, 'date')}, {d.calc('1')} FROM invoices
"""


def releases_sql(d: Dialect) -> str:
    """Every payable part of every earned row (kind 'commission'), before clawbacks."""
    clawed = ("EXISTS (SELECT 1 FROM r_claw c WHERE c.plan_id = e.plan_id AND c.plan_version = e.plan_version "
              "AND c.component_id = e.component_id)")
    return f"""
WITH base AS (SELECT e.* FROM earned e WHERE NOT (e.is_reversal AND {clawed})),
plain AS (
  SELECT e.* FROM base e WHERE e.is_reversal OR NOT EXISTS (
    SELECT 1 FROM r_sched s WHERE s.plan_id = e.plan_id AND s.plan_version = e.plan_version
    AND s.component_id = e.component_id)),
sched AS (
  SELECT e.*, s.schedule_id, s.inst_no, s.share, s.delay_periods,
         CASE WHEN e.transaction_id IS NULL THEN 'booking' ELSE s.release_on END AS release_on
  FROM base e JOIN r_sched s ON s.plan_id = e.plan_id AND s.plan_version = e.plan_version
   AND s.component_id = e.component_id
  WHERE NOT e.is_reversal)
SELECT payee_id, plan_id, plan_version, component_id, transaction_id, CAST(NULL AS VARCHAR) AS refers_to,
       CAST(NULL AS VARCHAR) AS schedule_id, 'commission' AS kind, source_idx, source_idx AS release_idx, amount
FROM plain
UNION ALL
SELECT payee_id, plan_id, plan_version, component_id, transaction_id, NULL, schedule_id, 'commission',
       source_idx, source_idx + delay_periods, {d.calc('amount * share')}
FROM sched WHERE release_on = 'booking'
UNION ALL
SELECT s.payee_id, s.plan_id, s.plan_version, s.component_id, s.transaction_id, v.event_id, s.schedule_id,
       'commission', s.source_idx, GREATEST(s.source_idx, v.event_idx) + s.delay_periods,
       {d.calc(d.calc('s.amount * s.share') + ' * v.fraction')}
FROM sched s JOIN events v ON v.release_on = s.release_on AND v.opportunity_id = s.opportunity_id
WHERE s.release_on <> 'booking' AND v.event_idx IS NOT NULL
"""


def claw_events_sql(d: Dialect) -> str:
    """Cancellations/returns of earned deals: window, cancelled fraction and unserved part of the term."""
    served = (f"(({d.date_part('year', 'c.date')} * 12 + {d.date_part('month', 'c.date')}) - "
              f"({d.date_part('year', 'o.date')} * 12 + {d.date_part('month', 'o.date')}) - "
              f"(CASE WHEN {d.date_part('day', 'c.date')} < {d.date_part('day', 'o.date')} THEN 1 ELSE 0 END))")
    unserved = (f"(CASE WHEN o.contract_term_months > 0 THEN "
                f"GREATEST({d.calc('0')}, {d.exact_div(f'o.contract_term_months - {served}', 'o.contract_term_months')})"
                f" ELSE NULL END)")
    return f"""
SELECT c.transaction_id AS cancel_id, o.transaction_id AS original_id, c.date AS cancel_date,
       o.date AS original_date, {d.days_between('o.date', 'c.date')} AS days_after,
       LEAST({d.calc('1')}, {d.exact_div('abs(c.amount)', 'abs(o.amount)')}) AS fraction,
       {unserved} AS unserved, o.contract_term_months AS term, q.period_idx AS cancel_idx
FROM txn c JOIN txn o ON o.transaction_id = c.reverses_id
JOIN pw q ON c.date BETWEEN q.period_start AND q.period_end
WHERE c.kind IN ('cancellation', 'return') AND o.amount <> 0
"""


def clawbacks_sql(d: Dialect) -> str:
    """One clawback row per payee x plan x component x cancelled deal within the window."""
    take = d.calc(d.calc("o.earned * v.fraction") + " * (CASE WHEN r.prorate_by_term THEN COALESCE(v.unserved, 1) "
                  "ELSE 1 END)")
    return f"""
WITH original AS (
  SELECT payee_id, plan_id, plan_version, component_id, transaction_id, SUM(amount) AS earned
  FROM earned WHERE NOT is_reversal AND transaction_id IS NOT NULL GROUP BY ALL),
released AS (
  SELECT payee_id, plan_id, plan_version, component_id, transaction_id, release_idx, amount
  FROM releases WHERE kind = 'commission')
SELECT o.payee_id, o.plan_id, o.plan_version, o.component_id, o.transaction_id, v.cancel_id AS refers_to,
       CAST(NULL AS VARCHAR) AS schedule_id, 'clawback' AS kind, v.cancel_idx AS source_idx,
       v.cancel_idx AS release_idx,
       -(CASE WHEN r.limit_to_paid THEN LEAST({take}, {d.calc('''COALESCE((SELECT SUM(x.amount) FROM released x
            WHERE x.payee_id = o.payee_id AND x.plan_id = o.plan_id AND x.plan_version = o.plan_version
            AND x.component_id = o.component_id AND x.transaction_id = o.transaction_id
            AND x.release_idx <= v.cancel_idx), 0) * v.fraction''')}) ELSE {take} END) AS amount
FROM original o JOIN claw_events v ON v.original_id = o.transaction_id
JOIN r_claw r ON r.plan_id = o.plan_id AND r.plan_version = o.plan_version AND r.component_id = o.component_id
WHERE v.days_after <= r.window_days AND o.earned > 0
"""


def stop_cancelled_holds_sql(d: Dialect) -> str:
    """limit_to_paid: the cancelled fraction of what is still held when the deal is cancelled is never paid."""
    return f"""
UPDATE releases AS x SET amount = {d.calc('x.amount * (1 - cut.fraction)')}
FROM (
  SELECT c.payee_id, c.plan_id, c.plan_version, c.component_id, c.transaction_id, v.cancel_idx,
         LEAST({d.calc('1')}, SUM(v.fraction)) AS fraction
  FROM (SELECT DISTINCT payee_id, plan_id, plan_version, component_id, transaction_id, refers_to
        FROM releases WHERE kind = 'clawback') c
  JOIN claw_events v ON v.cancel_id = c.refers_to
  JOIN r_claw r ON r.plan_id = c.plan_id AND r.plan_version = c.plan_version AND r.component_id = c.component_id
  WHERE r.limit_to_paid GROUP BY ALL) cut
WHERE x.kind = 'commission' AND x.payee_id = cut.payee_id AND x.plan_id = cut.plan_id
  AND x.plan_version = cut.plan_version AND x.component_id = cut.component_id
  AND x.transaction_id = cut.transaction_id AND x.release_idx > cut.cancel_idx
"""


def holds_sql() -> str:
    """Per requested period: what deals under a schedule earned to date and what is released to date.

    Each deal is expanded only over the periods in which something of it is held: from its first
    earning to its last release (to the window end when some part is never released in it).
    """
    return """
WITH scheduled AS (
  SELECT DISTINCT e.payee_id, e.plan_id, e.plan_version, e.component_id, COALESCE(e.transaction_id, '') AS deal,
         s.schedule_id
  FROM earned e JOIN r_sched s ON s.plan_id = e.plan_id AND s.plan_version = e.plan_version
   AND s.component_id = e.component_id WHERE NOT e.is_reversal),
deltas AS (
  SELECT payee_id, plan_id, plan_version, component_id, COALESCE(transaction_id, '') AS deal, source_idx AS idx,
         SUM(amount) AS earned, CAST(0 AS DECIMAL(38, 10)) AS released
  FROM earned WHERE NOT is_reversal GROUP BY ALL
  UNION ALL
  SELECT payee_id, plan_id, plan_version, component_id, COALESCE(transaction_id, ''), release_idx, 0, SUM(amount)
  FROM releases WHERE kind IN ('commission', 'hold_cancelled') AND schedule_id IS NOT NULL GROUP BY ALL),
span AS (
  SELECT d.payee_id, d.plan_id, d.plan_version, d.component_id, d.deal, s.schedule_id, MIN(d.idx) AS first_idx,
         CASE WHEN SUM(d.earned) = SUM(d.released) THEN MAX(d.idx) ELSE (SELECT MAX(period_idx) + 1 FROM pw) END
           AS end_idx
  FROM deltas d JOIN scheduled s USING (payee_id, plan_id, plan_version, component_id, deal)
  GROUP BY ALL),
by_period AS (
  SELECT s.payee_id, s.plan_id, s.component_id, s.deal, s.schedule_id, p.period_idx, p.period_label,
         SUM(d.earned) AS earned_to_date, SUM(d.released) AS released_to_date
  FROM span s JOIN pw p ON p.period_idx >= s.first_idx AND p.period_idx < s.end_idx
  JOIN deltas d ON d.payee_id = s.payee_id AND d.plan_id = s.plan_id AND d.plan_version = s.plan_version
   AND d.component_id = s.component_id AND d.deal = s.deal AND d.idx <= p.period_idx
  WHERE p.requested AND NOT p.locked
  GROUP BY ALL)
SELECT payee_id, period_label, plan_id, component_id, NULLIF(deal, '') AS transaction_id, schedule_id,
       earned_to_date, released_to_date, earned_to_date - released_to_date AS held
FROM by_period WHERE earned_to_date - released_to_date <> 0
ORDER BY payee_id, period_label, plan_id, component_id, transaction_id
"""


def cancelled_holds_sql(d: Dialect) -> str:
    """limit_to_paid: the cancelled fraction of what was still unreleased at cancellation (never paid)."""
    return f"""
SELECT o.payee_id, o.plan_id, o.plan_version, o.component_id, o.transaction_id, c.refers_to,
       o.schedule_id, 'hold_cancelled' AS kind, c.release_idx AS source_idx, c.release_idx,
       {d.calc('''(o.earned - COALESCE((SELECT SUM(x.amount) FROM releases x WHERE x.kind = 'commission'
         AND x.payee_id = o.payee_id AND x.plan_id = o.plan_id AND x.plan_version = o.plan_version
         AND x.component_id = o.component_id AND x.transaction_id = o.transaction_id
         AND x.release_idx <= c.release_idx), 0)) * v.fraction''')} AS amount
FROM (SELECT DISTINCT payee_id, plan_id, plan_version, component_id, transaction_id, refers_to, release_idx
      FROM releases WHERE kind = 'clawback') c
JOIN claw_events v ON v.cancel_id = c.refers_to
JOIN r_claw r ON r.plan_id = c.plan_id AND r.plan_version = c.plan_version AND r.component_id = c.component_id
JOIN (
  SELECT e.payee_id, e.plan_id, e.plan_version, e.component_id, e.transaction_id, MIN(s.schedule_id) AS schedule_id,
         SUM(e.amount) AS earned
  FROM earned e JOIN r_sched s ON s.plan_id = e.plan_id AND s.plan_version = e.plan_version
   AND s.component_id = e.component_id AND s.inst_no = 0
  WHERE NOT e.is_reversal GROUP BY ALL) o
  ON o.payee_id = c.payee_id AND o.plan_id = c.plan_id AND o.plan_version = c.plan_version
 AND o.component_id = c.component_id AND o.transaction_id = c.transaction_id
WHERE r.limit_to_paid
"""
