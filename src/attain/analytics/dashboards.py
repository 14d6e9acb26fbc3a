"""The three dashboards (executive, manager, rep) assembled from panels, for one scope and period.

``executive(con, ...)``, ``manager(con, ...)`` and ``rep(con, ...)`` take a DuckDB connection or a
``scoped`` cursor (``attain.analytics.views``): the scope is whatever the cursor sees, the services
decide it from the signed-in principal. Expected commission comes in from the caller (it needs the
engine and the published plans); everything else is set-based SQL over the facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import duckdb

from attain.analytics.amounts import at_minor_unit, named_money, per_currency
from attain.analytics.compute import Window, metric_values_sql
from attain.analytics.forecast import forecast_by_currency
from attain.analytics.funnel import alerts, funnel_ratios, period_needs, weekly_call_targets, weekly_targets
from attain.analytics.panels import (
    Chart,
    Column,
    Panel,
    attainment_distribution,
    funnel,
    headline,
    metric_table,
    payee_names,
    ratio,
    revenue_trend,
    rows_of,
)
from attain.analytics.views import quota_in
from attain.core.money import minor_unit

KINDS = ("executive", "manager", "rep")

EXECUTIVE_HEADLINE = [
    "revenue",
    "quota_attainment",
    "sales_growth",
    "win_rate",
    "average_deal_size",
    "sales_cycle_days",
    "sales_velocity",
    "open_pipeline",
    "pipeline_coverage",
    "commit_forecast",
    "best_case_forecast",
    "csat",
    "customer_lifetime_value",
]
TEAM_HEADLINE = [
    "revenue",
    "quota_attainment",
    "win_rate",
    "average_deal_size",
    "sales_cycle_days",
    "open_pipeline",
    "pipeline_coverage",
    "commit_forecast",
    "calls",
    "follow_up_rate",
    "csat",
]
REP_HEADLINE = [
    "revenue",
    "quota_attainment",
    "win_rate",
    "average_deal_size",
    "sales_cycle_days",
    "open_pipeline",
    "commit_forecast",
    "calls",
    "csat",
]


@dataclass(frozen=True)
class Dashboard:
    """A dashboard as computed: which one, for whom, the period, the data date and its panels."""

    kind: str
    title: str
    window: Window
    as_of: date
    panels: list[Panel]

    def panel(self, key: str) -> Panel:
        for item in self.panels:
            if item.key == key:
                return item
        raise KeyError(key)


def data_as_of(con: duckdb.DuckDBPyConnection, today: date) -> date:
    """The newest close date on or before ``today`` (the newest activity date when no deal has
    closed; ``today`` without any data). Follow-ups logged after the last close do not move it."""
    row = con.execute(
        """SELECT coalesce((SELECT max(day) FROM deal WHERE status <> 'open' AND day <= $t),
                           (SELECT max(day) FROM act WHERE day <= $t))""",
        {"t": today},
    ).fetchone()
    return row[0] if row and row[0] else today


# -- forecast against quota ------------------------------------------------------------------------

FORECAST_COLUMNS = (
    Column("who", "Who"),
    Column("name", "Name"),
    Column("currency", "Currency"),
    Column("quota", "Quota", "money"),
    Column("won", "Won to date", "money"),
    Column("pipeline", "Weighted pipeline", "money"),
    Column("forecast", "Forecast", "money"),
    Column("attainment", "Forecast attainment", "ratio"),
    Column("commit", "Commit", "money"),
    Column("best_case", "Best case", "money"),
    Column("commission", "Expected commission", "money"),
)
"""Money columns are in the row's ``currency`` (unit ``money``): one row per rep (or team) and currency."""
MONEY_KEYS = ("quota", "won", "pipeline", "commit", "best_case", "commission")
Key = tuple[str, str | None]
"""(who, currency): a forecast row."""


