"""The pay stage: earnings to date -> payout lines, period by period, each period over all payees in SQL.

Payout of a period = payable earnings to date - paid to date (true-up) +- clawbacks, draws and
adjustments. Periods of the ledger (paid/locked) are never recomputed: what they paid is read back
and a difference (a late deal, a retroactive change) is paid as a ``true_up`` line in the first open
period. See docs/payouts.md.
"""

# ruff: noqa: S608, E501 - SQL text built from code constants and Dialect literals

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

from attain.core.errors import Issue
from attain.engine.executors.duckdb import DuckDBExecutor
from attain.engine.inputs import InputTables
from attain.engine.result import CalcResult
from attain.payouts import releases as rel
from attain.payouts.checks import find_issues
from attain.payouts.draws import draw_lines_sql, draw_state_sql
from attain.payouts.fx import converted_lines_sql
from attain.payouts.ledger import (
    BALANCE_SCHEMA,
    HOLD_SCHEMA,
    LINE_SCHEMA,
    Ledger,
    PayResult,
    empty_adjustments,
)
from attain.payouts.periods import PayWindow, pay_window
from attain.payouts.rules import clawbacks_table, draws_table, schedules_table, versions_table
from attain.plans.dialect import CALC_TYPE
from attain.plans.schema import PlanDocument

Progress = Callable[[str], None]
LINE_COLUMNS = ("payee_id, plan_id, kind, component_id, transaction_id, refers_to, source_currency, "
                "source_amount, explanation")


def pay(result: CalcResult, plans: list[PlanDocument], inputs: InputTables, periods: list[str], *,
        ledger: Ledger | None = None, adjustments: pa.Table | None = None, threads: int | None = None,
        memory_limit: str | None = None, progress: Progress | None = None) -> PayResult:
    """Payout lines, draw balances and holds of the requested periods (``result`` must cover the window)."""
    window = pay_window(plans, periods)
    ledger = ledger or Ledger()
    say = progress or (lambda _s: None)
    issues: list[Issue] = []
    ex = DuckDBExecutor(threads=threads, memory_limit=memory_limit)
    try:
        _register(ex, result, plans, inputs, window, ledger,
                  adjustments if adjustments is not None else empty_adjustments(), issues)
        say("pay: releases")
        _releases(ex)
        issues += find_issues(ex)
        _state_tables(ex)
        for p, period in enumerate(window.periods):
            say(f"pay {period.label}")
            if period.label in ledger.locked_periods:
                _replay_locked(ex, p)
            else:
                _compute_period(ex, p, period.label in window.requested)
        say("pay: outputs")
        lines = ex.fetch(converted_lines_sql(ex.dialect)).cast(LINE_SCHEMA)
        issues += find_issues(ex, after_conversion=True)
        balances = ex.fetch(f"SELECT {', '.join(BALANCE_SCHEMA.names)} FROM out_bal "
                            "ORDER BY payee_id, period_label, plan_id, draw_id").cast(BALANCE_SCHEMA)
        holds = ex.fetch(rel.holds_sql()).cast(HOLD_SCHEMA)
        return PayResult(lines=lines, balances=balances, holds=holds, issues=issues)
    finally:
        ex.close()


def _register(ex: DuckDBExecutor, result: CalcResult, plans: list[PlanDocument], inputs: InputTables,
              window: PayWindow, ledger: Ledger, adjustments: pa.Table, issues: list[Issue]) -> None:
    earnings = result.earnings
    ex.register("e_lines", earnings.select(["payee_id", "plan_id", "plan_version", "component_id",
                                            "period_label", "transaction_id", "amount"]))
    ex.register("e_totals", result.component_totals)
    for name, entity in (("txn", "transaction"), ("payee", "payee"), ("fx", "fx_rate"), ("asg", "plan_assignment")):
        ex.register(name, inputs[entity])
    ex.register("pw_arrow", window.table(ledger.locked_periods))
    ex.create_table("pw", "SELECT * FROM pw_arrow")
    ex.register("r_sched", schedules_table(plans, issues))
    ex.register("r_claw", clawbacks_table(plans, issues))
    ex.register("r_draw", draws_table(plans, window, issues))
    ex.register("r_ver", versions_table(plans, window))
    currencies = {d.plan: d.currency for d in sorted(plans, key=lambda d: d.version)}
    ex.register("plan_currency", pa.table({"plan_id": list(currencies), "currency": list(currencies.values())}))
    ex.register("ledger_lines", ledger.lines)
    ex.register("ledger_bal", ledger.balances)
    ex.register("opening_bal", ledger.opening_balances)
    ex.register("adj", adjustments)


