"""Forecast services: activity plans, the what-if with commission through the real plan, forecasts.

``activity_plan`` inverts each rep's funnel for a period ("N calls a day"), gives the weekly call
targets with the shortfall carried forward and the manager alerts. ``what_if`` changes calls per
day, conversion or deal size for some reps and returns the expected orders and revenue for the rest
of the period and the commission it would earn, computed by ``attain.engine.calculate`` on the
store's inputs plus one expected booking per rep (dated the period's last day) against the same
inputs with actual bookings only. ``forecast_report`` and ``backtest_report`` run
``attain.analytics.forecast`` on the store's tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine

from attain.analytics.compute import Window, parse_period
from attain.analytics.forecast import Accuracy, BacktestPoint
from attain.analytics.funnel import (
    ActivityNeed,
    FunnelRatios,
    alerts,
    funnel_ratios,
    period_needs,
    weekly_call_targets,
    weekly_targets,
    working_days,
)
from attain.analytics.views import connect
from attain.engine import InputTables, calculate
from attain.services.calc import published_plans
from attain.store.db import reading
from attain.store.repos import load_inputs

CENT = Decimal("0.01")


@dataclass(frozen=True)
class ActivityPlan:
    """A period's activity plan: needs per rep, weekly targets vs actuals, manager alerts."""

    needs: list[ActivityNeed]
    weeks: list[dict[str, Any]]
    alerts: list[str]


def store_tables(target: str | Engine) -> dict[str, pa.Table]:
    """Every entity table from the store (one snapshot), as the engine and the analytics read them."""
    with reading(target) as conn:
        return load_inputs(conn)


def activity_plan(tables: dict[str, pa.Table], period: str, today: date | None = None) -> ActivityPlan:
    """Needs from ``today`` (default: the period start), weekly targets and alerts for ``period``."""
    window = parse_period(period)
    con = connect(tables)
    try:
        needs = period_needs(con, window, today or window.start)
        at_start = period_needs(con, window, window.start)
        weeks = weekly_targets(con, window, weekly_call_targets(at_start, window))
    finally:
        con.close()
    return ActivityPlan(needs, weeks, alerts(weeks))


@dataclass(frozen=True)
class WhatIfLine:
    """One rep's scenario for the rest of the period."""

    payee_id: str
    calls: Decimal
    orders: Decimal
    revenue: Decimal
    commission_actual: Decimal
    commission_expected: Decimal

    @property
    def commission_added(self) -> Decimal:
        return self.commission_expected - self.commission_actual


def _calls_per_day(con: Any, payee_id: str, window: Window) -> Decimal:
    before = window.previous()
    query = "SELECT count(*) FROM act WHERE kind = 'call' AND payee_id = ? AND day BETWEEN ? AND ?"
    calls = con.execute(query, [payee_id, before.start, before.end]).fetchone()[0]
    days = working_days(before.start, before.end)
    return Decimal(calls) / days if days else Decimal(0)


def scenario(ratios: FunnelRatios, calls: Decimal, conversion: Decimal, deal_size: Decimal | None) -> tuple[
        Decimal, Decimal]:
    """Expected orders (calls × orders per call × conversion factor) and revenue (× deal size)."""
    per_call, value = ratios.orders_per_call, deal_size or ratios.average_order_value
    if not per_call or not value:
        return Decimal(0), Decimal(0)
    orders = (calls * per_call * conversion).quantize(CENT, ROUND_HALF_EVEN)
    return orders, (orders * value).quantize(CENT, ROUND_HALF_EVEN)


def what_if(tables: dict[str, pa.Table], plans: list[Any], payee_ids: Sequence[str], period: str,
            today: date, calls_per_day: Decimal | None = None, conversion: Decimal = Decimal(1),
            deal_size: Decimal | None = None) -> list[WhatIfLine]:
    """Expected orders, revenue and commission for ``payee_ids`` from ``today`` to the period end.

    Without ``calls_per_day`` each rep keeps their own rate of the previous period. ``conversion``
    multiplies the learned orders-per-call; ``deal_size`` replaces the learned average order value.
    """
    window = parse_period(period)
    con = connect(tables)
    try:
        ratios = {r.who: r for r in funnel_ratios(con, window.start)}
        days = Decimal(working_days(today, window.end))
        expected = {}
        for who in payee_ids:
            rate = calls_per_day if calls_per_day is not None else _calls_per_day(con, who, window)
            calls = (rate * days).quantize(CENT, ROUND_HALF_EVEN)
            funnel = ratios.get(who) or FunnelRatios(who, None, 0, 0, 0, 0, Decimal(0))
            expected[who] = (calls, *scenario(funnel, calls, conversion, deal_size))
    finally:
        con.close()
    actual = commission_for(tables, plans, window, today, {})
    future = commission_for(tables, plans, window, today, {w: e[2] for w, e in expected.items()})
    return [WhatIfLine(who, calls, orders, revenue, actual.get(who, Decimal(0)), future.get(who, Decimal(0)))
            for who, (calls, orders, revenue) in expected.items()]


