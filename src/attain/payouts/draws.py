"""Draws and guarantees for one pay period, over every payee at once (SQL), carrying balances forward.

For a payee on a plan with a draw of amount D in force, and commission C due this period:
- paid: max(C, D). A *draw* shows an advance of D and the commission applied against it
  (``draw`` +D, ``draw_offset`` -min(C, D)); a *guarantee* shows only the top-up (``guarantee``
  +max(D - C, 0)).
- recoverable: the shortfall max(D - C, 0) is added to the balance owed; in a recovery period the
  excess max(C - D, 0) repays it (``draw_recovery``), never more than the balance, than
  ``max_recovery_per_period``, nor so much that the payment falls below ``min_payment``.
- non-recoverable: the shortfall is never owed.
- termination in the period: the balance is forgiven (written off), collected from this payout
  (``draw_collection``, which may make it negative) or carried; after ``recovery_end`` what is left
  is written off.
"""

# ruff: noqa: S608, E501 - SQL text built from code constants and Dialect literals

from __future__ import annotations

from attain.plans.dialect import CALC_TYPE, Dialect


def draw_state_sql(d: Dialect, p: int) -> str:
    """The draw state of period ``p`` for every payee x plan with a draw or a balance."""
    return f"""
WITH period AS (SELECT * FROM pw WHERE period_idx = {p}),
on_plan AS (
  SELECT a.payee_id, a.plan_id, a.parameters,
         ROW_NUMBER() OVER (PARTITION BY a.payee_id, a.plan_id ORDER BY a.valid_from DESC) AS n
  FROM asg a, period q
  WHERE a.valid_from <= q.period_end AND (a.valid_to IS NULL OR a.valid_to >= q.period_start)),
rules AS (
  SELECT r.* FROM r_draw r JOIN r_ver v ON v.plan_id = r.plan_id AND v.plan_version = r.plan_version
  WHERE v.period_idx = {p}),
candidates AS (
  SELECT o.payee_id, r.*, o.parameters, TRUE AS on_plan,
         ROW_NUMBER() OVER (PARTITION BY o.payee_id, r.plan_id ORDER BY r.draw_order) AS pick
  FROM on_plan o JOIN rules r ON r.plan_id = o.plan_id
  WHERE o.n = 1 AND (r.payee_filter IS NULL OR r.payee_filter = o.payee_id)),
chosen AS (SELECT * EXCLUDE (pick) FROM candidates WHERE pick = 1),
keys AS (
  SELECT payee_id, plan_id, draw_id FROM chosen
  UNION SELECT payee_id, plan_id, draw_id FROM bal WHERE balance <> 0),
due AS (
  SELECT payee_id, plan_id, SUM(source_amount) AS commission FROM cur_lines
  WHERE kind IN ('commission', 'true_up', 'clawback') GROUP BY ALL),
state AS (
  SELECT k.payee_id, k.plan_id, k.draw_id, c.draw_kind, COALESCE(c.recoverable, TRUE) AS recoverable,
         COALESCE(c.is_guarantee, FALSE) AS is_guarantee, c.on_termination, c.min_payment, c.max_recovery,
         CASE WHEN c.draw_id IS NOT NULL AND {p} BETWEEN c.start_idx AND c.end_idx
               AND (y.termination_date IS NULL OR q.period_start <= y.termination_date)
              THEN COALESCE(TRY_CAST(json_extract_string(c.parameters, '$.' || c.amount_parameter) AS {CALC_TYPE}),
                       c.amount)
              ELSE {d.calc('0')} END AS draw_amount,
         c.draw_id IS NOT NULL AND {p} BETWEEN c.recovery_start_idx AND c.recovery_end_idx AS recovery_open,
         c.draw_id IS NOT NULL AND c.recovery_end_idx = {p} AS recovery_ends,
         COALESCE(y.termination_date BETWEEN q.period_start AND q.period_end, FALSE) AS terminated,
         {d.calc('COALESCE(u.commission, 0)')} AS commission, {d.calc('COALESCE(b.balance, 0)')} AS balance_before
  FROM keys k CROSS JOIN period q
  LEFT JOIN chosen c ON c.payee_id = k.payee_id AND c.plan_id = k.plan_id AND c.draw_id = k.draw_id
  LEFT JOIN bal b ON b.payee_id = k.payee_id AND b.plan_id = k.plan_id AND b.draw_id = k.draw_id
  LEFT JOIN due u ON u.payee_id = k.payee_id AND u.plan_id = k.plan_id
  LEFT JOIN payee y ON y.payee_id = k.payee_id),
step1 AS (
  SELECT *, CASE WHEN draw_amount > 0 THEN GREATEST(draw_amount - commission, 0) ELSE 0 END AS shortfall,
         GREATEST(commission - draw_amount, 0) AS excess,
         GREATEST(GREATEST(commission, draw_amount) - COALESCE(min_payment, 0), 0) AS room
  FROM state),
step2 AS (
  SELECT *, CASE WHEN recoverable AND recovery_open
                 THEN LEAST(balance_before, excess, room, COALESCE(max_recovery, balance_before)) ELSE 0 END
            AS recovered
  FROM step1),
step3 AS (
  SELECT *, balance_before + (CASE WHEN recoverable THEN shortfall ELSE 0 END) - GREATEST(recovered, 0)
            AS open_balance
  FROM step2)
SELECT payee_id, plan_id, draw_id, draw_kind, is_guarantee, {d.calc('draw_amount')} AS draw_amount,
       commission, {d.calc('shortfall')} AS shortfall, {d.calc('GREATEST(recovered, 0)')} AS recovered,
       {d.calc("CASE WHEN terminated AND on_termination = 'collect' THEN 0 "
               "WHEN (terminated AND on_termination = 'forgive') OR recovery_ends THEN open_balance ELSE 0 END")}
         AS written_off,
       {d.calc("CASE WHEN terminated AND on_termination = 'collect' THEN open_balance ELSE 0 END")} AS collected,
       balance_before,
       {d.calc("CASE WHEN (terminated AND on_termination IN ('collect', 'forgive')) OR recovery_ends "
               "THEN 0 ELSE open_balance END")} AS balance_after
FROM step3
"""


def draw_lines_sql() -> str:
    """The payout lines a period's draw state makes (plan currency)."""
    return """
SELECT payee_id, plan_id, 'draw' AS kind, draw_id AS refers_to, draw_amount AS amount,
       'draw advance ' || draw_id AS explanation
FROM cur_draws WHERE NOT is_guarantee AND draw_amount <> 0
UNION ALL
SELECT payee_id, plan_id, 'draw_offset', draw_id, -LEAST(commission, draw_amount),
       'commission applied against the draw advance'
FROM cur_draws WHERE NOT is_guarantee AND draw_amount <> 0 AND LEAST(commission, draw_amount) <> 0
UNION ALL
SELECT payee_id, plan_id, 'guarantee', draw_id, shortfall,
       'guarantee top-up to ' || CAST(draw_amount AS VARCHAR)
FROM cur_draws WHERE is_guarantee AND shortfall <> 0
UNION ALL
SELECT payee_id, plan_id, 'draw_recovery', draw_id, -recovered,
       'recovery of the draw balance (' || CAST(balance_before AS VARCHAR) || ' owed before)'
FROM cur_draws WHERE recovered <> 0
UNION ALL
SELECT payee_id, plan_id, 'draw_collection', draw_id, -collected,
       'draw balance collected at termination'
FROM cur_draws WHERE collected <> 0
"""
