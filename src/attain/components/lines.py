"""Shared SQL pieces for earning lines: the exact output layout, money/percent text, plan look-ups.

Every kind ends its SQL with ``earning_lines(...)`` so the engine always gets ``EARNING_COLUMNS``
with their exact types, whatever the kind computed in between. Amounts stay DECIMAL(38, 10); the
explanation text shows money at cents (display only, never summed).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from attain.components.base import EARNING_COLUMNS, ISSUE_COLUMNS
from attain.core.money import minor_unit
from attain.plans.dialect import Dialect
from attain.plans.schema import Measure, PlanDocument


def earning_lines(inner_sql: str, dialect: Dialect, explanations: bool = True, line_no: bool = False) -> str:
    """Project a relation with (at least) the earning column names onto ``EARNING_COLUMNS``.

    Without ``explanations`` the column is NULL and the engine's optimizer drops the text work.
    ``line_no`` keeps the relation's ``line_no`` after them (a kind with ``numbers_lines``).
    """
    cols = ", ".join(
        (f"CAST(e.{dialect.ident(name)} AS {sql_type})"
         if explanations or name != "explanation" else f"CAST(NULL AS {sql_type})")
        + f" AS {dialect.ident(name)}"
        for name, sql_type in EARNING_COLUMNS
    )
    if line_no:
        cols += ", CAST(e.line_no AS BIGINT) AS line_no"
    return f"SELECT {cols} FROM ({inner_sql}) AS e"  # noqa: S608 - built from quoted identifiers


def issue_lines(inner_sql: str, dialect: Dialect) -> str:
    """Project a relation with the issue column names onto ``ISSUE_COLUMNS``."""
    cols = ", ".join(
        f"CAST(i.{dialect.ident(name)} AS {sql_type}) AS {dialect.ident(name)}"
        for name, sql_type in ISSUE_COLUMNS
    )
    return f"SELECT {cols} FROM ({inner_sql}) AS i"  # noqa: S608 - built from quoted identifiers


def relation(sql: str) -> str:
    """A FROM-able relation: a query in parentheses, or a table/view name as it is."""
    text = sql.strip()
    if text.startswith("("):
        return text
    head = text.split(None, 1)[0].upper() if text else ""
    return f"({text})" if head in ("SELECT", "WITH", "FROM", "VALUES") else text


def factor_literal(value: Decimal) -> str:
    """An exact rate/factor literal at its own scale (at most 10 places).

    Multiplying a DECIMAL(38, 10) amount by it and casting back to 10 places cuts fewer digits
    than with a DECIMAL(38, 10) literal: the same exact value, measurably faster in DuckDB.
    """
    exponent = value.normalize().as_tuple().exponent
    places = min(10, max(0, -exponent)) if isinstance(exponent, int) else 10
    if places == 10 or value != value.quantize(Decimal(1).scaleb(-places)):
        return f"CAST('{value:f}' AS DECIMAL(38, 10))"
    return f"CAST('{value:f}' AS DECIMAL(38, {places}))"


def mul(dialect: Dialect, a: str, b: str) -> str:
    """a × b back at the calculation scale (DECIMAL(38,10) × DECIMAL(38,10) widens to 20 places)."""
    return dialect.calc(f"({a}) * ({b})")


def money_text(dialect: Dialect, sql: str, places: int = 2) -> str:
    """Display text of an amount at ``places`` decimals (the plan currency's minor unit,
    ``EarnContext.money_places``; 2 for the percents built on it) with thousands separators
    ('1,500.00', '70.002' for KWD, '1,234' for JPY).

    Display only: the cast to cents rounds half away from zero (the payout line itself is rounded
    half-even by ``caps``); exact half-even here would cost 4× the time on every earning line.
    """
    return f"format('{{:,.{places}f}}', CAST({sql} AS DECIMAL(38, {places})))"


def percent_text(rate: Decimal) -> str:
    """'1%', '5.5%', '150%' for a rate written as a fraction (display text, built in Python)."""
    value = (rate * 100).normalize()
    return f"{value:f}%"


def plain_text(value: Decimal) -> str:
    """A constant as plain text without exponent or trailing zeros ('1.5', '2000')."""
    return f"{value.normalize():f}"


def find_measure(plan: PlanDocument, measure_id: str) -> Measure:
    """The plan's measure of that id; an undeclared id means 'sum of credit over all rules'."""
    for measure in plan.measures:
        if measure.id == measure_id:
            return measure
    return Measure.model_validate({"id": measure_id})


