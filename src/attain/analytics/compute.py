"""Compute catalog metrics set-based: one grouped query per fact view, exact division in SQL.

``compute_metrics(con, by, period)`` returns one ``MetricValue`` per slice and metric, with the
previous period's value, the change, and the slice's percentile among its peers (the other rows of
the same breakdown, e.g. the other payees; 1 = best, direction-aware). Everything is one DuckDB
statement: a ratio is divided with integer arithmetic (both parts as unscaled HUGEINTs, rounded
half-even to RATIO_PLACES by the ``signed_half_even_div`` macro), never a decimal ``/`` (DOUBLE);
the percentile is peers strictly worse (``rank()`` over the slices) ÷ (peers − 1), half-even to
4 places. Python only reads the result's columns.
"""

from __future__ import annotations

import calendar
import re
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
    """Every chosen metric for every slice of ``by`` in ``period`` (all time when None).

    Set-based: the parts, the exact half-even divisions, the changes and the peer percentiles are
    one DuckDB statement (``values_query``); Python only reads the columns into ``MetricValue``s."""
    window = parse_period(period) if period else None
    chosen = choose(names)
    parts = metric_query(slice_column(by), window, chosen)
    types = {name: str(kind) for name, kind in zip(con.sql(parts).columns, con.sql(parts).types, strict=True)}
    table = con.sql(values_query(parts, types, chosen, window is not None, by is not None)).to_arrow_table()
    labels = ["(none)" if v is None else v for v in table.column("slice").to_pylist()]
    values: list[MetricValue] = []
    for entry in chosen:
        columns = {part: table.column(f"{entry.name}:{part}").to_pylist() for part in VALUE_PARTS}
        if types[f"{entry.name}:num"] == "DOUBLE":
            columns = _from_doubles(columns)
        values += [MetricValue(label, entry.name, value, num, den, prev, change, pct, entry.unit)
                   for label, value, num, den, prev, change, pct
                   in zip(labels, *(columns[part] for part in VALUE_PARTS), strict=True)]
    return values


def metric_values_sql(con: duckdb.DuckDBPyConnection, by: str, window: Window, names: Sequence[str]) -> str:
    """The SQL of the metrics ``names`` for every slice of ``by`` in ``window``, one row per slice
    (``slice`` and ``"<metric>:value"`` columns among others), without percentiles: for panels that
    rank or sort the rows in SQL themselves."""
    chosen = choose(names)
    parts = metric_query(slice_column(by), window, chosen)
    relation = con.sql(parts)
    types = {name: str(kind) for name, kind in zip(relation.columns, relation.types, strict=True)}
    return values_query(parts, types, chosen, True, False)


VALUE_PARTS = ("value", "num", "den", "prev", "change", "pct")
"""The columns ``values_query`` gives each metric, in ``MetricValue`` order."""


def _scale(kind: str) -> int:
    """The decimal places of a DuckDB type as text (0 for integers)."""
    match = re.fullmatch(r"DECIMAL\(\d+,(\d+)\)", kind)
    return int(match[1]) if match else 0


def scaled_parts(num: str, num_type: str, den: str, den_type: str) -> tuple[str, str]:
    """``num`` and ``den`` as HUGEINTs N, D with num ÷ den × 10^RATIO_PLACES = N ÷ D exactly
    (each part unscaled, the numerator shifted by the places asked for and the other part's scale)."""
    sn, sd = _scale(num_type), _scale(den_type)
    top = f"CAST({num} * 1{'0' * sn} AS HUGEINT) * CAST(1{'0' * (sd + RATIO_PLACES)} AS HUGEINT)"
    bottom = f"CAST({den} * 1{'0' * sd} AS HUGEINT) * CAST(1{'0' * sn} AS HUGEINT)"
    return top, bottom


def exact_division_sql(num: str, num_type: str, den: str, den_type: str) -> str:
    """``num ÷ den`` exact to RATIO_PLACES, half-even, with integer arithmetic (a DuckDB decimal ``/``
    returns DOUBLE), as one expression; NULL when either part is NULL or the denominator is 0.
    (``values_query`` runs the same arithmetic in stages, so no part is evaluated twice.)"""
    top, bottom = scaled_parts(num, num_type, den, den_type)
    quotient = f"CAST(signed_half_even_div({top}, {bottom}) AS DECIMAL(27, 0))"
    return (f"CASE WHEN {num} IS NULL OR {den} IS NULL OR {den} = 0 THEN NULL "
            f"ELSE {quotient} * {_QUANTUM_SQL} END")


_QUANTUM_SQL = f"CAST({QUANTUM} AS DECIMAL({RATIO_PLACES + 1}, {RATIO_PLACES}))"


def _part(column: str, kind: str) -> str:
    """A numerator or denominator as Python will read it: integers as DECIMAL, the rest as is."""
    return f"CAST({column} AS DECIMAL(38, 0))" if kind in INTEGER_TYPES else column


INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                 "UINTEGER", "UBIGINT")


@dataclass
class _Stages:
    """The select lists of the staged division: scaled parts, their signs and sizes, quotient and
    remainder; then each metric's value, previous value and parts."""

    scaled: list[str]
    signed: list[str]
    divided: list[str]
    computed: list[str]