def forecast_panel(
    con: duckdb.DuckDBPyConnection,
    window: Window,
    as_of: date,
    level: str,
    commission: Mapping[str, Decimal] | None,
    names: Mapping[str, str],
) -> Panel:
    """Won to date + stage-weighted pipeline against quota per rep (``payee``) or team (``manager``),
    with the commit and best-case forecasts and, when given, the expected commission; one row per
    rep (team) and currency, each figure at that currency's minor unit, never a cross-currency sum
    (``attain.analytics.amounts``)."""
    cutoff = min(max(as_of, window.start), window.end)
    reps = forecast_by_currency(con, window.start, window.end, cutoff)
    key = "payee_id" if level == "payee" else "manager_id"
    groups: dict[Key, dict[str, Any]] = {}
    notes: list[str] = []
    for rep in reps:
        _add(groups, rep[key] or "(none)", rep["currency"], names, rep)
    if commission is not None:
        notes = _add_commission(groups, reps, key, commission, names)
    rows = sorted((_finish(group) for group in groups.values()),
                  key=lambda g: (str(g["name"]), str(g["currency"] or "")))
    level_name = "rep" if level == "payee" else "team"
    title = f"Forecast vs quota per {level_name}, {window.label} as of {cutoff}"
    if commission is None:
        notes = ["Expected commission not calculated (no published plans)."]
    notes += _several_currencies(rows, level_name)
    one_currency = len({row["currency"] for row in rows}) <= 1  # a chart's axis has one unit
    return Panel(
        f"forecast_by_{level_name}",
        title,
        FORECAST_COLUMNS,
        rows,
        Chart("bar", "name", ("quota", "forecast")) if one_currency else None,
        notes,
    )


def _add(groups: dict[Key, dict[str, Any]], who: str, currency: str | None, names: Mapping[str, str],
         figures: Mapping[str, Any]) -> None:
    """Add ``figures`` (money in ``currency``) to the row of (``who``, ``currency``)."""
    group = groups.setdefault((who, currency), {"who": who, "name": names.get(who, who), "currency": currency,
                                                **dict.fromkeys(MONEY_KEYS)})
    for column in MONEY_KEYS:
        value = figures.get(column)
        if value is not None:
            group[column] = (group[column] or Decimal(0)) + value


def _add_commission(groups: dict[Key, dict[str, Any]], reps: list[dict[str, Any]], key: str,
                    commission: Mapping[str, Decimal], names: Mapping[str, str]) -> list[str]:
    """The expected commission of each rep in its currency at its minor unit (a team's is the sum of
    its reps', as payout lines are), on the row of that currency (added when the rep has no other
    figure in it). An amount that names no currency (a plain mapping) goes to
    the rep's one currency; with several it is left out and a note says so."""
    owners = {rep["payee_id"]: rep[key] or "(none)" for rep in reps}
    currencies: dict[str, set[str | None]] = {}
    for rep in reps:
        currencies.setdefault(rep["payee_id"], set()).add(rep["currency"])
    notes = []
    for payee, who in owners.items():
        for currency, amount in per_currency(commission, payee).items():
            if currency is None and len(currencies[payee]) != 1:
                notes.append(f"Expected commission of {names.get(payee, payee)} left out: it names no "
                             "currency and their figures are in several.")
                continue
            chosen = currency if currency is not None else next(iter(currencies[payee]))
            _add(groups, who, chosen, names, {"commission": at_minor_unit(amount, chosen)})
    for group in groups.values():
        if group["commission"] is None:
            group["commission"] = Decimal(0)
    return notes


def _finish(group: dict[str, Any]) -> dict[str, Any]:
    """The row at its currency's minor unit, with forecast (won + pipeline) and its attainment."""
    currency = group["currency"]
    for column in MONEY_KEYS:
        group[column] = at_minor_unit(group[column], currency)
    group["won"] = group["won"] or Decimal(0)
    group["pipeline"] = group["pipeline"] or Decimal(0)
    group["forecast"] = group["won"] + group["pipeline"]
    group["attainment"] = ratio(group["forecast"], group["quota"])
    return group


def _several_currencies(rows: list[dict[str, Any]], level_name: str) -> list[str]:
    """A note per rep (team) whose figures are in several currencies: one row each, no sum."""
    seen: dict[str, list[str]] = {}
    for row in rows:
        seen.setdefault(str(row["name"]), []).append(str(row["currency"]))
    return [f"{name}: figures in {' and '.join(codes)}, one row per currency (amounts in two "
            f"currencies are never added)." for name, codes in seen.items() if len(codes) > 1]


# -- executive -------------------------------------------------------------------------------------