def has_measure(plan: PlanDocument, measure_id: str) -> bool:
    """True when the plan declares a measure of that id."""
    return any(m.id == measure_id for m in plan.measures)


def sql_list(dialect: Dialect, values: list[str]) -> str:
    """A parenthesised list of string literals for ``IN``."""
    return "(" + ", ".join(dialect.string(v) for v in values) + ")"


def quota_relation(dialect: Dialect, measure_id: str) -> str:
    """Per payee × period of a measure: the prorated quota (``q_period``), the quota to date
    (``q_to_date``) and the previous period's quota to date in the year (``q_to_date_before``);
    a zero quota is NULL (no quota)."""
    return f"""SELECT payee_id, period_label, payee_period_no,
        NULLIF(quota_prorated, 0) AS q_period,
        NULLIF(quota_to_date, 0) AS q_to_date,
        LAG(NULLIF(quota_to_date, 0)) OVER (PARTITION BY payee_id, year_label ORDER BY period_index)
          AS q_to_date_before
      FROM measures WHERE measure_id = {dialect.string(measure_id)}"""  # noqa: S608 - literal quoted


INCENTIVE_RELATION = """SELECT payee_id, period_label, payee_period_no, year_label, period_index,
        target_incentive AS ti_period,
        SUM(target_incentive) OVER (PARTITION BY payee_id, year_label ORDER BY period_index
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
          - target_incentive AS ti_to_date_before,
        SUM(target_incentive) OVER (PARTITION BY payee_id, year_label ORDER BY period_index
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ti_to_date
      FROM assignments"""
"""Per payee × period: the period's target incentive, the year's and the year's to date."""


def percent_sql(dialect: Dialect, rate_sql: str) -> str:
    """Display text of a SQL rate as a percent ('8%', '12.5%'), exact, trailing zeros trimmed."""
    return f"concat({number_text(dialect, f'({rate_sql}) * 100')}, '%')"


def number_text(dialect: Dialect, sql: str) -> str:
    """Display text of a SQL number, exact, trailing zeros trimmed ('0.9', '2')."""
    value = dialect.calc(sql)
    return f"(CASE WHEN {value} = 0 THEN '0' ELSE rtrim(rtrim(CAST({value} AS VARCHAR), '0'), '.') END)"


def describe(row: Mapping[str, Any]) -> str:
    """A plain sentence for an earning line from its columns (when SQL explanations were off)."""
    text = row.get("explanation")
    if text:
        return str(text)
    parts = [f"{row.get('component_kind', 'component')} {row.get('component_id', '')}".strip()]
    if row.get("transaction_id"):
        parts.append(f"on {row['transaction_id']}")
    places = minor_unit(row.get("currency"))  # the plan currency, when the row names it
    if row.get("basis_before") is not None and row.get("basis_after") is not None:
        parts.append(f"basis {_money(row['basis_before'], places)} → {_money(row['basis_after'], places)}")
    elif row.get("basis_after") is not None:
        parts.append(f"basis {_money(row['basis_after'], places)}")
    if row.get("tier_index") is not None:
        rate = row.get("tier_rate")
        parts.append(f"tier {row['tier_index']}" + (f" at {percent_text(rate)}" if rate is not None else ""))
    if row.get("rate_or_factor") is not None:
        parts.append(f"rate/factor {plain_text(Decimal(row['rate_or_factor']))}")
    return ", ".join(parts) + f": {_money(row.get('amount'), places)}"


def _money(value: Any, places: int) -> str:
    if value is None:
        return "nothing"
    return f"{Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN):,}"