def _ratio(stages: _Stages, entry: Metric, types: dict[str, str], prefix: str) -> str:
    """Add the stages of one metric's division (``prefix`` "" or "prev_"); its value's SQL."""
    num, den = f'"{entry.name}:{prefix}num"', f'"{entry.name}:{prefix}den"'
    if entry.denominator is None:
        return num
    num_type, den_type = types[num.strip('"')], types[den.strip('"')]
    if num_type == "DOUBLE":  # never money: a median of days; six places hold it exactly
        num, num_type = f"CAST({num} AS DECIMAL(38, 6))", "DECIMAL(38,6)"
    if den_type == "DOUBLE":
        den, den_type = f"CAST({den} AS DECIMAL(38, 6))", "DECIMAL(38,6)"
    top, bottom = scaled_parts(num, num_type, den, den_type)
    c = f"{entry.name}:{prefix}"
    stages.scaled += [f'{top} AS "{c}n"', f'nullif({bottom}, 0) AS "{c}d"']
    stages.signed += [f'abs("{c}n") AS "{c}a"', f'abs("{c}d") AS "{c}b"',
                      f'sign("{c}n") * sign("{c}d") AS "{c}s"']
    stages.divided += [f'"{c}a" // "{c}b" AS "{c}q"', f'"{c}a" % "{c}b" AS "{c}r"']
    up = f'CASE WHEN 2 * "{c}r" > "{c}b" OR (2 * "{c}r" = "{c}b" AND "{c}q" % 2 = 1) THEN 1 ELSE 0 END'
    return f'CAST("{c}s" * ("{c}q" + {up}) AS DECIMAL(27, 0)) * {_QUANTUM_SQL}'


def _percentile_sql(value: str, direction: str) -> str:
    """The share of the other slices this one beats (1 = best): peers strictly worse ÷ (peers − 1)."""
    order = "DESC" if direction == "lower" else "ASC"
    worse = f"(rank() OVER (PARTITION BY {value} IS NULL ORDER BY {value} {order}) - 1)"
    peers = f"count({value}) OVER ()"
    return (f"CASE WHEN {value} IS NOT NULL AND {peers} > 1 THEN CAST(half_even_div({worse} * 10000, "
            f"{peers} - 1) AS DECIMAL(18, 0)) * CAST({PERCENTILE_QUANTUM} AS DECIMAL(5, 4)) END")


def values_query(parts: str, types: dict[str, str], chosen: Sequence[Metric], has_previous: bool,
                 ranked: bool) -> str:
    """Every metric's value, parts, previous value, change and peer percentile, from ``parts``
    (``metric_query``) in one statement. The division runs in materialized stages (scale, sign,
    quotient and remainder, round half-even) so that no expression is copied into another; the
    percentiles rank a narrow copy of the values (a window over every column would copy them all)."""
    stages, final, ranks, values = _Stages([], [], [], []), ["computed.slice"], [], []
    for entry in chosen:
        name = entry.name
        value = _ratio(stages, entry, types, "")
        previous = "NULL"
        if has_previous and f"{name}:prev_num" in types:
            previous = _ratio(stages, entry, types, "prev_")
        num, den = f'"{name}:num"', f'"{name}:den"'
        stages.computed += [f'{value} AS "{name}:value"', f'{previous} AS "{name}:prev"',
                            f'{_part(num, types[f"{name}:num"])} AS {num}',
                            f'{_part(den, types[f"{name}:den"])} AS {den}']
        v, p = f'"{name}:value"', f'"{name}:prev"'
        values.append(v)
        pct = _percentile_sql(v, entry.direction) if ranked else "NULL"
        ranks.append(f'{pct} AS "{name}:pct"')
        final += [v, num, den, p, f'{v} - {p} AS "{name}:change"', f'"{name}:pct"']

    def more(columns: list[str]) -> str:
        return "".join(f", {column}" for column in columns)

    return (f"WITH parts AS MATERIALIZED ({parts}), "  # noqa: S608 - catalog SQL
            f"scaled AS MATERIALIZED (SELECT *{more(stages.scaled)} FROM parts), "
            f"signed AS MATERIALIZED (SELECT *{more(stages.signed)} FROM scaled), "
            f"divided AS MATERIALIZED (SELECT *{more(stages.divided)} FROM signed), "
            f"computed AS MATERIALIZED (SELECT slice{more(stages.computed)} FROM divided), "
            f"narrow AS MATERIALIZED (SELECT slice{more(values)} FROM computed), "
            f"ranked AS MATERIALIZED (SELECT slice{more(ranks)} FROM narrow) "
            f"SELECT {', '.join(final)} FROM computed JOIN ranked "
            f"ON computed.slice IS NOT DISTINCT FROM ranked.slice ORDER BY computed.slice NULLS LAST")


def _from_doubles(columns: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """A metric whose parts are DOUBLE (a median of whole days): its value, previous value and
    change as exact Decimals of the doubles' shortest text (as the catalog states)."""
    value = [_decimal(v) for v in columns["value"]]
    previous = [_decimal(v) for v in columns["prev"]]
    change = [v - p if v is not None and p is not None else None
              for v, p in zip(value, previous, strict=True)]
    return {**columns, "value": value, "num": [_decimal(v) for v in columns["num"]], "prev": previous,
            "change": change}
