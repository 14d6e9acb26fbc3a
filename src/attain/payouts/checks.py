"""Problems the pay stage reports as issues (errors as data): links, terms and FX that are missing."""

# ruff: noqa: S608, E501 - SQL text built from code constants

from __future__ import annotations

from attain.core.errors import Issue, Severity, Source
from attain.core.money import MINOR_UNITS
from attain.engine.executors.duckdb import DuckDBExecutor
from attain.payouts.codes import PAY010, PAY011, PAY020, PAY021

_BEFORE = [
    (PAY020, Severity.WARNING, """
        SELECT DISTINCT e.transaction_id, e.payee_id, 'deal ' || e.transaction_id || ' of ' || e.payee_id ||
               ' is paid on ' || s.release_on || ' but has no opportunity_id to link it' FROM earned e
        JOIN r_sched s ON s.plan_id = e.plan_id AND s.plan_version = e.plan_version AND s.component_id = e.component_id
        WHERE s.release_on <> 'booking' AND e.transaction_id IS NOT NULL AND e.opportunity_id IS NULL
          AND NOT e.is_reversal"""),
    (PAY021, Severity.WARNING, """
        SELECT DISTINCT v.original_id, NULL, 'clawback of ' || v.original_id || ' prorated by term, but it has '
               || 'no contract_term_months: the whole earning is taken back'
        FROM claw_events v JOIN releases x ON x.kind = 'clawback' AND x.refers_to = v.cancel_id
        JOIN r_claw r ON r.plan_id = x.plan_id AND r.plan_version = x.plan_version
         AND r.component_id = x.component_id
        WHERE r.prorate_by_term AND v.unserved IS NULL"""),
]
_KNOWN = ", ".join(f"'{c}'" for c in MINOR_UNITS)
_AFTER = [
    (PAY011, Severity.WARNING, f"""
        SELECT DISTINCT o.payee_id || '/' || p.period_label, o.payee_id, 'currency ' ||
               COALESCE(y.currency, o.source_currency) || ' has no known minor unit: lines of '
               || p.period_label || ' are not rounded'
        FROM out_lines o LEFT JOIN payee y ON y.payee_id = o.payee_id JOIN pw p ON p.period_idx = o.period_idx
        WHERE COALESCE(y.currency, o.source_currency) NOT IN ({_KNOWN})"""),
    (PAY010, Severity.ERROR, """
        SELECT DISTINCT o.payee_id || '/' || p.period_label, o.payee_id, 'no FX rate ' || o.source_currency || '->'
               || y.currency || ' on or before ' || CAST(p.period_end AS VARCHAR) || ': ' || o.kind ||
               ' line of ' || p.period_label || ' kept in ' || o.source_currency
        FROM out_lines o JOIN payee y ON y.payee_id = o.payee_id JOIN pw p ON p.period_idx = o.period_idx
        WHERE y.currency IS NOT NULL AND y.currency <> o.source_currency
          AND NOT EXISTS (SELECT 1 FROM fx f WHERE f.date <= p.period_end AND
            ((f.from_currency = o.source_currency AND f.to_currency = y.currency) OR
             (f.from_currency = y.currency AND f.to_currency = o.source_currency AND f.rate <> 0)))"""),
]


def find_issues(ex: DuckDBExecutor, after_conversion: bool = False) -> list[Issue]:
    """Run the checks of one step of the pay stage; one issue per offending record."""
    found = []
    for code, severity, sql in _AFTER if after_conversion else _BEFORE:
        for record, payee, message in ex.con.execute(sql).fetchall():
            found.append(Issue(code, message, severity, Source(system="pay", external_id=payee), record=record))
    return found

