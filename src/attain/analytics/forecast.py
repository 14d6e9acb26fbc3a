"""Forecasting won revenue: stage-weighted pipeline, an ML win probability, a run rate, and a backtest.

Every method answers the same question at a cut-off date C: **how much revenue will be won in the
calendar month after C?** (the horizon H = that month). Only what was known at C is used.

- ``last_month`` (baseline): the revenue won in the month ending at C.
- ``seasonal_naive`` (baseline): the revenue of the month three months before the target month.
  The sample company has no full year of closes (March to December 2017), so the "season" is a
  quarter, not a year; said so in docs/forecasting.md.
- ``pipeline_x_win_rate`` (baseline): deals open at C at their product's list price × the overall
  win rate of deals closed before C × H ÷ the mean sales cycle (the pipeline turns over once a cycle).
- ``stage_weighted``: each open deal × its stage's historical win rate (deals closed before C that
  had reached the stage) × the empirical chance that a deal of its age closes within H (among deals
  closed before C whose cycle exceeded that age).
- ``ml_win_probability``: a scikit-learn logistic regression (one-hot product, scaled numbers) of
  "won within H days" for an open deal, trained on weekly snapshots before C whose outcome was known
  at C (time-based split);
  features: stage, age, list price, product, the owner's win rate and won deals before the snapshot.
- ``run_rate``: statsforecast AutoETS on the daily won revenue up to C, summed over H.

Expected revenue from deal probabilities is summed exactly (DECIMAL list price × probability cast to
DECIMAL(12, 9)); time-series and probability models compute in float, and their figures are rounded
to cents (they are statistical estimates, not money owed).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import duckdb
import pyarrow as pa

from attain.analytics.amounts import at_minor_unit
from attain.analytics.views import quota_in

CENT = Decimal("0.01")
SNAPSHOT_DAYS = 7
METHODS = ("last_month", "seasonal_naive", "pipeline_x_win_rate", "stage_weighted", "ml_win_probability",
           "run_rate")
BASELINES = ("last_month", "seasonal_naive", "pipeline_x_win_rate")


def month_after(cutoff: date) -> tuple[date, date]:
    """The calendar month after ``cutoff``'s month: (first day, last day)."""
    first = (cutoff.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def won_between(con: duckdb.DuckDBPyConnection, start: date, end: date) -> Decimal:
    """Won revenue closed from ``start`` to ``end`` inclusive (exact)."""
    row = con.execute("SELECT coalesce(sum(amount), 0) FROM deal WHERE status = 'won' "
                      "AND close_date BETWEEN ? AND ?", [start, end]).fetchone()
    return Decimal(row[0]) if row else Decimal(0)


def open_at_sql(cutoff: str) -> str:
    """Engaged deals open at ``cutoff`` (a SQL date expression): engaged on or before it, not closed."""
    return f"""SELECT d.*, {cutoff} - d.engage_date AS age, pr.list_price AS value,
                      coalesce(pr.currency, d.currency) AS value_currency, 'Engaging' AS stage_at
               FROM deal d LEFT JOIN product pr USING (product_id)
               WHERE d.engage_date <= {cutoff} AND (d.close_date IS NULL OR d.close_date > {cutoff})"""  # noqa: S608


def last_month(con: duckdb.DuckDBPyConnection, cutoff: date, horizon: tuple[date, date]) -> Decimal:
    """Baseline: the revenue of the month that ends at the cut-off."""
    return won_between(con, _shift_months(horizon[0], -1), horizon[0] - timedelta(days=1))


def seasonal_naive(con: duckdb.DuckDBPyConnection, cutoff: date, horizon: tuple[date, date]) -> Decimal:
    """Baseline: the revenue of the month three months before the target month."""
    start = _shift_months(horizon[0], -3)
    return won_between(con, start, _shift_months(start, 1) - timedelta(days=1))


def pipeline_x_win_rate(con: duckdb.DuckDBPyConnection, cutoff: date, horizon: tuple[date, date]) -> Decimal:
    """Baseline: open pipeline × overall win rate × horizon ÷ mean sales cycle (all known at C)."""
    days = (horizon[1] - horizon[0]).days + 1
    row = con.execute(f"""
        WITH closed AS (SELECT * FROM deal WHERE close_date <= $c AND status IN ('won', 'lost'))
        SELECT (SELECT coalesce(sum(value), 0) FROM ({open_at_sql('$c')})) AS pipeline,
               (SELECT count(*) FILTER (WHERE status = 'won') FROM closed) AS won,
               (SELECT count(*) FROM closed) AS closed,
               (SELECT sum(cycle_days) FROM closed WHERE status = 'won') AS won_days""",  # noqa: S608
                      {"c": cutoff}).fetchone()
    pipeline, won, closed, won_days = row if row else (0, 0, 0, None)
    if not closed or not won_days:
        return Decimal(0)
    share = min(Decimal(1), Decimal(days) * int(won) / Decimal(won_days))  # horizon ÷ mean cycle
    expected: Decimal = Decimal(pipeline) * int(won) / int(closed) * share
    return expected.quantize(CENT, ROUND_HALF_EVEN)


def stage_weighted(con: duckdb.DuckDBPyConnection, cutoff: date, horizon: tuple[date, date]) -> Decimal:
    """Σ open deal list price × stage win rate × P(closes within the horizon | its age)."""
    days = (horizon[1] - horizon[0]).days + 1
    row = con.execute(f"""
        WITH closed AS (SELECT * FROM deal WHERE close_date <= $c AND status IN ('won', 'lost')
                        AND engage_date IS NOT NULL),
        rate AS (SELECT count(*) FILTER (WHERE status = 'won') / count(*) AS p FROM closed),
        open AS ({open_at_sql('$c')}),
        {timing_sql('$h')}
        SELECT coalesce(sum(o.value * CAST((SELECT p FROM rate) * t.p AS DECIMAL(12, 9))), 0)
        FROM open o JOIN timing t USING (opportunity_id)""",  # noqa: S608
                      {"c": cutoff, "h": days}).fetchone()
    return Decimal(row[0]).quantize(CENT, ROUND_HALF_EVEN) if row else Decimal(0)


def timing_sql(horizon: str) -> str:
    """CTEs ending in ``timing(opportunity_id, p)``: for each ``open`` deal of age a, the share of
    ``closed`` deals with a cycle longer than a that closed within a + horizon days. Set-based in
    O(open + closed): cumulative counts of closed cycles per day, joined at a and a + horizon. A deal
    older than every closed cycle gets 0 (no deal ever took that long: a stale deal)."""
    return f"""
        hist AS (SELECT cycle_days AS x, count(*) AS n FROM closed GROUP BY 1),
        grid AS (SELECT unnest(range(0, coalesce((SELECT max(age) FROM open), 0) + {horizon} + 1)) AS x),
        cum AS (SELECT g.x, sum(coalesce(h.n, 0)) OVER (ORDER BY g.x) AS le
                FROM grid g LEFT JOIN hist h USING (x)),
        total AS (SELECT count(*) AS n FROM closed WHERE cycle_days >= 0),
        timing AS (
            SELECT o.opportunity_id,
                   coalesce((c2.le - c1.le) / nullif((SELECT n FROM total) - c1.le, 0), 0) AS p
            FROM open o JOIN cum c1 ON c1.x = o.age JOIN cum c2 ON c2.x = o.age + {horizon})"""  # noqa: S608


SNAPSHOT_SQL = """
WITH shots AS (SELECT unnest(generate_series($first::DATE, $last::DATE, INTERVAL 7 DAY))::DATE AS shot),
open AS (
    SELECT s.shot, d.opportunity_id, d.payee_id, d.product_id, s.shot - d.engage_date AS age,
           CAST(pr.list_price AS DOUBLE) AS value,
           (d.status = 'won' AND d.close_date <= s.shot + $h)::INTEGER AS won_soon
    FROM shots s JOIN deal d ON d.engage_date <= s.shot AND (d.close_date IS NULL OR d.close_date > s.shot)
    LEFT JOIN product pr USING (product_id)),
history AS (
    SELECT s.shot, d.payee_id, count(*) FILTER (WHERE d.status = 'won') AS rep_won,
           count(*) AS rep_closed
    FROM shots s JOIN deal d ON d.close_date <= s.shot AND d.status IN ('won', 'lost') GROUP BY 1, 2)
SELECT o.*, coalesce(h.rep_won, 0) AS rep_won,
       coalesce(h.rep_won / nullif(h.rep_closed, 0), 0.5) AS rep_win_rate
FROM open o LEFT JOIN history h USING (shot, payee_id)
ORDER BY o.shot, o.opportunity_id
"""

FEATURES = ["age", "value", "product_code", "rep_won", "rep_win_rate"]


def snapshots(con: duckdb.DuckDBPyConnection, first: date, last: date, horizon_days: int) -> pa.Table:
    """Open deals at weekly snapshots from ``first`` to ``last`` with features and the label."""
    table = con.execute(SNAPSHOT_SQL, {"first": first, "last": last, "h": horizon_days}).to_arrow_table()
    products = sorted({p for p in table["product_id"].to_pylist() if p is not None})
    codes = {p: i for i, p in enumerate(products)}
    return table.append_column("product_code", pa.array(
        [codes.get(p, -1) for p in table["product_id"].to_pylist()], pa.int32()))


def ml_win_probability(con: duckdb.DuckDBPyConnection, cutoff: date, horizon: tuple[date, date]) -> Decimal:
    """Σ open deal list price × P(won within the horizon) from a model trained before the cut-off."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    days = (horizon[1] - horizon[0]).days + 1
    start = con.execute("SELECT min(engage_date) FROM deal").fetchone()
    earliest = (start[0] if start and start[0] else cutoff) + timedelta(days=SNAPSHOT_DAYS)
    first = cutoff - timedelta(days=(cutoff - earliest).days // SNAPSHOT_DAYS * SNAPSHOT_DAYS)  # on C's grid
    data = snapshots(con, first, cutoff, days)
    shots = data["shot"].to_pylist()
    train = [i for i, s in enumerate(shots) if s + timedelta(days=days) <= cutoff]
    score = [i for i, s in enumerate(shots) if s == cutoff]
    if not train or not score:
        return Decimal(0)
    frame = data.select(FEATURES).to_pandas()
    labels = data["won_soon"].to_numpy()
    if len(set(labels[train])) < 2:
        return Decimal(0)
    columns = ColumnTransformer([("product", OneHotEncoder(handle_unknown="ignore"), ["product_code"]),
                                 ("numbers", StandardScaler(), ["age", "value", "rep_won", "rep_win_rate"])])
    model = make_pipeline(columns, LogisticRegression(max_iter=1000))
    model.fit(frame.iloc[train], labels[train])
    probability = model.predict_proba(frame.iloc[score])[:, 1]
    values = data["value"].to_pylist()
    total = sum((Decimal(repr(values[i] or 0.0)) * Decimal(f"{p:.9f}") for i, p in zip(score, probability,
                                                                                   strict=True)),
                Decimal(0))
    return total.quantize(CENT, ROUND_HALF_EVEN)


def run_rate(con: duckdb.DuckDBPyConnection, cutoff: date, horizon: tuple[date, date]) -> Decimal:
    """statsforecast AutoETS (weekly season) on daily won revenue up to the cut-off, summed over H."""
    import numpy as np
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    daily = con.execute("""
        WITH days AS (SELECT unnest(generate_series((SELECT min(close_date) FROM deal), $c::DATE,
                                                    INTERVAL 1 DAY))::DATE AS ds)
        SELECT ds, CAST(coalesce(sum(d.amount) FILTER (WHERE d.status = 'won'), 0) AS DOUBLE) AS y
        FROM days LEFT JOIN deal d ON d.close_date = days.ds GROUP BY ds ORDER BY ds""",
                        {"c": cutoff}).df()
    if len(daily) < 28:
        return Decimal(0)
    frame = pd.DataFrame({"unique_id": "company", "ds": pd.to_datetime(daily["ds"]), "y": daily["y"]})
    days = (horizon[1] - horizon[0]).days + 1
    predicted = StatsForecast(models=[AutoETS(season_length=7)], freq="D").forecast(df=frame, h=days)
    total = float(np.clip(np.asarray(predicted["AutoETS"], dtype=float), 0, None).sum())
    return Decimal(repr(total)).quantize(CENT, ROUND_HALF_EVEN)


MethodFn = Callable[[duckdb.DuckDBPyConnection, date, tuple[date, date]], Decimal]
METHOD_FUNCTIONS: dict[str, MethodFn] = {
    "last_month": last_month, "seasonal_naive": seasonal_naive, "pipeline_x_win_rate": pipeline_x_win_rate,
    "stage_weighted": stage_weighted, "ml_win_probability": ml_win_probability, "run_rate": run_rate,
}


@dataclass(frozen=True)
class BacktestPoint:
    """One method's forecast at one cut-off against what was then won."""

    method: str
    cutoff: date
    target_month: str
    forecast: Decimal
    actual: Decimal


@dataclass(frozen=True)
class Accuracy:
    """A method's errors over the cut-offs: WAPE, MAPE and bias (all as fractions of actual)."""

    method: str
    points: int
    wape: Decimal
    mape: Decimal
    bias: Decimal
    baseline: bool


def month_ends(first: date, last: date) -> list[date]:
    """The last day of every month from ``first``'s month to ``last``'s month."""
    ends, month = [], first.replace(day=1)
    while month <= last:
        ends.append(month.replace(day=calendar.monthrange(month.year, month.month)[1]))
        month = _shift_months(month, 1)
    return ends


def backtest(con: duckdb.DuckDBPyConnection, cutoffs: Sequence[date],
             methods: Sequence[str] = METHODS) -> list[BacktestPoint]:
    """Replay history: at every cut-off, every method's forecast of the next month and the actual."""
    points = []
    for cutoff in cutoffs:
        horizon = month_after(cutoff)
        actual = won_between(con, *horizon)
        for method in methods:
            forecast = METHOD_FUNCTIONS[method](con, cutoff, horizon)
            points.append(BacktestPoint(method, cutoff, horizon[0].strftime("%Y-%m"), forecast, actual))
    return points


def accuracy(points: Sequence[BacktestPoint]) -> list[Accuracy]:
    """WAPE = Σ|F − A| ÷ ΣA, MAPE = mean(|F − A| ÷ A), bias = Σ(F − A) ÷ ΣA, per method, best WAPE first."""
    by_method: dict[str, list[BacktestPoint]] = {}
    for point in points:
        by_method.setdefault(point.method, []).append(point)
    places = Decimal("0.0001")
    out = []
    for method, rows in by_method.items():
        actual = sum((p.actual for p in rows), Decimal(0))
        if not actual:
            continue
        errors = [p.forecast - p.actual for p in rows]
        wape = sum((abs(e) for e in errors), Decimal(0)) / actual
        mape = sum((abs(e) / p.actual for e, p in zip(errors, rows, strict=True) if p.actual),
                   Decimal(0)) / len(rows)
        bias = sum(errors, Decimal(0)) / actual
        out.append(Accuracy(method, len(rows), wape.quantize(places), mape.quantize(places),
                            bias.quantize(places), method in BASELINES))
    return sorted(out, key=lambda a: a.wape)


def _open_pipeline_ctes(end: date, cutoff: date) -> str:
    """The CTEs both forecasts start from: deals closed by the cut-off, the win rate over them, the
    deals open at the cut-off and their timing to the period's end."""
    closed = f"SELECT * FROM deal WHERE close_date <= DATE '{cutoff}' AND status IN ('won', 'lost')"  # noqa: S608
    return f"""closed AS ({closed}),
    rate AS (SELECT count(*) FILTER (WHERE status = 'won') / count(*) AS p FROM closed),
    open AS ({open_at_sql(f"DATE '{cutoff}'")}),
    {timing_sql(str((end - cutoff).days))}"""  # noqa: S608 - dates and day counts


def forecast_vs_quota_sql(start: date, end: date, cutoff: date) -> str:
    """Per rep: quota of the period (prorated), won up to the cut-off, weighted pipeline still to close."""
    quota, overlaps = quota_in(f"DATE '{start}'", f"DATE '{end}'")
    return f"""
    WITH {_open_pipeline_ctes(end, cutoff)},
    expected AS (
        SELECT o.payee_id, any_value(o.manager_id) AS manager_id,
               sum(o.value * CAST((SELECT p FROM rate) * t.p AS DECIMAL(12, 9))) AS pipeline
        FROM open o JOIN timing t USING (opportunity_id) GROUP BY 1),
    won AS (SELECT payee_id, sum(amount) AS won FROM deal WHERE status = 'won'
            AND close_date BETWEEN DATE '{start}' AND DATE '{cutoff}' GROUP BY 1),
    quota AS (SELECT payee_id, any_value(manager_id) AS manager_id, {quota} AS quota FROM target
              WHERE {overlaps} GROUP BY 1)
    SELECT q.payee_id, q.manager_id, q.quota, coalesce(w.won, 0) AS won,
           CAST(round(coalesce(e.pipeline, 0), 2) AS DECIMAL(18, 2)) AS pipeline
    FROM quota q LEFT JOIN won w USING (payee_id) LEFT JOIN expected e USING (payee_id)
    ORDER BY q.manager_id, q.payee_id"""  # noqa: S608 - dates from parsed periods


def forecast_vs_quota(con: duckdb.DuckDBPyConnection, start: date, end: date,
                      cutoff: date) -> list[dict[str, Any]]:
    """Per rep: quota, won so far, expected pipeline, forecast (= won + expected) and its attainment."""
    cursor = con.execute(forecast_vs_quota_sql(start, end, cutoff))
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["forecast"] = row["won"] + row["pipeline"]
        quota = row["quota"]
        row["attainment"] = (row["forecast"] / quota).quantize(Decimal("0.0001")) if quota else None
    return rows


def forecast_by_currency_sql(start: date, end: date, cutoff: date) -> str:
    """Per seller (a payee with a quota in the period) and currency: the quota in it (None when the
    seller has none in it), won up to the cut-off and the exact weighted pipeline in it (each open
    deal at its list price in the product's currency), and the commit and best-case forecasts of
    the period (won in it + open Commit, + open Best Case deals expected to close in it)."""
    quota, overlaps = quota_in(f"DATE '{start}'", f"DATE '{end}'")
    window = f"day BETWEEN DATE '{start}' AND DATE '{end}'"
    same = "k.payee_id = {t}.payee_id AND k.currency IS NOT DISTINCT FROM {t}.currency"
    return f"""
    WITH {_open_pipeline_ctes(end, cutoff)},
    expected AS (
        SELECT o.payee_id, o.value_currency AS currency,
               sum(o.value * CAST((SELECT p FROM rate) * t.p AS DECIMAL(12, 9))) AS pipeline
        FROM open o JOIN timing t USING (opportunity_id) GROUP BY 1, 2),
    won AS (SELECT payee_id, currency, sum(amount) AS won FROM deal WHERE status = 'won'
            AND close_date BETWEEN DATE '{start}' AND DATE '{cutoff}' GROUP BY 1, 2),
    categories AS (
        SELECT payee_id, currency, sum(amount) FILTER (WHERE status = 'won') AS won_value,
               sum(pipeline_value) FILTER (WHERE status = 'open' AND category = 'commit') AS commit_value,
               sum(pipeline_value) FILTER (WHERE status = 'open' AND category = 'best_case') AS best_value
        FROM (SELECT payee_id, status, category, amount, pipeline_value,
                     CASE WHEN status = 'open' THEN pipeline_currency ELSE currency END AS currency
              FROM deal WHERE {window}) GROUP BY 1, 2),
    quota AS (SELECT payee_id, currency, {quota} AS quota FROM target WHERE {overlaps} GROUP BY 1, 2),
    sellers AS (SELECT payee_id, any_value(manager_id) AS manager_id FROM target WHERE {overlaps} GROUP BY 1),
    keys AS (SELECT payee_id, currency FROM quota UNION SELECT payee_id, currency FROM won
             UNION SELECT payee_id, currency FROM expected UNION SELECT payee_id, currency FROM categories)
    SELECT k.payee_id, s.manager_id, k.currency, q.quota, coalesce(w.won, 0) AS won,
           coalesce(e.pipeline, 0) AS pipeline,
           coalesce(c.won_value, 0) + coalesce(c.commit_value, 0) AS commit,
           coalesce(c.won_value, 0) + coalesce(c.commit_value, 0) + coalesce(c.best_value, 0) AS best_case
    FROM keys k JOIN sellers s USING (payee_id)
    LEFT JOIN quota q ON {same.format(t="q")} LEFT JOIN won w ON {same.format(t="w")}
    LEFT JOIN expected e ON {same.format(t="e")} LEFT JOIN categories c ON {same.format(t="c")}
    ORDER BY s.manager_id, k.payee_id, k.currency"""  # noqa: S608 - dates from parsed periods


def forecast_by_currency(con: duckdb.DuckDBPyConnection, start: date, end: date,
                         cutoff: date) -> list[dict[str, Any]]:
    """``forecast_by_currency_sql`` as rows, each rep's weighted pipeline at its currency's minor unit
    (half-even; unrounded when the currency is not known)."""
    cursor = con.execute(forecast_by_currency_sql(start, end, cutoff))
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["pipeline"] = at_minor_unit(row["pipeline"], row["currency"])
    return rows


def weighted_open_deals(con: duckdb.DuckDBPyConnection, start: date, end: date,
                        cutoff: date) -> list[dict[str, Any]]:
    """The open deals behind ``forecast_by_currency``'s weighted pipeline: per seller's deal open at the
    cut-off with a weight above 0, its ``payee_id``, ``currency`` (its price's) and ``opportunity_id``
    (so a note can name the deals whose pipeline is left out somewhere)."""
    _, overlaps = quota_in(f"DATE '{start}'", f"DATE '{end}'")
    cursor = con.execute(f"""
    WITH {_open_pipeline_ctes(end, cutoff)}
    SELECT o.payee_id, o.value_currency AS currency, o.opportunity_id
    FROM open o JOIN timing t USING (opportunity_id)
    WHERE o.value * CAST((SELECT p FROM rate) * t.p AS DECIMAL(12, 9)) > 0
      AND o.payee_id IN (SELECT payee_id FROM target WHERE {overlaps})
    ORDER BY 1, 2, 3""")  # noqa: S608 - dates from parsed periods
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
