"""What changed between two pay runs: per payee and period, the payout before and after, and why.

Reasons are found by comparing the runs' own records, all at once in SQL:
- transactions: deals only the new (or old) run credits, or whose credit changed;
- hierarchy: roll-up credits of a deal both runs know that moved (a change in ``reporting_line``);
  crediting: other credits that moved (a split, a territory);
- quota: a different quota on a measure of the payee in the period;
- plan: a plan of the payee's lines has other versions in force;
- lines the ledger makes: adjustments, true-ups of locked periods, draws and clawbacks.
"""

# ruff: noqa: S608, E501 - SQL text built from code constants

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

SHOWN = 5

DIFF_SCHEMA = pa.schema([
    ("payee_id", pa.string()), ("period_label", pa.string()), ("currency", pa.string()),
    ("before", pa.decimal128(38, 10)), ("after", pa.decimal128(38, 10)), ("change", pa.decimal128(38, 10)),
    ("reasons", pa.string()),
])


@dataclass(frozen=True)
class RunRecords:
    """What the diff reads of one run: payout lines, credits, measures and plan versions."""

    lines: pa.Table  # payee_id, period_label, plan_id, kind, currency, amount_rounded
    credits: pa.Table  # payee_id, period_label, transaction_id, rule_kind, credit
    measures: pa.Table  # payee_id, period_label, measure_id, quota
    plan_versions: dict[str, Any]


def _ids(kind: str, where: str) -> str:
    listed = "string_agg(DISTINCT transaction_id, ', ' ORDER BY transaction_id)"
    return (f"SELECT payee_id, period_label, '{kind}: ' || CASE WHEN count(DISTINCT transaction_id) > {SHOWN} "
            f"THEN array_to_string(list_slice(list(DISTINCT transaction_id ORDER BY transaction_id), 1, {SHOWN}), ', ') "
            f"|| ' and ' || CAST(count(DISTINCT transaction_id) - {SHOWN} AS VARCHAR) || ' more' ELSE {listed} END AS reason "
            f"FROM cc WHERE {where} GROUP BY payee_id, period_label")


MOVED = ("(old_credit IS NULL OR new_credit IS NULL) AND transaction_id IN (SELECT transaction_id FROM tx_new) "
         "AND transaction_id IN (SELECT transaction_id FROM tx_old)")
"""A credit row that appears or disappears for a transaction both runs know: the credit moved."""

REASONS_SQL = f"""
WITH cn AS (SELECT payee_id, period_label, transaction_id, rule_kind, SUM(credit) AS credit FROM new_credits GROUP BY ALL),
co AS (SELECT payee_id, period_label, transaction_id, rule_kind, SUM(credit) AS credit FROM old_credits GROUP BY ALL),
cc AS (
  SELECT COALESCE(n.payee_id, o.payee_id) AS payee_id, COALESCE(n.period_label, o.period_label) AS period_label,
         COALESCE(n.transaction_id, o.transaction_id) AS transaction_id,
         COALESCE(n.rule_kind, o.rule_kind) AS rule_kind, o.credit AS old_credit, n.credit AS new_credit
  FROM cn n FULL JOIN co o ON n.payee_id = o.payee_id AND n.period_label = o.period_label
   AND n.transaction_id = o.transaction_id AND n.rule_kind = o.rule_kind
  WHERE n.credit IS DISTINCT FROM o.credit),
quota AS (
  SELECT n.payee_id, n.period_label, 'quota change: ' || n.measure_id || ' ' || COALESCE(CAST(CAST(o.quota AS DECIMAL(38, 2)) AS VARCHAR), 'none')
         || ' -> ' || COALESCE(CAST(CAST(n.quota AS DECIMAL(38, 2)) AS VARCHAR), 'none') AS reason
  FROM new_measures n JOIN old_measures o USING (payee_id, period_label, measure_id)
  WHERE n.quota IS DISTINCT FROM o.quota),
plans AS (
  SELECT DISTINCT l.payee_id, l.period_label, 'plan change: ' || c.plan_id || ' ' || c.before || ' -> ' || c.after AS reason
  FROM new_lines l JOIN plan_changes c ON c.plan_id = l.plan_id),
ledger AS (
  SELECT payee_id, period_label, kind || ' lines changed' AS reason FROM (
    SELECT payee_id, period_label, kind, SUM(amount_rounded) AS a FROM new_lines
    WHERE kind IN ('adjustment', 'true_up', 'clawback', 'draw', 'draw_offset', 'guarantee', 'draw_recovery', 'draw_collection')
    GROUP BY ALL) n
  FULL JOIN (
    SELECT payee_id, period_label, kind, SUM(amount_rounded) AS a FROM old_lines GROUP BY ALL) o
  USING (payee_id, period_label, kind)
  WHERE n.a IS DISTINCT FROM o.a AND kind IN ('adjustment', 'true_up', 'clawback', 'draw', 'draw_offset', 'guarantee',
                                           'draw_recovery', 'draw_collection')),
tx_new AS (SELECT DISTINCT transaction_id FROM new_credits),
tx_old AS (SELECT DISTINCT transaction_id FROM old_credits),
reasons AS (
  {_ids('new transactions', "old_credit IS NULL AND transaction_id NOT IN (SELECT transaction_id FROM tx_old)")}
  UNION ALL {_ids('removed transactions', "new_credit IS NULL AND transaction_id NOT IN (SELECT transaction_id FROM tx_new)")}
  UNION ALL {_ids('changed transactions', "old_credit IS NOT NULL AND new_credit IS NOT NULL")}
  UNION ALL {_ids('hierarchy change (roll-up credits moved)', f"rule_kind = 'rollup' AND {MOVED}")}
  UNION ALL {_ids('crediting change (credit moved between payees)', f"rule_kind <> 'rollup' AND {MOVED}")}
  UNION ALL SELECT * FROM quota UNION ALL SELECT * FROM plans UNION ALL SELECT * FROM ledger)
SELECT payee_id, period_label, string_agg(reason, '; ' ORDER BY reason) AS reasons FROM reasons GROUP BY ALL
"""

