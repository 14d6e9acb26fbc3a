"""The analysis facts: the store's entity tables (Arrow) registered in DuckDB, enriched once.

``connect(tables)`` registers every entity table under its own name, builds the fact tables the
metric catalog reads (``fact_deal``, ``fact_act``, ``fact_target``, ``fact_survey``: materialized
once per connection, the inputs are a snapshot) and exposes them as the views ``deal``, ``act``,
``target`` and ``survey``. ``scoped(con, payee_ids)`` gives a cursor on the same facts whose views
keep only the rows of those payees (a manager's team, a rep): every query written against the views
then answers for that scope only, without rebuilding anything.

Every fact carries the same slice columns, so any metric can be cut the same way:

- ``payee_id`` (the opportunity owner / activity's payee / quota assignee / surveyed rep),
  ``manager_id`` (the payee's current manager on the reporting line), ``office_id`` (the payee's
  office), ``product_id``, ``sector`` (the account's sector), ``segment`` (the account's segment, or
  when empty its size band from employees: SMB below 1,000, Mid-Market below 5,000, else
  Enterprise), ``territory_id`` (the account's territory in force on the fact's day, else the
  payee's territory in force that day) and ``stage`` (the opportunity's stage);
- ``day``: the date the fact belongs to a period by (close date, or the expected close date of an
  open deal; activity date; quota start; survey date).

The facts:

- ``deal``: every opportunity, with ``pipeline_value`` (the close value; while open the amount the
  rep expects, else the product's list price), ``cycle_days`` (close - engage),
  ``account_won_deals`` (the account's won deals over the whole relationship), ``response_days``
  (first touch - lead created, the lead date being the opportunity's ``created_date`` or its
  ``lead_created`` activity), ``category`` (the forecast category, normalized: commit, best_case,
  pipeline, omitted) and ``cost`` (the sum of ``cost`` in the attributes of its transactions, when
  every one of them states it; else empty), ``currency`` (the opportunity's: its amount's) and
  ``pipeline_currency`` (the currency of ``pipeline_value``: the product's when the list price stands in);
- ``act``: every activity, with ``deal_followed_up`` (its deal got a follow-up at any time);
- ``target``: quotas of individual sellers (payees nobody reports to, so a team's quota is not
  counted twice), highest version, with its ``currency`` and that currency's ``minor_unit``
  (decimals: 3 for KWD, 0 for JPY); a window's quota is the overlapping quotas prorated by days at
  their minor unit (``quota_in`` and the ``prorated`` macro), so a yearly quota gives each quarter
  its share;
- ``survey``: customer satisfaction answers (score 1..5).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal

import duckdb
import pyarrow as pa

from attain.core.entities import ENTITIES, FieldKind, FieldSpec
from attain.core.money import MINOR_UNITS, minor_unit

SLICES = ("payee", "manager", "office", "territory", "product", "sector", "segment", "stage")
"""The dimensions a metric can be broken down by (``--by``)."""

FACT_NAMES = ("deal", "act", "target", "survey")

CURRENT_LINE = """
current_line AS (
    SELECT payee_id, manager_id FROM reporting_line
    QUALIFY row_number() OVER (PARTITION BY payee_id ORDER BY valid_from DESC) = 1
)"""

SEGMENT = """coalesce(nullif(trim({a}.segment), ''), CASE
    WHEN {a}.employees IS NULL THEN NULL WHEN {a}.employees < 1000 THEN 'SMB'
    WHEN {a}.employees < 5000 THEN 'Mid-Market' ELSE 'Enterprise' END)"""

CATEGORY = """CASE replace(replace(lower(trim(o.forecast_category)), ' ', '_'), '-', '_')
    WHEN 'commit' THEN 'commit' WHEN 'best_case' THEN 'best_case' WHEN 'bestcase' THEN 'best_case'
    WHEN 'omitted' THEN 'omitted' WHEN 'closed' THEN 'closed' ELSE 'pipeline' END"""

DEAL_BASE = f"""
CREATE OR REPLACE TEMP TABLE deal_base AS
WITH {CURRENT_LINE},
touches AS (
    SELECT opportunity_id,
           min(CAST(occurred_at AS DATE)) FILTER (WHERE kind = 'lead_created') AS lead_created,
           min(CAST(occurred_at AS DATE)) FILTER (WHERE kind <> 'lead_created') AS first_touch
    FROM activity WHERE opportunity_id IS NOT NULL GROUP BY opportunity_id
),
costs AS (
    SELECT opportunity_id,
           CASE WHEN count(*) = count(c) THEN sum(c) END AS cost
    FROM (SELECT opportunity_id,
                 TRY_CAST(json_extract_string(attributes, '$.cost') AS DECIMAL(18, 2)) AS c
          FROM "transaction" WHERE opportunity_id IS NOT NULL)
    GROUP BY opportunity_id
)
SELECT o.opportunity_id, o.owner_id AS payee_id, l.manager_id, p.office_id, o.product_id,
       a.sector, {SEGMENT.format(a="a")} AS segment, o.stage, o.status, o.account_id, o.amount,
       o.engage_date, o.close_date, o.created_date,
       CASE WHEN o.status = 'open' THEN coalesce(o.amount, pr.list_price) ELSE o.amount END
           AS pipeline_value,
       o.close_date - o.engage_date AS cycle_days,
       count(*) FILTER (WHERE o.status = 'won') OVER (PARTITION BY o.account_id) AS account_won_deals,
       t.first_touch - coalesce(o.created_date, t.lead_created) AS response_days,
       {CATEGORY} AS category, c.cost, o.currency,
       CASE WHEN o.status = 'open' AND o.amount IS NULL THEN coalesce(pr.currency, o.currency)
            ELSE o.currency END AS pipeline_currency,
       o.close_date AS day