OFFICE_COLUMNS = (
    Column("office", "Office"),
    Column("revenue", "Revenue", "USD"),
    Column("win_rate", "Win rate", "ratio"),
    Column("average_deal_size", "Average deal", "USD"),
    Column("sales_cycle_days", "Cycle (mean days)", "days"),
    Column("median_sales_cycle_days", "Cycle (median days)", "days"),
    Column("sales_velocity", "Velocity (USD/day)", "USD/day"),
)
COVERAGE_COLUMNS = (
    Column("manager", "Manager id"),
    Column("name", "Manager"),
    Column("open_pipeline", "Open pipeline", "USD"),
    Column("quota", "Quota", "USD"),
    Column("revenue", "Revenue", "USD"),
    Column("pipeline_coverage", "Coverage", "ratio"),
)
SEGMENT_COLUMNS = (
    Column("segment", "Segment"),
    Column("revenue", "Revenue", "USD"),
    Column("value_per_customer", "Value per customer", "USD"),
    Column("customer_lifetime_value", "Lifetime value", "USD"),
    Column("repeat_purchase_rate", "Repeat purchase", "ratio"),
    Column("csat", "CSAT", "ratio"),
)


def executive(
    con: duckdb.DuckDBPyConnection,
    window: Window,
    as_of: date,
    commission: Mapping[str, Decimal] | None = None,
) -> Dashboard:
    """The company: revenue trend, attainment distribution, forecast vs quota with commission cost,
    win rate / cycle / velocity by office, pipeline coverage by team, value by segment."""
    names = payee_names(con)
    panels = [
        headline(con, window, EXECUTIVE_HEADLINE),
        revenue_trend(con, window),
        attainment_distribution(con, window),
        forecast_panel(con, window, as_of, "manager", commission, names),
        metric_table(
            con,
            "win_rate_by_office",
            f"Win rate, cycle and velocity by office, {window.label}",
            "office",
            window,
            OFFICE_COLUMNS,
            Chart("bar", "office", ("win_rate",)),
        ),
        metric_table(
            con,
            "pipeline_coverage",
            f"Pipeline coverage by team, {window.label}",
            "manager",
            window,
            COVERAGE_COLUMNS,
            Chart("bar", "name", ("pipeline_coverage",), rule=Decimal(3)),
            names,
        ),
        metric_table(
            con,
            "segments",
            f"Customers by segment, {window.label}",
            "segment",
            window,
            SEGMENT_COLUMNS,
            Chart("bar", "segment", ("revenue",)),
        ),
    ]
    return Dashboard("executive", "Executive dashboard", window, as_of, named_money(con, panels))


# -- manager ---------------------------------------------------------------------------------------

LEADER_COLUMNS = (
    Column("rank", "Rank", "count"),
    Column("payee", "Payee id"),
    Column("name", "Rep"),
    Column("revenue", "Revenue", "USD"),
    Column("won_deals", "Won deals", "count"),
    Column("win_rate", "Win rate", "ratio"),
    Column("average_deal_size", "Average deal", "USD"),
    Column("quota_attainment", "Attainment", "ratio"),
)
ATTAINMENT_COLUMNS = (
    Column("payee", "Payee id"),
    Column("name", "Rep"),
    Column("quota", "Quota", "USD"),
    Column("revenue", "Revenue", "USD"),
    Column("quota_attainment", "Attainment", "ratio"),
    Column("open_pipeline", "Open pipeline", "USD"),
    Column("pipeline_coverage", "Coverage", "ratio"),
)
WEEK_COLUMNS = (
    Column("name", "Rep"),
    Column("payee_id", "Payee id"),
    Column("week", "Week of", "date"),
    Column("weekly", "Weekly target", "count"),
    Column("carried_in", "Carried in", "count"),
    Column("target", "Target", "count"),
    Column("calls", "Calls", "count"),
    Column("share", "Of target", "ratio"),
    Column("carry_out", "Still owed", "count"),
)


