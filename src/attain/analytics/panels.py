"""The pieces dashboards are made of: one table (and the chart drawn from it) per question.

A ``Panel`` is presentation-free: columns with units, rows of exact values (``Decimal`` money and
ratios, ``int`` counts), and a ``Chart`` that only names which columns to draw; the web layer turns
it into Vega-Lite and the exporters into CSV/XLSX. Every builder here runs set-based SQL on a DuckDB
connection or ``scoped`` cursor over the analysis facts (``attain.analytics.views``), so the same
function answers for the company, a manager's team or one rep depending on the cursor it is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Literal

import duckdb

from attain.analytics.catalog import RATIO_PLACES
from attain.analytics.compute import MetricValue, Window, compute_metrics
from attain.analytics.views import quota_in

Unit = str
"""A column's unit: ``text``, ``date``, ``ratio``, ``count``, ``days``, ``score``; ``money`` (an amount
in the row's own ``currency`` column); a currency code or code/day (``USD``, ``KWD/day``: the
catalog's money metrics, named from the data by ``attain.analytics.amounts.named_money``)."""
QUANTUM = Decimal(1).scaleb(-RATIO_PLACES)


@dataclass(frozen=True)
class Column:
    """A column of a panel's table: the row key, its heading and its unit."""

    key: str
    label: str
    unit: Unit = "text"


@dataclass(frozen=True)
class Chart:
    """What to draw from a panel's rows: ``kind`` over ``x`` and the ``y`` columns (one series each).

    ``rule`` draws a horizontal reference line at that value (e.g. 1 = 100% of quota)."""

    kind: Literal["line", "bar", "funnel"]
    x: str
    y: tuple[str, ...]
    rule: Decimal | None = None


@dataclass(frozen=True)
class Panel:
    """One dashboard table with its chart and the sentences that go with it (alerts, needs)."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)


def ratio(numerator: Decimal | int | None, denominator: Decimal | int | None) -> Decimal | None:
    """numerator ÷ denominator, exact to RATIO_PLACES (half-even); None when undefined."""
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(QUANTUM, ROUND_HALF_EVEN)


def payee_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Payee id → name (the id when the payee has no name)."""
    rows = con.execute("SELECT payee_id, coalesce(name, payee_id) FROM payee").fetchall()
    return {str(who): str(name) for who, name in rows}