FROM opportunity o
LEFT JOIN touches t ON t.opportunity_id = o.opportunity_id
LEFT JOIN costs c ON c.opportunity_id = o.opportunity_id
LEFT JOIN payee p ON p.payee_id = o.owner_id
LEFT JOIN current_line l ON l.payee_id = o.owner_id
LEFT JOIN product pr ON pr.product_id = o.product_id
LEFT JOIN account a ON a.account_id = o.account_id
"""  # noqa: S608 - constant fragments

ACTIVITY_BASE = f"""
CREATE OR REPLACE TEMP TABLE act_base AS
WITH {CURRENT_LINE}
SELECT t.activity_id, t.payee_id, l.manager_id, p.office_id, o.product_id,
       coalesce(a.sector, oa.sector) AS sector,
       coalesce({SEGMENT.format(a="a")}, {SEGMENT.format(a="oa")}) AS segment,
       coalesce(t.account_id, o.account_id) AS account_id, o.stage, t.kind, t.opportunity_id,
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


def minor_unit_sql(column: str) -> str:
    """SQL of the minor unit's decimals of the currency in ``column`` (``attain.core.money.minor_unit``)."""
    cases = " ".join(f"WHEN '{code}' THEN {places}"
                     for code, places in sorted(MINOR_UNITS.items()) if places != 2)
    return f"CASE {column} {cases} ELSE 2 END"


TARGET_BASE = f"""
CREATE OR REPLACE TEMP TABLE target_base AS
WITH {CURRENT_LINE}
SELECT q.assignee_id AS payee_id, l.manager_id, p.office_id, CAST(NULL AS VARCHAR) AS product_id,
       CAST(NULL AS VARCHAR) AS sector, CAST(NULL AS VARCHAR) AS segment,
       CAST(NULL AS VARCHAR) AS account_id, CAST(NULL AS VARCHAR) AS stage, q.measure,
       q.amount, q.currency, {minor_unit_sql("q.currency")} AS minor_unit, q.period_start, q.period_end,
       q.period_start AS day
FROM quota q
LEFT JOIN payee p ON p.payee_id = q.assignee_id
LEFT JOIN current_line l ON l.payee_id = q.assignee_id
WHERE q.assignee_kind = 'payee'
  AND q.assignee_id NOT IN (SELECT manager_id FROM reporting_line)
QUALIFY q.version = max(q.version) OVER (PARTITION BY q.assignee_id, q.measure, q.period_start)
"""  # noqa: S608 - constant fragments

SURVEY_BASE = f"""
CREATE OR REPLACE TEMP TABLE survey_base AS
WITH {CURRENT_LINE}
SELECT s.survey_id, s.payee_id, l.manager_id, p.office_id, CAST(NULL AS VARCHAR) AS product_id,
       a.sector, {SEGMENT.format(a="a")} AS segment, s.account_id,
       CAST(NULL AS VARCHAR) AS stage, s.score, s.date AS day
FROM survey s
LEFT JOIN payee p ON p.payee_id = s.payee_id
LEFT JOIN current_line l ON l.payee_id = s.payee_id
LEFT JOIN account a ON a.account_id = s.account_id
"""  # noqa: S608 - constant fragments