def leaderboard(con: duckdb.DuckDBPyConnection, window: Window, names: Mapping[str, str]) -> Panel:
    """Reps ranked by revenue in the period (none counts as 0; ties by name), set-based: the metrics,
    the names and the ranks come from one DuckDB statement (``names`` is kept for the callers; the
    payee table gives the same names)."""
    metrics = [c.key for c in LEADER_COLUMNS[3:]]
    values = metric_values_sql(con, "payee", window, metrics)
    chosen = ", ".join(f'v."{m}:value" AS {m}' for m in metrics)
    rows = rows_of(con, f"""
        WITH v AS ({values}), named AS (
            SELECT coalesce(v.slice, '(none)') AS payee,
                   coalesce(p.name, v.slice, '(none)') AS name, {chosen}
            FROM v LEFT JOIN (SELECT DISTINCT payee_id, name FROM payee) p ON p.payee_id = v.slice)
        SELECT row_number() OVER (ORDER BY coalesce(revenue, 0) DESC, name, payee) AS rank, *
        FROM named ORDER BY rank""")  # noqa: S608 - catalog SQL
    return Panel("leaderboard", f"Leaderboard, {window.label}", LEADER_COLUMNS, rows,
                 Chart("bar", "name", ("revenue",)))


def activity_targets(
    con: duckdb.DuckDBPyConnection, window: Window, today: date, names: Mapping[str, str]
) -> Panel:
    """Weekly call targets against calls with the shortfall carried forward, and the manager alerts
    (a rep with quota in several currencies has no call target: a note says so)."""
    needs = period_needs(con, window, window.start)
    weeks = weekly_targets(con, window, weekly_call_targets(needs, window))
    shown = [w for w in weeks if w["week"] <= today]
    for week in shown:
        week["name"] = names.get(week["payee_id"], week["payee_id"])
        week["target"] = week["weekly"] + week["carried_in"]
        week["share"] = ratio(week["calls"], week["target"])
    notes = [_named(line, names) for line in alerts(shown)] or ["No rep below 70% of their call target."]
    notes += [_named(need.sentence(), names) for need in needs if need.remaining_quota is None]  # several
    return Panel(
        "activity_targets",
        f"Calls against weekly targets, {window.label} (to {today})",
        WEEK_COLUMNS,
        shown,
        Chart("bar", "week", ("target", "calls")),
        notes,
    )


def _named(line: str, names: Mapping[str, str]) -> str:
    who, _, rest = line.partition(":")
    return f"{names.get(who, who)}:{rest}"


def manager(
    con: duckdb.DuckDBPyConnection,
    window: Window,
    as_of: date,
    commission: Mapping[str, Decimal] | None = None,
    title: str = "Team dashboard",
) -> Dashboard:
    """A manager's team (what ``con`` sees): leaderboard, attainment per rep, activity against targets
    with the alert list, the funnel and forecast vs quota per rep."""
    names = payee_names(con)
    panels = [
        headline(con, window, TEAM_HEADLINE),
        leaderboard(con, window, names),
        metric_table(
            con,
            "attainment_by_rep",
            f"Attainment per rep, {window.label}",
            "payee",
            window,
            ATTAINMENT_COLUMNS,
            Chart("bar", "name", ("quota_attainment",), rule=Decimal(1)),
            dict(names),
        ),
        activity_targets(con, window, as_of, names),
        funnel(con, window),
        forecast_panel(con, window, as_of, "payee", commission, names),
    ]
    for panel in panels[2:3]:
        panel.rows[:] = [r for r in panel.rows if r.get("quota")]  # sellers with a quota in the period
    return Dashboard("manager", title, window, as_of, named_money(con, panels))


# -- rep -------------------------------------------------------------------------------------------

PACE_COLUMNS = (
    Column("day", "Day", "date"),
    Column("won_to_date", "Won to date", "USD"),
    Column("quota_to_date", "Quota pro rata", "USD"),
)
RATIO_COLUMNS = (
    Column("step", "Step"),
    Column("count", "Before the period", "count"),
    Column("ratio", "Ratio", "ratio"),
    Column("needed", "Needed from today", "count"),
)