def _releases(ex: DuckDBExecutor) -> None:
    d = ex.dialect
    ex.create_table("earned", rel.EARNED_SQL)
    ex.create_table("events", rel.events_sql(d))
    ex.create_table("releases", rel.releases_sql(d))
    ex.create_table("claw_events", rel.claw_events_sql(d))
    ex.con.execute(f"INSERT INTO releases {rel.clawbacks_sql(d)}")
    ex.con.execute(f"INSERT INTO releases {rel.cancelled_holds_sql(d)}")
    ex.con.execute(rel.stop_cancelled_holds_sql(d))
    ex.create_table("rel_by_period", "SELECT payee_id, plan_id, component_id, kind, release_idx, SUM(amount) AS amount "
                                     "FROM releases WHERE kind IN ('commission', 'clawback') GROUP BY ALL")


def _state_tables(ex: DuckDBExecutor) -> None:
    ex.create_table("paid", f"SELECT '' AS payee_id, '' AS plan_id, '' AS component_id, "
                            f"CAST(0 AS {CALC_TYPE}) AS paid WHERE FALSE")
    ex.create_table("bal", f"SELECT payee_id, plan_id, draw_id, CAST(balance_after AS {CALC_TYPE}) AS balance "
                           "FROM opening_bal")
    ex.create_table("out_lines", f"SELECT CAST(0 AS INTEGER) AS period_idx, {_typed_line_columns()} WHERE FALSE")
    ex.create_table("out_bal", f"SELECT {', '.join(BALANCE_SCHEMA.names)} FROM ledger_bal WHERE FALSE")
    ex.create_table("adj_due", """
        SELECT a.*, (SELECT MIN(q.period_idx) FROM pw q WHERE q.period_idx >= p.period_idx AND NOT q.locked)
               AS due_idx
        FROM adj a JOIN pw p ON p.period_label = a.period_label
        WHERE NOT EXISTS (SELECT 1 FROM ledger_lines l WHERE l.kind = 'adjustment'
                          AND l.refers_to = a.adjustment_id)""")


def _typed_line_columns() -> str:
    return ("'' AS payee_id, '' AS plan_id, '' AS kind, CAST(NULL AS VARCHAR) AS component_id, "
            "CAST(NULL AS VARCHAR) AS transaction_id, CAST(NULL AS VARCHAR) AS refers_to, "
            f"'' AS source_currency, CAST(0 AS {CALC_TYPE}) AS source_amount, '' AS explanation")


def _replay_locked(ex: DuckDBExecutor, p: int) -> None:
    """A paid/locked period: what it paid counts as paid to date; its balances carry on."""
    label = f"(SELECT period_label FROM pw WHERE period_idx = {p})"
    ex.create_table("paid", f"""
        SELECT payee_id, plan_id, component_id, CAST(SUM(paid) AS {CALC_TYPE}) AS paid FROM (
          SELECT * FROM paid UNION ALL
          SELECT payee_id, plan_id, component_id, source_amount FROM ledger_lines
          WHERE period_label = {label} AND kind IN ('commission', 'true_up', 'clawback')) x GROUP BY ALL""")
    ex.create_table("bal", f"""
        SELECT payee_id, plan_id, draw_id, balance FROM bal b WHERE NOT EXISTS (
          SELECT 1 FROM ledger_bal l WHERE l.period_label = {label} AND l.payee_id = b.payee_id
          AND l.plan_id = b.plan_id AND l.draw_id = b.draw_id)
        UNION ALL SELECT payee_id, plan_id, draw_id, CAST(balance_after AS {CALC_TYPE}) FROM ledger_bal
        WHERE period_label = {label}""")