def _with_territory(fact: str, key: str) -> str:
    """The fact with ``territory_id``: the account's territory in force on its day, else the payee's.

    Effective-dated lookups as ASOF joins (latest ``valid_from`` on or before the day; an open deal
    without a day takes the latest), kept only while ``valid_to`` (inclusive) has not passed."""
    when = "coalesce(day, DATE '9999-12-31')"
    return f"""
    CREATE OR REPLACE TABLE fact_{fact} AS
    WITH f AS (SELECT *, {when} AS on_day FROM {fact}_base),
    by_account AS (
        SELECT f.{key}, CASE WHEN t.valid_to IS NULL OR t.valid_to >= f.on_day THEN t.territory_id END AS tid
        FROM f ASOF JOIN account_territory t ON t.account_id = f.account_id AND f.on_day >= t.valid_from),
    by_payee AS (
        SELECT f.{key}, CASE WHEN t.valid_to IS NULL OR t.valid_to >= f.on_day THEN t.territory_id END AS tid
        FROM f ASOF JOIN owned_territory t ON t.payee_id = f.payee_id AND f.on_day >= t.valid_from)
    SELECT f.* EXCLUDE (on_day), coalesce(ba.tid, bp.tid) AS territory_id
    FROM f LEFT JOIN by_account ba USING ({key}) LEFT JOIN by_payee bp USING ({key})
    """  # noqa: S608 - constant fragments


OWNED_TERRITORY = """
CREATE OR REPLACE TEMP TABLE owned_territory AS
SELECT payee_id, territory_id, valid_from, valid_to FROM territory_assignment
WHERE coalesce(role, 'owner') = 'owner'
QUALIFY row_number() OVER (PARTITION BY payee_id, valid_from ORDER BY territory_id) = 1
"""

MINOR_FACTORS = "CASE p WHEN 0 THEN 1 WHEN 1 THEN 10 WHEN 2 THEN 100 WHEN 3 THEN 1000 WHEN 4 THEN 10000 END"


def proration_macros(scale: int = 3) -> tuple[str, ...]:
    """The proration macros, their amounts typed ``DECIMAL(18, scale)`` (``scale`` at least every
    quota's minor unit: ``connect`` takes the largest of the data's).

    ``prorated(amount, period_start, period_end, start, end, places := 2)`` is a quota's share of the
    days from start to end, exact: in whole minor units of its currency (``places`` decimals: 3 for a
    KWD quota, 0 for a JPY one), rounded half-even with integer arithmetic (never a decimal ``/``)."""
    unit = f"CAST({Decimal(1).scaleb(-scale)} AS DECIMAL({scale + 1}, {scale}))"
    return (
        """CREATE OR REPLACE MACRO half_even_div(n, d) AS
       n // d + CASE WHEN 2 * (n % d) > d OR (2 * (n % d) = d AND (n // d) % 2 = 1) THEN 1 ELSE 0 END""",
        """CREATE OR REPLACE MACRO signed_half_even_div(n, d) AS
       sign(n) * sign(d) * half_even_div(abs(n), abs(d))""",
        f"CREATE OR REPLACE MACRO minor_factor(p) AS {MINOR_FACTORS}",
        f"""CREATE OR REPLACE MACRO prorated(amount, ps, pe, s, e, places := 2) AS CASE
       WHEN s <= ps AND e >= pe THEN CAST(amount AS DECIMAL(18, {scale}))
       WHEN least(pe, e) < greatest(ps, s) THEN CAST(0 AS DECIMAL(18, {scale}))
       ELSE CAST(half_even_div(CAST(amount * minor_factor(places) AS HUGEINT)
                               * (least(pe, e) - greatest(ps, s) + 1), pe - ps + 1)
                 * minor_factor({scale} - places) AS DECIMAL(18, 0)) * {unit} END""",
    )


PRORATION_MACROS = proration_macros()
"""The macros at 3 places (any ISO currency's minor unit up to the fils); ``connect`` types them at the
data's largest minor unit, so a company of cents keeps its quotas at 2 places."""


def quota_scale(quota: pa.Table) -> int:
    """The largest minor unit among the quotas' currencies (2 without quotas or a currency column)."""
    if quota.num_rows == 0 or "currency" not in quota.column_names:
        return 2
    codes = quota.column("currency").unique().to_pylist()
    return max(minor_unit(code) for code in codes)


def quota_in(start: str, end: str) -> tuple[str, str]:
    """(aggregate, condition) of the quota falling in [start, end] (SQL date expressions): quotas
    overlapping the window, each prorated by days at its currency's minor unit (the fact's
    ``minor_unit``)."""
    return (f"sum(prorated(amount, period_start, period_end, {start}, {end}, places := minor_unit))",
            f"period_start <= {end} AND period_end >= {start}")


FACT_KEYS = {"deal": "opportunity_id", "act": "activity_id", "target": "payee_id, measure, period_start",
             "survey": "survey_id"}
