"""Compute catalog metrics set-based: one grouped query per fact view, then exact Decimal division.

``compute_metrics(con, by, period)`` returns one ``MetricValue`` per slice and metric, with the
previous period's value, the change, and the slice's percentile among its peers (the other rows of
the same breakdown, e.g. the other payees; 1 = best, direction-aware).
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import duckdb

from attain.analytics.catalog import MEASURES, METRICS, RATIO_PLACES, Measure, Metric
from attain.analytics.views import SLICES
from attain.core.errors import AttainError, register

ANA001 = register("ANA001", "An analytics period is not YYYY, YYYY-Qn, YYYY-MM or FROM..TO (ISO dates)")
ANA002 = register("ANA002", "Unknown analytics breakdown or metric name")

ALL = "all"
"""The slice label of a company-wide figure (no breakdown)."""

SLICE_COLUMNS = {"payee": "payee_id", "manager": "manager_id", "office": "office_id",
                 "territory": "territory_id", "product": "product_id", "sector": "sector",
                 "segment": "segment", "stage": "stage"}
FACTS = ("deal", "act", "target", "survey")
QUANTUM = Decimal(1).scaleb(-RATIO_PLACES)
PERCENTILE_QUANTUM = Decimal("0.0001")


@dataclass(frozen=True)
class Window:
    """A reporting period: inclusive dates and a label."""

    label: str
    start: date
    end: date

    def previous(self) -> Window:
        """The period of the same kind just before (year, quarter, month, or as many days)."""
        if re.fullmatch(r"\d{4}", self.label):
            return parse_period(str(int(self.label) - 1))
        if match := re.fullmatch(r"(\d{4})-Q([1-4])", self.label):
            year, quarter = int(match[1]), int(match[2])
            return parse_period(f"{year - 1}-Q4" if quarter == 1 else f"{year}-Q{quarter - 1}")
        if match := re.fullmatch(r"(\d{4})-(\d{2})", self.label):
            year, month = int(match[1]), int(match[2])
            return parse_period(f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}")
        days = (self.end - self.start).days + 1
        start, end = self.start - timedelta(days=days), self.start - timedelta(days=1)
        return Window(f"{start}..{end}", start, end)


def parse_period(text: str) -> Window:
    """``2017``, ``2017-Q2``, ``2017-05`` or ``2017-01-01..2017-03-31`` as a Window (ANA001 if not)."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}", text):
            return Window(text, date(int(text), 1, 1), date(int(text), 12, 31))
        if match := re.fullmatch(r"(\d{4})-Q([1-4])", text):
            year, quarter = int(match[1]), int(match[2])
            first = 3 * quarter - 2
            return Window(text, date(year, first, 1), _month_end(year, first + 2))
        if match := re.fullmatch(r"(\d{4})-(\d{2})", text):
            year, month = int(match[1]), int(match[2])
            return Window(text, date(year, month, 1), _month_end(year, month))
        if ".." in text:
            start, end = (date.fromisoformat(part) for part in text.split("..", 1))
            if start <= end:
                return Window(text, start, end)
    except ValueError:
        pass
    raise AttainError(f"period {text!r} is not YYYY, YYYY-Qn, YYYY-MM or FROM..TO", code=ANA001)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class MetricValue:
    """One metric for one slice: exact value, its parts, the previous period and the peer percentile."""

    slice: str
    metric: str
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    previous: Decimal | None
    change: Decimal | None
    percentile: Decimal | None
    unit: str


def slice_column(by: str | None) -> str:
    """The slice expression of a breakdown: one dimension, or several joined by commas
    (``manager,stage`` gives "Melvin Marxen / Engaging"); ANA002 for an unknown one."""
    if by is None:
        return f"'{ALL}'"
    dimensions = [part.strip() for part in by.split(",")]
    unknown = [d for d in dimensions if d not in SLICE_COLUMNS]
    if unknown or not dimensions:
        raise AttainError(f"unknown breakdown {by!r}; use one or more of {', '.join(SLICES)}",
                          code=ANA002)
    if len(dimensions) == 1:
        return SLICE_COLUMNS[dimensions[0]]
    columns = ", ".join(f"coalesce(CAST({SLICE_COLUMNS[d]} AS VARCHAR), '(none)')" for d in dimensions)
    return f"concat_ws(' / ', {columns})"


def _condition(window: Window | None, previous: bool = False) -> str:
    if window is None:
        return "FALSE" if previous else "TRUE"
    return f"day BETWEEN DATE '{window.start}' AND DATE '{window.end}'"


def _measure_sql(measure: Measure, window: Window | None, prefix: str) -> str:
    aggregate, period = measure.aggregate, _condition(window, bool(prefix))
    if measure.prorated:
        start, end = ("period_start", "period_end")
        if window is not None:
            start, end = f"DATE '{window.start}'", f"DATE '{window.end}'"
            period = f"period_start <= {end} AND period_end >= {start}"
        aggregate = aggregate.replace("{start}", start).replace("{end}", end)
    when = measure.where if measure.snapshot else f"({measure.where}) AND {period}"
    sql = f"{aggregate} FILTER (WHERE {when})"
    if measure.empty is not None:
        sql = f"coalesce({sql}, {measure.empty})"
    return f'{sql} AS "{prefix}{measure.name}"'