def _commission_lines_sql(p: int) -> str:
    keys = "payee_id, plan_id, component_id"
    return f"""
WITH ptd AS (SELECT {keys}, SUM(amount) AS ptd FROM rel_by_period WHERE release_idx <= {p} GROUP BY ALL),
own AS (SELECT {keys}, kind, NULL AS transaction_id, NULL AS refers_to, amount FROM rel_by_period
        WHERE release_idx = {p} AND kind = 'commission'
        UNION ALL
        SELECT {keys}, kind, transaction_id, refers_to, SUM(amount) AS amount FROM releases
        WHERE release_idx = {p} AND kind = 'clawback' GROUP BY ALL),
own_sum AS (SELECT {keys}, SUM(amount) AS own FROM rel_by_period WHERE release_idx = {p} GROUP BY ALL),
all_keys AS (SELECT {keys} FROM ptd UNION SELECT {keys} FROM paid),
true_up AS (
  SELECT k.*, COALESCE(t.ptd, 0) - COALESCE(d.paid, 0) - COALESCE(o.own, 0) AS amount
  FROM all_keys k LEFT JOIN ptd t USING (payee_id, plan_id, component_id)
  LEFT JOIN paid d USING (payee_id, plan_id, component_id) LEFT JOIN own_sum o USING (payee_id, plan_id, component_id)),
lines AS (
  SELECT {keys}, 'commission' AS kind, NULL AS transaction_id, NULL AS refers_to, SUM(amount) AS amount,
         'earnings payable this period' AS explanation
  FROM own WHERE kind = 'commission' GROUP BY ALL
  UNION ALL
  SELECT {keys}, 'clawback', transaction_id, refers_to, amount,
         'clawback of ' || transaction_id || ' (cancelled by ' || refers_to || ') at its original rate'
  FROM own WHERE kind = 'clawback'
  UNION ALL
  SELECT {keys}, 'true_up', NULL, NULL, amount,
         'true-up: earnings to date recalculated minus what was already paid (late or corrected deals)'
  FROM true_up)
SELECT l.payee_id, l.plan_id, l.kind, l.component_id, l.transaction_id, l.refers_to,
       c.currency AS source_currency, CAST(l.amount AS {CALC_TYPE}) AS source_amount, l.explanation
FROM lines l JOIN plan_currency c ON c.plan_id = l.plan_id WHERE l.amount <> 0
"""


def _compute_period(ex: DuckDBExecutor, p: int, requested: bool) -> None:
    d = ex.dialect
    ex.create_table("cur_lines", _commission_lines_sql(p))
    ex.create_table("paid", f"SELECT payee_id, plan_id, component_id, SUM(amount) AS paid FROM rel_by_period "
                            f"WHERE release_idx <= {p} GROUP BY ALL")
    ex.create_table("cur_draws", draw_state_sql(d, p))
    ex.con.execute(f"""INSERT INTO cur_lines
        SELECT l.payee_id, l.plan_id, l.kind, NULL, NULL, l.refers_to, c.currency, CAST(l.amount AS {CALC_TYPE}),
               l.explanation
        FROM ({draw_lines_sql()}) l JOIN plan_currency c ON c.plan_id = l.plan_id""")
    ex.con.execute(f"""INSERT INTO cur_lines
        SELECT payee_id, NULL, 'adjustment', NULL, NULL, adjustment_id, currency, CAST(amount AS {CALC_TYPE}),
               'adjustment: ' || reason || CASE WHEN period_label <> (SELECT period_label FROM pw
                 WHERE period_idx = {p}) THEN ' (for ' || period_label || ')' ELSE '' END
        FROM adj_due WHERE due_idx = {p}""")
    ex.create_table("bal", "SELECT payee_id, plan_id, draw_id, balance_after AS balance FROM cur_draws")
    if requested:
        ex.con.execute(f"INSERT INTO out_lines SELECT {p}, {LINE_COLUMNS} FROM cur_lines")
        ex.con.execute(f"""INSERT INTO out_bal SELECT payee_id, (SELECT period_label FROM pw WHERE period_idx = {p}),
            plan_id, draw_id, draw_kind, draw_amount, commission, shortfall, recovered, written_off, collected,
            balance_before, balance_after FROM cur_draws""")