def commission_for(tables: dict[str, pa.Table], plans: list[Any], window: Window, today: date,
                expected: dict[str, Decimal]) -> dict[str, Decimal]:
    """Commission per payee for the period from bookings before ``today`` plus ``expected`` ones."""
    bookings = tables["transaction"]
    bookings = bookings.filter(pc.less(bookings["date"], pa.scalar(today, pa.date32())))
    extra = [{"transaction_id": f"WHATIF-{who}", "kind": "booking", "date": window.end, "amount": amount,
              "currency": "USD", "quantity": Decimal(1), "owner_id": who}
             for who, amount in expected.items() if amount > 0]
    if extra:
        bookings = pa.concat_tables([bookings, pa.Table.from_pylist(extra, schema=bookings.schema)])
    inputs = InputTables.from_tables({**tables, "transaction": bookings}, origin="what-if")
    result = calculate(inputs, plans, [window.label])
    totals = result.component_totals.group_by("payee_id").aggregate([("amount", "sum")])
    return {who: Decimal(total) for who, total in zip(totals["payee_id"].to_pylist(),
                                                      totals["amount_sum"].to_pylist(), strict=True)}


def what_if_from_store(target: str | Engine, payee_ids: Sequence[str], period: str, today: date,
                       **changes: Any) -> list[WhatIfLine]:
    """``what_if`` on the store's data and its published plans."""
    return what_if(store_tables(target), published_plans(target), payee_ids, period, today, **changes)


@dataclass(frozen=True)
class QuotaForecast:
    """Forecast against quota for a rep, a team (manager) or the company, with the commission cost."""

    level: str
    who: str
    quota: Decimal
    won: Decimal
    pipeline: Decimal
    forecast: Decimal
    attainment: Decimal | None
    commission: Decimal | None


def forecast_report(tables: dict[str, pa.Table], period: str, as_of: date, plans: list[Any] | None = None,
                    by: str = "payee") -> list[QuotaForecast]:
    """Won to ``as_of`` + stage-weighted pipeline still to close in ``period``, against quota, by
    ``payee``, ``manager`` or ``company``; with ``plans``, the expected commission of each rep
    (the engine run on actual bookings to ``as_of`` plus the expected pipeline as one booking per rep)."""
    from attain.analytics.forecast import forecast_vs_quota

    window = parse_period(period)
    con = connect(tables)
    try:
        reps = forecast_vs_quota(con, window.start, window.end, as_of)
    finally:
        con.close()
    commission: dict[str, Decimal] = {}
    if plans:
        expected = {r["payee_id"]: r["pipeline"] for r in reps}
        commission = commission_for(tables, plans, window, as_of + timedelta(days=1), expected)
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in reps:
        key = {"payee": row["payee_id"], "manager": row["manager_id"] or "(none)"}.get(by, "company")
        groups.setdefault(key, []).append(row)
    return [_quota_line(by, who, rows, commission if plans else None) for who, rows in groups.items()]


def _quota_line(level: str, who: str, rows: list[dict[str, Any]],
                commission: dict[str, Decimal] | None) -> QuotaForecast:
    quota = sum((r["quota"] for r in rows), Decimal(0))
    won = sum((r["won"] for r in rows), Decimal(0))
    pipeline = sum((r["pipeline"] for r in rows), Decimal(0))
    attainment = ((won + pipeline) / quota).quantize(Decimal("0.0001")) if quota else None
    cost = None
    if commission is not None:
        cost = sum((commission.get(r["payee_id"], Decimal(0)) for r in rows), Decimal(0))
    return QuotaForecast(level, who, quota, won, pipeline, won + pipeline, attainment, cost)


def backtest_report(tables: dict[str, pa.Table], first: date, last: date,
                    methods: Sequence[str] | None = None) -> tuple[list[BacktestPoint], list[Accuracy]]:
    """Backtest points and the accuracy table for month-end cut-offs from ``first`` to ``last``."""
    from attain.analytics.forecast import METHODS, accuracy, backtest, month_ends

    con = connect(tables)
    try:
        points = backtest(con, month_ends(first, last), methods or METHODS)
    finally:
        con.close()
    return points, accuracy(points)