def rows_of(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The result of ``sql`` as dictionaries."""
    cursor = con.execute(sql, params or {})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# -- headline figures ------------------------------------------------------------------------------

HEADLINE_COLUMNS = (
    Column("label", "Metric"),
    Column("value", "Value"),
    Column("previous", "Previous period"),
    Column("change", "Change"),
    Column("unit", "Unit"),
    Column("metric", "Catalog name"),
)


def headline(con: duckdb.DuckDBPyConnection, window: Window, names: list[str]) -> Panel:
    """The catalog metrics ``names`` for the whole scope, this period against the previous one."""
    from attain.analytics.catalog import metric

    values = compute_metrics(con, None, window.label, names)
    rows = [
        {
            "metric": v.metric,
            "label": metric(v.metric).label,
            "value": v.value,
            "previous": v.previous,
            "change": v.change,
            "unit": v.unit,
        }
        for v in values
    ]
    return Panel("headline", f"Headline figures, {window.label}", HEADLINE_COLUMNS, rows)


def by_slice(values: list[MetricValue]) -> dict[str, dict[str, MetricValue]]:
    """Metric values pivoted: slice → metric name → value."""
    out: dict[str, dict[str, MetricValue]] = {}
    for value in values:
        out.setdefault(value.slice, {})[value.metric] = value
    return out


def metric_table(
    con: duckdb.DuckDBPyConnection,
    key: str,
    title: str,
    by: str,
    window: Window,
    columns: tuple[Column, ...],
    chart: Chart | None = None,
    names: dict[str, str] | None = None,
) -> Panel:
    """Catalog metrics (the columns after the first) for every slice of ``by`` in ``window``."""
    wanted = [c.key for c in columns[1:] if c.key != "name"]
    pivot = by_slice(compute_metrics(con, by, window.label, wanted))
    rows = []
    for label, metrics in pivot.items():
        row: dict[str, Any] = {columns[0].key: label}
        if names is not None:
            row["name"] = names.get(label, label)
        row.update({name: metrics[name].value if name in metrics else None for name in wanted})
        rows.append(row)
    return Panel(key, title, columns, rows, chart)


# -- trends and distributions ----------------------------------------------------------------------

TREND_COLUMNS = (
    Column("month", "Month"),
    Column("revenue", "Revenue", "USD"),
    Column("won_deals", "Won deals", "count"),
    Column("lost_deals", "Lost deals", "count"),
    Column("win_rate", "Win rate", "ratio"),
)


def revenue_trend(con: duckdb.DuckDBPyConnection, window: Window, months: int = 12) -> Panel:
    """Won revenue, won and lost deals and win rate per month, for the ``months`` ending with the period."""
    last = window.end.replace(day=1)
    index = last.year * 12 + last.month - 1 - (months - 1)
    first = date(index // 12, index % 12 + 1, 1)
    rows = rows_of(
        con,
        """
        WITH months AS (
            SELECT unnest(generate_series($first::DATE, $last::DATE, INTERVAL 1 MONTH))::DATE AS m)
        SELECT strftime(m, '%Y-%m') AS month,
               coalesce(sum(d.amount) FILTER (WHERE d.status = 'won'), 0) AS revenue,
               count(d.opportunity_id) FILTER (WHERE d.status = 'won') AS won_deals,
               count(d.opportunity_id) FILTER (WHERE d.status = 'lost') AS lost_deals
        FROM months LEFT JOIN deal d ON d.status IN ('won', 'lost') AND date_trunc('month', d.day) = m
        GROUP BY m ORDER BY m""",
        {"first": first, "last": last},
    )
    for row in rows:
        row["win_rate"] = ratio(row["won_deals"], row["won_deals"] + row["lost_deals"])
    return Panel(
        "revenue_trend",
        f"Revenue trend, {months} months to {window.end:%Y-%m}",
        TREND_COLUMNS,
        rows,
        Chart("line", "month", ("revenue",)),
    )


BANDS = (
    (0, 50, "below 50%"),
    (50, 80, "50–80%"),
    (80, 100, "80–100%"),
    (100, 120, "100–120%"),
    (120, None, "120% and more"),
)


def attainment_distribution(con: duckdb.DuckDBPyConnection, window: Window) -> Panel:
    """How many sellers with a quota in the period fall in each attainment band (exact comparisons).

    Attainment is won ÷ quota within one currency: a seller's won deals in their quota's currency
    against it (won in another currency is not counted, and a note says so). A seller with quota in
    several currencies is in no band (a note names them): amounts in two currencies are never added."""
    quota, overlaps = quota_in("$s", "$e")
    cases = " ".join(
        f"WHEN won * 100 < quota * {upper} THEN {n}"
        for n, (_, upper, _) in enumerate(BANDS)
        if upper is not None
    )
    params = {"s": window.start, "e": window.end}
    sellers = f"""
        WITH q AS (SELECT payee_id, currency, {quota} AS quota FROM target WHERE {overlaps} GROUP BY 1, 2
                   HAVING {quota} > 0),
        w AS (SELECT payee_id, currency, sum(amount) AS won FROM deal WHERE status = 'won'
              AND day BETWEEN $s AND $e GROUP BY 1, 2),
        one AS (SELECT payee_id FROM q GROUP BY 1 HAVING count(*) = 1)"""  # noqa: S608
    counts = dict(
        con.execute(
            f"""{sellers},
        a AS (SELECT coalesce(w.won, 0) AS won, q.quota FROM q JOIN one USING (payee_id)
              LEFT JOIN w ON w.payee_id = q.payee_id AND w.currency IS NOT DISTINCT FROM q.currency)
        SELECT CASE {cases} ELSE {len(BANDS) - 1} END AS band, count(*) FROM a GROUP BY 1""",  # noqa: S608
            params,
        ).fetchall()
    )
    total = sum(counts.values())
    rows = [
        {"band": label, "sellers": counts.get(n, 0), "share": ratio(counts.get(n, 0), total)}
        for n, (_, _, label) in enumerate(BANDS)
    ]
    columns = (
        Column("band", "Attainment"),
        Column("sellers", "Sellers", "count"),
        Column("share", "Share of sellers", "ratio"),
    )
    return Panel(
        "attainment_distribution",
        f"Attainment distribution, {window.label}",
        columns,
        rows,
        Chart("bar", "band", ("sellers",)),
        _band_notes(con, sellers, params),
    )


def _band_notes(con: duckdb.DuckDBPyConnection, sellers: str, params: dict[str, Any]) -> list[str]:
    """Who is in no band (quota in several currencies) and whose won deals in another currency than
    their quota's are not counted."""
    rows = con.execute(
        f"""{sellers}
        SELECT payee_id, 'quota' AS kind, list(coalesce(currency, '(none)') ORDER BY currency) AS codes
        FROM q WHERE payee_id NOT IN (SELECT payee_id FROM one) GROUP BY 1
        UNION ALL
        SELECT w.payee_id, 'won', list(DISTINCT coalesce(w.currency, '(none)') ORDER BY 1)
               || [any_value(coalesce(q.currency, '(none)'))]
        FROM w JOIN one USING (payee_id) JOIN q USING (payee_id)
        WHERE w.currency IS DISTINCT FROM q.currency AND w.won <> 0 GROUP BY 1
        ORDER BY 1, 2""",  # noqa: S608
        params,
    ).fetchall()
    if not rows:
        return []
    names = payee_names(con)
    notes = []
    for who, kind, codes in rows:
        name = names.get(who, who)
        if kind == "quota":
            notes.append(f"{name}: quota in {' and '.join(codes)}, in no band (attainment is won ÷ quota "
                         "within one currency; amounts in two currencies are never added).")
        else:
            *won, own = codes
            notes.append(f"{name}: won in {' and '.join(won)} not counted against the {own} quota.")
    return notes


# -- funnel ----------------------------------------------------------------------------------------

FUNNEL_STEPS = (
    ("Calls", "act", "kind = 'call'"),
    ("Appointments held", "act", "kind IN ('meeting_held', 'appointment_held')"),
    ("Quotes sent", "act", "kind = 'quote_sent'"),
    ("Orders (won deals)", "deal", "status = 'won'"),
)


def funnel(con: duckdb.DuckDBPyConnection, window: Window) -> Panel:
    """Calls → appointments held → quotes → orders in the period, with each step's conversion."""
    parts = [
        f"(SELECT count(*) FROM {fact} WHERE {where} AND day BETWEEN $s AND $e)"  # noqa: S608
        for _, fact, where in FUNNEL_STEPS
    ]
    row = con.execute(f"SELECT {', '.join(parts)}", {"s": window.start, "e": window.end}).fetchone()
    counts = list(row) if row else [0] * len(FUNNEL_STEPS)
    rows = [
        {"step": label, "count": count, "conversion": ratio(count, counts[n - 1]) if n else None}
        for n, ((label, _, _), count) in enumerate(zip(FUNNEL_STEPS, counts, strict=True))
    ]
    columns = (
        Column("step", "Step"),
        Column("count", "Count", "count"),
        Column("conversion", "From the step before", "ratio"),
    )
    return Panel("funnel", f"Funnel, {window.label}", columns, rows, Chart("funnel", "step", ("count",)))