TOTALS_SQL = """
WITH n AS (SELECT payee_id, period_label, currency, SUM(amount_rounded) AS a FROM new_lines GROUP BY ALL),
o AS (SELECT payee_id, period_label, currency, SUM(amount_rounded) AS a FROM old_lines GROUP BY ALL),
t AS (
  SELECT COALESCE(n.payee_id, o.payee_id) AS payee_id, COALESCE(n.period_label, o.period_label) AS period_label,
         COALESCE(n.currency, o.currency) AS currency, CAST(COALESCE(o.a, 0) AS DECIMAL(38, 10)) AS before,
         CAST(COALESCE(n.a, 0) AS DECIMAL(38, 10)) AS after
  FROM n FULL JOIN o ON n.payee_id = o.payee_id AND n.period_label = o.period_label AND n.currency = o.currency)
SELECT t.payee_id, t.period_label, t.currency, t.before, t.after, CAST(t.after - t.before AS DECIMAL(38, 10)) AS change,
       COALESCE(r.reasons, 'no input change found for this payee (options or rounding)') AS reasons
FROM t LEFT JOIN reasons r USING (payee_id, period_label)
WHERE t.after <> t.before
ORDER BY abs(t.after - t.before) DESC, t.payee_id, t.period_label
"""


def plan_changes(new: dict[str, Any], old: dict[str, Any]) -> pa.Table:
    """plan_id, before, after: plans whose versions differ between two runs."""
    rows = [{"plan_id": plan, "before": "v" + ",".join(map(str, old.get(plan) or [])) if old.get(plan) else "none",
             "after": "v" + ",".join(map(str, new.get(plan) or [])) if new.get(plan) else "none"}
            for plan in sorted(set(new) | set(old)) if new.get(plan) != old.get(plan)]
    return pa.Table.from_pylist(rows, pa.schema([("plan_id", pa.string()), ("before", pa.string()),
                                                 ("after", pa.string())]))


def diff_runs(new: RunRecords, old: RunRecords, periods: list[str] | None = None) -> pa.Table:
    """One row per payee x period x currency whose payout changed: before, after, change, reasons."""
    con = duckdb.connect(":memory:")
    try:
        for name, table in (("new_lines", new.lines), ("old_lines", old.lines), ("new_credits", new.credits),
                            ("old_credits", old.credits), ("new_measures", new.measures),
                            ("old_measures", old.measures),
                            ("plan_changes", plan_changes(new.plan_versions, old.plan_versions))):
            if periods is not None and "period_label" in table.column_names:
                table = table.filter(pc.is_in(table.column("period_label"), value_set=pa.array(periods)))
            con.register(name, table)
        con.execute(f"CREATE TEMP TABLE reasons AS {REASONS_SQL}")
        return con.execute(TOTALS_SQL).to_arrow_table().cast(DIFF_SCHEMA)
    finally:
        con.close()
