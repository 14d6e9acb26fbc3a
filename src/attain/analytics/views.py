"""The analysis facts: the store's entity tables (Arrow) registered in DuckDB, enriched once.

``connect(tables)`` registers every entity table under its own name and builds the three fact
tables the metric catalog reads (materialized once per connection: the inputs are a snapshot).
Every fact carries the same slice columns, so any metric can be cut the same way:

- ``payee_id`` (the opportunity owner / activity's payee / quota assignee), ``manager_id`` (the
  payee's current manager on the reporting line), ``office_id`` (the payee's office),
  ``product_id``, ``sector`` (the account's sector) and ``stage`` (the opportunity's stage);
- ``day``: the date the fact belongs to a period by (close date, activity date, quota start).

The facts:

- ``deal``: every opportunity, with ``pipeline_value`` (the close value, or the product's list
  price while open), ``cycle_days`` (close - engage), ``account_won_deals`` (the account's won
  deals over the whole relationship) and ``response_days`` (first touch - lead created, the lead
  date being the opportunity's ``created_date`` or its ``lead_created`` activity);
- ``act``: every activity, with ``deal_followed_up`` (its deal got a follow-up at any time);
- ``target``: quotas of individual sellers (payees nobody reports to, so a team's quota is not
  counted twice), highest version.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pyarrow as pa

SLICES = ("payee", "manager", "office", "product", "sector", "stage")
"""The dimensions a metric can be broken down by (``--by``)."""

CURRENT_LINE = """
current_line AS (
    SELECT payee_id, manager_id FROM reporting_line
    QUALIFY row_number() OVER (PARTITION BY payee_id ORDER BY valid_from DESC) = 1
)"""

DEAL_VIEW = f"""
CREATE OR REPLACE TEMP TABLE deal AS
WITH {CURRENT_LINE},
touches AS (
    SELECT opportunity_id,
           min(CAST(occurred_at AS DATE)) FILTER (WHERE kind = 'lead_created') AS lead_created,
           min(CAST(occurred_at AS DATE)) FILTER (WHERE kind <> 'lead_created') AS first_touch
    FROM activity WHERE opportunity_id IS NOT NULL GROUP BY opportunity_id
)
SELECT o.opportunity_id, o.owner_id AS payee_id, l.manager_id, p.office_id, o.product_id,
       a.sector, o.stage, o.status, o.account_id, o.amount, o.engage_date, o.close_date,
       o.created_date,
       CASE WHEN o.status = 'open' THEN pr.list_price ELSE o.amount END AS pipeline_value,
       o.close_date - o.engage_date AS cycle_days,
       count(*) FILTER (WHERE o.status = 'won') OVER (PARTITION BY o.account_id) AS account_won_deals,
       t.first_touch - coalesce(o.created_date, t.lead_created) AS response_days,
       o.close_date AS day
FROM opportunity o
LEFT JOIN touches t ON t.opportunity_id = o.opportunity_id
LEFT JOIN payee p ON p.payee_id = o.owner_id
LEFT JOIN current_line l ON l.payee_id = o.owner_id
LEFT JOIN product pr ON pr.product_id = o.product_id
LEFT JOIN account a ON a.account_id = o.account_id
"""  # noqa: S608 - constant fragments

ACTIVITY_VIEW = f"""
CREATE OR REPLACE TEMP TABLE act AS
WITH {CURRENT_LINE}
SELECT t.activity_id, t.payee_id, l.manager_id, p.office_id, o.product_id,
       coalesce(a.sector, oa.sector) AS sector, o.stage, t.kind, t.opportunity_id,
       t.occurred_at, CAST(t.occurred_at AS DATE) AS day,
       t.opportunity_id IS NOT NULL
           AND bool_or(t.kind = 'follow_up') OVER (PARTITION BY t.opportunity_id) AS deal_followed_up
FROM activity t
LEFT JOIN payee p ON p.payee_id = t.payee_id
LEFT JOIN current_line l ON l.payee_id = t.payee_id
LEFT JOIN opportunity o ON o.opportunity_id = t.opportunity_id
LEFT JOIN account a ON a.account_id = t.account_id
LEFT JOIN account oa ON oa.account_id = o.account_id
"""  # noqa: S608 - constant fragments

TARGET_VIEW = f"""
CREATE OR REPLACE TEMP TABLE target AS
WITH {CURRENT_LINE}
SELECT q.assignee_id AS payee_id, l.manager_id, p.office_id, CAST(NULL AS VARCHAR) AS product_id,
       CAST(NULL AS VARCHAR) AS sector, CAST(NULL AS VARCHAR) AS stage, q.measure,
       q.amount, q.period_start, q.period_end, q.period_start AS day
FROM quota q
LEFT JOIN payee p ON p.payee_id = q.assignee_id
LEFT JOIN current_line l ON l.payee_id = q.assignee_id
WHERE q.assignee_kind = 'payee'
  AND q.assignee_id NOT IN (SELECT manager_id FROM reporting_line)
QUALIFY q.version = max(q.version) OVER (PARTITION BY q.assignee_id, q.measure, q.period_start)
"""  # noqa: S608 - constant fragments

NEEDED = ("opportunity", "activity", "quota", "payee", "reporting_line", "product", "account")


def connect(tables: Mapping[str, pa.Table], threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the entity tables as views and the fact tables built from them.

    The fact tables are materialized once (the Arrow inputs are a snapshot), so every dashboard
    query on the connection reads them without redoing the joins and window functions."""
    missing = [name for name in NEEDED if name not in tables]
    if missing:
        raise KeyError(f"analytics needs the entity tables {', '.join(missing)}")
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    for name, table in tables.items():
        con.register(name, table)
    for statement in (DEAL_VIEW, ACTIVITY_VIEW, TARGET_VIEW):
        con.execute(statement)
    return con