def pace(con: duckdb.DuckDBPyConnection, window: Window, as_of: date) -> Panel:
    """Won to date against the quota spread evenly over the period's days, with the pace sentence."""
    quota_row = con.execute(
        "SELECT coalesce({}, 0) FROM target WHERE {}".format(*quota_in("$s", "$e")),  # noqa: S608
        {"s": window.start, "e": window.end},
    ).fetchone()
    quota = Decimal(quota_row[0]) if quota_row else Decimal(0)
    rows = rows_of(
        con,
        """
        WITH days AS (SELECT unnest(generate_series($s::DATE, $e::DATE, INTERVAL 1 DAY))::DATE AS day),
        won AS (SELECT day, sum(amount) AS amount FROM deal WHERE status = 'won' AND day BETWEEN $s AND $e
                GROUP BY 1)
        SELECT days.day, sum(coalesce(won.amount, 0)) OVER (ORDER BY days.day) AS won_to_date
        FROM days LEFT JOIN won USING (day) ORDER BY days.day""",
        {"s": window.start, "e": min(max(as_of, window.start), window.end)},
    )
    total_days = (window.end - window.start).days + 1
    quantum = _quota_quantum(con, window)
    for n, row in enumerate(rows, start=1):
        row["quota_to_date"] = (quota * n / total_days).quantize(quantum, ROUND_HALF_EVEN)
    won = rows[-1]["won_to_date"] if rows else Decimal(0)
    notes = [_pace_sentence(Decimal(won), quota, len(rows), total_days)]
    return Panel(
        "pace",
        f"Pace, {window.label} to {rows[-1]['day'] if rows else as_of}",
        PACE_COLUMNS,
        rows,
        Chart("line", "day", ("won_to_date", "quota_to_date")),
        notes,
    )


def _quota_quantum(con: duckdb.DuckDBPyConnection, window: Window) -> Decimal:
    """The minor unit of the quotas' one currency in the window (fils for KWD); the cent otherwise."""
    codes = con.execute(
        "SELECT DISTINCT currency FROM target WHERE {}".format(quota_in("$s", "$e")[1]),  # noqa: S608
        {"s": window.start, "e": window.end},
    ).fetchall()
    places = minor_unit(str(codes[0][0])) if len(codes) == 1 else 2
    return Decimal(1).scaleb(-places)


def _pace_sentence(won: Decimal, quota: Decimal, elapsed: int, total: int) -> str:
    if not quota:
        return "No quota in this period."
    attained = won / quota
    on_pace = attained * total / elapsed if elapsed else Decimal(0)
    return (
        f"{attained:.1%} of quota after {elapsed} of {total} days: on pace for {on_pace:.1%} "
        f"({won:,.2f} of {quota:,.2f})."
    )


def funnel_needs(con: duckdb.DuckDBPyConnection, window: Window, as_of: date) -> Panel:
    """The rep's funnel ratios learned before the period and what they need from today, step by step."""
    ratios = funnel_ratios(con, window.start)
    needs = period_needs(con, window, min(max(as_of, window.start), window.end))
    need = needs[0] if needs else None
    mine = ratios[0] if ratios else None
    steps = [
        ("Calls", mine.calls if mine else 0, None, need.calls if need else None),
        (
            "Appointments held",
            mine.appointments if mine else 0,
            mine.appointments_per_call if mine else None,
            need.appointments if need else None,
        ),
        (
            "Quotes sent",
            mine.quotes if mine else 0,
            mine.quotes_per_appointment if mine else None,
            need.quotes if need else None,
        ),
        (
            "Orders",
            mine.orders if mine else 0,
            mine.orders_per_quote if mine else None,
            need.orders if need else None,
        ),
    ]
    rows = [{"step": s, "count": c, "ratio": r, "needed": n} for s, c, r, n in steps]
    notes = [need.sentence() if need else "No quota in this period: nothing to invert."]
    if mine and mine.average_order_value is not None:
        notes.append(f"Average order value before the period: {mine.average_order_value:,.2f}.")
    return Panel(
        "funnel_needs",
        f"Your funnel and what it takes, {window.label}",
        RATIO_COLUMNS,
        rows,
        Chart("funnel", "step", ("count",)),
        notes,
    )


def rep(
    con: duckdb.DuckDBPyConnection, window: Window, as_of: date, title: str = "My dashboard"
) -> Dashboard:
    """One rep (what ``con`` sees): headline, monthly trend, funnel ratios and the calls-a-day
    inversion, pace against quota and weekly call targets."""
    names = payee_names(con)
    panels = [
        headline(con, window, REP_HEADLINE),
        revenue_trend(con, window),
        funnel_needs(con, window, as_of),
        pace(con, window, as_of),
        activity_targets(con, window, as_of, names),
    ]
    return Dashboard("rep", title, window, as_of, named_money(con, panels))