NEEDED = ("opportunity", "activity", "quota", "payee", "reporting_line", "product", "account")
OPTIONAL = ("survey", "account_territory", "territory_assignment", "transaction")
"""Entities the facts read when present (an empty table of the entity's columns otherwise)."""


def _arrow_type(kind: FieldKind) -> pa.DataType:
    return {FieldKind.DATE: pa.date32(), FieldKind.TIMESTAMP: pa.timestamp("us"),
            FieldKind.MONEY: pa.decimal128(18, 2), FieldKind.DECIMAL: pa.decimal128(24, 10),
            FieldKind.INTEGER: pa.int64(), FieldKind.BOOLEAN: pa.bool_()}.get(kind, pa.string())


def conform(name: str, table: pa.Table | None) -> pa.Table:
    """``table`` with every column of entity ``name`` (missing ones added empty), or an empty table."""
    spec = ENTITIES[name]
    if table is None:
        return pa.table({f.name: pa.array([], _arrow_type(f.kind)) for f in spec.fields})
    for field in spec.fields:
        if field.name not in table.column_names:
            table = table.append_column(field.name, _missing(field, table.num_rows))
    return table


def _missing(field: FieldSpec, rows: int) -> pa.Array:
    """A column the table lacks: a currency takes the entity's declared default (as an import would
    fill it), anything else is empty."""
    if field.kind is FieldKind.CURRENCY and field.default:
        return pa.array([field.default] * rows, pa.string())
    return pa.nulls(rows, _arrow_type(field.kind))


def _fact_sql(fact: str) -> list[str]:
    base = {"deal": DEAL_BASE, "act": ACTIVITY_BASE, "target": TARGET_BASE, "survey": SURVEY_BASE}[fact]
    key = FACT_KEYS[fact]
    if fact == "target":  # no single key: number the rows for the territory lookups
        numbered = "SELECT row_number() OVER () AS target_row, q.assignee_id"
        base = base.replace("SELECT q.assignee_id", numbered, 1)
        key = "target_row"
    return [base, _with_territory(fact, key), f"DROP TABLE {fact}_base"]


def connect(tables: Mapping[str, pa.Table], threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the entity tables registered and the fact tables built from them.

    The fact tables are materialized once (the Arrow inputs are a snapshot), so every dashboard
    query on the connection (or on a ``scoped`` cursor of it) reads them without redoing the joins
    and window functions."""
    missing = [name for name in NEEDED if name not in tables]
    if missing:
        raise KeyError(f"analytics needs the entity tables {', '.join(missing)}")
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    for name in (*NEEDED, *OPTIONAL):
        _load(con, name, conform(name, tables.get(name)))
    for name, table in tables.items():
        if name not in NEEDED and name not in OPTIONAL:
            _load(con, name, table)
    for macro in proration_macros(quota_scale(conform("quota", tables.get("quota")))):
        con.execute(macro)
    con.execute(OWNED_TERRITORY)
    for fact in FACT_NAMES:
        for statement in _fact_sql(fact):
            con.execute(statement)
    _views(con, None)
    return con


SHARED = ("payee", "product", "account", "reporting_line", "plan_assignment")
"""Small entity tables copied into the database, so ``scoped`` cursors can join them too."""


def _load(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """Register ``table`` as ``name``: a copy for the ``SHARED`` dimensions, a view otherwise."""
    if name in SHARED:
        con.register(f"arrow_{name}", table)
        con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM "arrow_{name}"')  # noqa: S608
        con.unregister(f"arrow_{name}")
    else:
        con.register(name, table)


def _views(cursor: duckdb.DuckDBPyConnection, payee_ids: Collection[str] | None) -> None:
    if payee_ids is not None:
        cursor.execute("CREATE OR REPLACE TEMP TABLE scope_payee (payee_id VARCHAR PRIMARY KEY)")
        if payee_ids:
            ids = sorted(set(payee_ids))
            cursor.execute("INSERT INTO scope_payee SELECT * FROM unnest($ids)", {"ids": ids})
    keep = "" if payee_ids is None else " WHERE payee_id IN (SELECT payee_id FROM scope_payee)"
    for fact in FACT_NAMES:
        cursor.execute(f"CREATE OR REPLACE TEMP VIEW {fact} AS SELECT * FROM fact_{fact}{keep}")  # noqa: S608


def scoped(con: duckdb.DuckDBPyConnection, payee_ids: Collection[str] | None) -> duckdb.DuckDBPyConnection:
    """A cursor on ``con``'s facts whose views keep only ``payee_ids``' rows (None: every row).

    The entity tables registered on ``con`` are not visible on the cursor; queries use the views."""
    cursor = con.cursor()
    _views(cursor, payee_ids)
    return cursor