def fact_query(fact: str, key: str, window: Window | None, previous: Window | None) -> str:
    """One grouped query over a fact view: every measure of that fact, this period and the previous."""
    measures = [m for m in MEASURES if m.fact == fact]
    columns = [_measure_sql(m, window, "") for m in measures]
    columns += [_measure_sql(m, previous, "prev.") for m in measures]
    return (f"SELECT CAST({key} AS VARCHAR) AS slice, {', '.join(columns)} "  # noqa: S608 - catalog SQL
            f"FROM {fact} GROUP BY 1")


def _render(expression: str) -> str:
    """Catalog placeholders ({name}, {prev.name}) as quoted column names, empty when missing."""
    names = {m.name: m for m in MEASURES}

    def column(match: re.Match[str]) -> str:
        name = match[1]
        base = names[name.removeprefix("prev.")]
        quoted = f'"{name}"'
        return quoted if base.empty is None else f"coalesce({quoted}, {base.empty})"

    return re.sub(r"\{([\w.]+)\}", column, expression)


def metric_query(key: str, window: Window | None, chosen: Sequence[Metric]) -> str:
    """The whole computation as one SQL statement: facts joined by slice, then every metric's parts."""
    previous = window.previous() if window is not None else None
    parts = [f"f_{fact} AS ({fact_query(fact, key, window, previous)})" for fact in FACTS]
    joined = " FULL JOIN ".join(f"f_{fact}" + (" USING (slice)" if i else "") for i, fact in enumerate(FACTS))
    columns = []
    for entry in chosen:
        denominator = entry.denominator or "NULL"
        prev_num = entry.numerator.replace("{", "{prev.").replace("{prev.prev.", "{prev.")
        prev_den = denominator.replace("{", "{prev.").replace("{prev.prev.", "{prev.")
        columns += [f'{_render(entry.numerator)} AS "{entry.name}:num"',
                    f'{_render(denominator)} AS "{entry.name}:den"']
        if previous is not None and "prev." not in entry.numerator:
            columns += [f'{_render(prev_num)} AS "{entry.name}:prev_num"',
                        f'{_render(prev_den)} AS "{entry.name}:prev_den"']
    return (f"WITH {', '.join(parts)} SELECT slice, {', '.join(columns)} "  # noqa: S608 - catalog SQL
            f"FROM {joined} ORDER BY slice NULLS LAST")


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def divide(numerator: Decimal | None, denominator: Decimal | None, ratio: bool = True) -> Decimal | None:
    """numerator ÷ denominator rounded half-even to RATIO_PLACES; the numerator itself when not a
    ``ratio``; None when undefined (no numerator, or a missing or zero denominator)."""
    if numerator is None:
        return None
    if not ratio:
        return numerator
    if denominator is None or denominator == 0:
        return None
    return (numerator / denominator).quantize(QUANTUM, rounding=ROUND_HALF_EVEN)


def choose(names: Sequence[str] | None) -> list[Metric]:
    """The catalog metrics named (all when None), ANA002 for an unknown name."""
    if not names:
        return list(METRICS)
    known = {m.name: m for m in METRICS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise AttainError(f"unknown metric {', '.join(unknown)}", code=ANA002)
    return [known[n] for n in names]


def compute_metrics(con: duckdb.DuckDBPyConnection, by: str | None = None, period: str | None = None,
                    names: Sequence[str] | None = None) -> list[MetricValue]:
    """Every chosen metric for every slice of ``by`` in ``period`` (all time when None)."""
    window = parse_period(period) if period else None
    chosen = choose(names)
    table = con.sql(metric_query(slice_column(by), window, chosen)).to_arrow_table()
    rows = table.to_pylist()
    values = [_value(row, entry, window is not None) for entry in chosen for row in rows]
    return _with_percentiles(values, {m.name: m for m in chosen}, by is not None)


def _value(row: dict[str, Any], entry: Metric, has_previous: bool) -> MetricValue:
    num, den = _decimal(row[f"{entry.name}:num"]), _decimal(row[f"{entry.name}:den"])
    ratio = entry.denominator is not None
    value = divide(num, den, ratio)
    previous = None
    if has_previous and f"{entry.name}:prev_num" in row:
        previous = divide(_decimal(row[f"{entry.name}:prev_num"]), _decimal(row[f"{entry.name}:prev_den"]),
                          ratio)
    change = value - previous if value is not None and previous is not None else None
    label = row["slice"] if row["slice"] is not None else "(none)"
    return MetricValue(label, entry.name, value, num, den, previous, change, None, entry.unit)


def _with_percentiles(values: list[MetricValue], metrics: dict[str, Metric],
                      ranked: bool) -> list[MetricValue]:
    if not ranked:
        return values
    by_metric: dict[str, list[Decimal]] = {}
    for item in values:
        if item.value is not None:
            by_metric.setdefault(item.metric, []).append(item.value)
    for peers in by_metric.values():
        peers.sort()
    out = []
    for item in values:
        peers = by_metric.get(item.metric, [])
        rank = None
        if item.value is not None and len(peers) > 1:
            lower_is_better = metrics[item.metric].direction == "lower"
            worse = (len(peers) - bisect_right(peers, item.value) if lower_is_better
                     else bisect_left(peers, item.value))
            rank = (Decimal(worse) / Decimal(len(peers) - 1)).quantize(PERCENTILE_QUANTUM, ROUND_HALF_EVEN)
        out.append(MetricValue(item.slice, item.metric, item.value, item.numerator, item.denominator,
                               item.previous, item.change, rank, item.unit))
    return out
