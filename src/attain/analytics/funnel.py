"""The activity funnel: each rep's ratios from history, inverted into activity targets.

- ``funnel_ratios``: per rep (and per team = manager), from activities and won deals **before** the
  period starts: calls → appointments held → quotes sent → orders (won deals), and the average order
  value. Counts come from one grouped DuckDB query; the ratios are exact ``Decimal`` divisions.
  ``funnel_in_currency`` learns them within one currency (the what-if's deal currency): won orders
  in other currencies are left out and counted, never averaged in.
- ``required_activity``: "to reach quota you need N calls a day at your ratios": orders needed =
  ceil(remaining quota ÷ average order value), then calls, appointments, quotes needed through the
  ratios (each rounded up: you cannot make half a call), over the working days (Mon–Fri) left.
- ``weekly_targets``: a weekly call target per rep (the period's calls needed ÷ its weeks, rounded
  up) against actual calls, with the shortfall carried forward. The carry is the Lindley recursion
  carry[w+1] = max(0, carry[w] + target − actual), computed set-based as running sum minus running
  minimum (window functions), so no per-week loop.
- ``alerts``: per manager and week, the reps below a share (70%) of their call target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal
from typing import Any

import duckdb

from attain.analytics.compute import Window
from attain.analytics.views import quota_in
from attain.core.money import minor_unit

CALL = "kind = 'call'"
HELD = "kind IN ('meeting_held', 'appointment_held')"
QUOTE = "kind = 'quote_sent'"
ALERT_SHARE = Decimal("0.7")
RATIO = Decimal("1e-6")


@dataclass(frozen=True)
class FunnelRatios:
    """A rep's (or team's) funnel from history: counts, ratios and the average order value.

    ``won_value`` is over ``value_orders`` won orders when given (the orders in ``currency`` only, so
    the average order value is in one currency, at its minor unit), else over every order."""

    who: str
    manager: str | None
    calls: int
    appointments: int
    quotes: int
    orders: int
    won_value: Decimal
    value_orders: int | None = None
    currency: str | None = None

    @property
    def appointments_per_call(self) -> Decimal | None:
        return _ratio(self.appointments, self.calls)

    @property
    def quotes_per_appointment(self) -> Decimal | None:
        return _ratio(self.quotes, self.appointments)

    @property
    def orders_per_quote(self) -> Decimal | None:
        return _ratio(self.orders, self.quotes)

    @property
    def orders_per_call(self) -> Decimal | None:
        return _ratio(self.orders, self.calls)

    @property
    def average_order_value(self) -> Decimal | None:
        orders = self.orders if self.value_orders is None else self.value_orders
        if not orders:
            return None
        places = Decimal(1).scaleb(-minor_unit(self.currency))  # the cent when no currency is named
        return (self.won_value / orders).quantize(places, ROUND_HALF_EVEN)


def _ratio(top: int, bottom: int) -> Decimal | None:
    return (Decimal(top) / Decimal(bottom)).quantize(RATIO, ROUND_HALF_EVEN) if bottom else None


def funnel_counts_sql(level: str, before: date, acts: str = "", deals: str = "") -> str:
    """Per rep (level ``payee``) or team (``manager``): activity counts and won deals before a date.
    ``acts``/``deals``: further conditions on the activities and won deals counted (``AND ...``)."""
    key = "payee_id" if level == "payee" else "manager_id"
    manager = "any_value(manager_id)" if level == "payee" else "NULL"
    return f"""
    WITH a AS (
        SELECT {key} AS who, {manager} AS manager,
               count(*) FILTER (WHERE {CALL}) AS calls, count(*) FILTER (WHERE {HELD}) AS appointments,
               count(*) FILTER (WHERE {QUOTE}) AS quotes
        FROM act WHERE day < DATE '{before}' {acts} GROUP BY 1),
    d AS (
        SELECT {key} AS who, count(*) AS orders, coalesce(sum(amount), 0) AS won_value
        FROM deal WHERE status = 'won' AND close_date < DATE '{before}' {deals} GROUP BY 1)
    SELECT a.who, a.manager, a.calls, a.appointments, a.quotes, coalesce(d.orders, 0) AS orders,
           coalesce(d.won_value, 0) AS won_value
    FROM a LEFT JOIN d USING (who) WHERE a.who IS NOT NULL ORDER BY a.who"""  # noqa: S608 - constants


def funnel_ratios(con: duckdb.DuckDBPyConnection, before: date, level: str = "payee") -> list[FunnelRatios]:
    """Every rep's (``payee``) or team's (``manager``) funnel from the history before ``before``."""
    rows = con.sql(funnel_counts_sql(level, before)).fetchall()
    return [FunnelRatios(who, manager, calls, appts, quotes, orders, Decimal(won))
            for who, manager, calls, appts, quotes, orders, won in rows]


@dataclass(frozen=True)
class LearnedFunnel:
    """The funnels of some reps learned within one deal ``currency`` (``funnel_in_currency``).

    ``ratios``: per rep, the orders (and so orders per call, per quote) and the won value of their won
    orders in ``currency`` only, the average order value at its minor unit; ``left_out``: the reps'
    won orders in other currencies (currency → count; None for an order that names none), never added
    to them. With no currency known (``currency`` None) the orders are counted in every currency (a
    count, not money) and no order value is learned (``left_out`` is empty)."""

    currency: str | None
    ratios: dict[str, FunnelRatios]
    left_out: dict[str | None, int]

    def without_history(self, payee_ids: Sequence[str]) -> list[str]:
        """The reps of ``payee_ids`` with no won order in the currency before the period."""
        return [who for who in payee_ids if not (self.ratios.get(who) and self.ratios[who].orders)]


def funnel_in_currency(con: duckdb.DuckDBPyConnection, before: date, payee_ids: Sequence[str],
                       currency: str | None) -> LearnedFunnel:
    """Each of ``payee_ids``' funnel from the history before ``before``, their won orders in ``currency``
    only (orders per call and the average order value of a what-if whose deals are in ``currency``):
    orders in two currencies are never averaged together."""
    ids = list(payee_ids)
    wanted = "" if currency is None else "AND currency IS NOT DISTINCT FROM $currency"
    params: dict[str, Any] = {"ids": ids}
    if currency is not None:
        params["currency"] = currency
    rows = con.execute(funnel_counts_sql("payee", before, "AND payee_id IN (SELECT unnest($ids))", wanted),
                       params).fetchall()
    ratios = {who: FunnelRatios(who, manager, calls, appts, quotes, orders,
                                Decimal(won) if currency is not None else Decimal(0),
                                None if currency is not None else 0, currency)
              for who, manager, calls, appts, quotes, orders, won in rows}
    left_out: dict[str | None, int] = {}
    if currency is not None:
        others = con.execute(
            "SELECT currency, count(*) FROM deal WHERE status = 'won' AND close_date < $before "
            "AND payee_id IN (SELECT unnest($ids)) AND currency IS DISTINCT FROM $currency GROUP BY 1",
            {**params, "before": before}).fetchall()
        left_out = {code: int(count) for code, count in others}
    return LearnedFunnel(currency, ratios, left_out)


def working_days(start: date, end: date) -> int:
    """Mondays to Fridays from ``start`` to ``end`` inclusive."""
    if end < start:
        return 0
    days = (end - start).days + 1
    weeks, extra = divmod(days, 7)
    return weeks * 5 + sum(1 for i in range(extra) if (start + timedelta(days=i)).weekday() < 5)


@dataclass(frozen=True)
class ActivityNeed:
    """What a rep must do from ``today`` to the period end to close the gap to quota at their ratios.

    The gap is in the quota's ``currency`` (won deals in it only). A rep with quota in several
    ``currencies`` has no single gap (``remaining_quota`` None, no activity computed): amounts in two
    currencies are never added. ``reason`` says why no activity could be computed."""

    who: str
    remaining_quota: Decimal | None
    orders: int | None
    quotes: int | None
    appointments: int | None
    calls: int | None
    working_days: int
    calls_per_day: Decimal | None
    currency: str | None = None
    currencies: tuple[str, ...] = ()
    reason: str = ""

    def sentence(self) -> str:
        if self.remaining_quota is None:
            return (f"{self.who}: quota in {' and '.join(self.currencies)}, no calls a day computed "
                    "(amounts in two currencies are never added)")
        if self.remaining_quota <= 0:
            return f"{self.who}: quota reached"
        if self.calls_per_day is None:
            return f"{self.who}: {self.reason or 'no history to learn a funnel from'}"
        return (f"{self.who}: to reach your quota you need {self.calls_per_day} calls a day "
                f"({self.calls:,} calls → {self.appointments:,} appointments → {self.quotes:,} quotes → "
                f"{self.orders:,} orders) over {self.working_days} working days")


def _up(value: Decimal) -> int:
    return int(value.to_integral_value(ROUND_CEILING))


def required_activity(ratios: FunnelRatios, remaining_quota: Decimal, days_left: int) -> ActivityNeed:
    """Invert a funnel: orders, quotes, appointments and calls needed to cover ``remaining_quota``."""
    value, per_quote = ratios.average_order_value, ratios.orders_per_quote
    per_appt, per_call = ratios.quotes_per_appointment, ratios.appointments_per_call
    if remaining_quota <= 0:
        return ActivityNeed(ratios.who, remaining_quota, 0, 0, 0, 0, days_left, Decimal(0))
    if not (value and per_quote and per_appt and per_call):
        return ActivityNeed(ratios.who, remaining_quota, None, None, None, None, days_left, None)
    orders = _up(remaining_quota / value)
    quotes = _up(orders / per_quote)
    appointments = _up(quotes / per_appt)
    calls = _up(appointments / per_call)
    per_day = (Decimal(calls) / days_left).quantize(Decimal("0.1"), ROUND_CEILING) if days_left else None
    return ActivityNeed(ratios.who, remaining_quota, orders, quotes, appointments, calls, days_left, per_day)


def period_needs(con: duckdb.DuckDBPyConnection, window: Window, today: date) -> list[ActivityNeed]:
    """For every rep with a quota in ``window``: the activity needed from ``today`` at their ratios
    (learned before the window starts), against quota minus what they won in the window before today,
    in the quota's currency: won deals in it only, orders at the average value of the rep's orders in
    it. A rep with quota in several currencies gets no activity, and a sentence saying so."""
    ratios = {r.who: r for r in funnel_ratios(con, window.start)}
    quota, overlaps = quota_in(f"DATE '{window.start}'", f"DATE '{window.end}'")
    same = "{t}.payee_id = q.payee_id AND {t}.currency IS NOT DISTINCT FROM q.currency"
    rows = con.sql(f"""
        WITH q AS (SELECT payee_id, currency, {quota} AS quota FROM target WHERE {overlaps} GROUP BY 1, 2),
        w AS (SELECT payee_id, currency, sum(amount) AS won FROM deal WHERE status = 'won'
              AND close_date >= DATE '{window.start}' AND close_date < DATE '{today}' GROUP BY 1, 2),
        h AS (SELECT payee_id, currency, count(*) AS orders, coalesce(sum(amount), 0) AS won_value
              FROM deal WHERE status = 'won' AND close_date < DATE '{window.start}' GROUP BY 1, 2)
        SELECT q.payee_id, q.currency, q.quota - coalesce(w.won, 0) AS remaining,
               coalesce(h.orders, 0) AS orders, coalesce(h.won_value, 0) AS won_value
        FROM q LEFT JOIN w ON {same.format(t="w")} LEFT JOIN h ON {same.format(t="h")}
        ORDER BY 1, 2""").fetchall()  # noqa: S608 - dates from a parsed Window
    days = working_days(max(today, window.start), window.end)
    by_rep: dict[str, list[tuple[str | None, Decimal, int, Decimal]]] = {}
    for who, currency, remaining, orders, won_value in rows:
        by_rep.setdefault(who, []).append((currency, Decimal(remaining), int(orders), Decimal(won_value)))
    needs = []
    for who, gaps in by_rep.items():
        if len(gaps) > 1:
            codes = tuple(str(code) for code, *_ in gaps)
            needs.append(ActivityNeed(who, None, None, None, None, None, days, None, currencies=codes))
            continue
        ((currency, remaining, orders, won_value),) = gaps
        own = ratios.get(who) or FunnelRatios(who, None, 0, 0, 0, 0, Decimal(0))
        mine = replace(own, won_value=won_value, value_orders=orders, currency=currency)
        need = replace(required_activity(mine, remaining, days), currency=currency)
        if need.calls is None and own.orders and not orders:
            need = replace(need, reason=f"no won order in {currency} before the period to learn an order "
                                        "value from")
        needs.append(need)
    return needs


def target_weeks(window: Window) -> list[date]:
    """The Mondays of the weeks that have a working day in ``window``."""
    first = window.start + timedelta(days=2)  # a Saturday or Sunday start begins next week
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= window.end:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def weekly_call_targets(needs: list[ActivityNeed], window: Window) -> dict[str, int]:
    """The period's calls needed (at its start) spread evenly over its weeks, rounded up."""
    weeks = len(target_weeks(window))
    return {n.who: -(-n.calls // weeks) for n in needs if n.calls is not None}


def weekly_targets_sql(window: Window, targets: dict[str, int]) -> str:
    """Weekly call target vs actual per rep, the shortfall carried forward (running sum − running min)."""
    values = ", ".join(f"('{who.replace(chr(39), chr(39) * 2)}', {calls})" for who, calls in targets.items())
    return f"""
    WITH base(payee_id, weekly) AS (VALUES {values}),
    weeks(week) AS (VALUES {", ".join(f"(DATE '{monday}')" for monday in target_weeks(window))}),
    actual AS (SELECT payee_id, date_trunc('week', day)::DATE AS week, count(*) AS calls
               FROM act WHERE {CALL} AND day BETWEEN DATE '{window.start}' AND DATE '{window.end}'
               GROUP BY 1, 2),
    grid AS (SELECT b.payee_id, w.week, b.weekly, coalesce(a.calls, 0) AS calls
             FROM base b CROSS JOIN weeks w LEFT JOIN actual a USING (payee_id, week)),
    running AS (SELECT *, sum(weekly - calls) OVER (PARTITION BY payee_id ORDER BY week) AS s FROM grid),
    carried AS (SELECT *, s - least(0, min(s) OVER (PARTITION BY payee_id ORDER BY week)) AS carry_out
                FROM running)
    SELECT c.payee_id, l.manager_id, c.week, c.weekly,
           coalesce(lag(c.carry_out) OVER (PARTITION BY c.payee_id ORDER BY c.week), 0) AS carried_in,
           c.calls, c.carry_out
    FROM carried c LEFT JOIN (SELECT DISTINCT payee_id, manager_id FROM act) l USING (payee_id)
    ORDER BY c.payee_id, c.week"""  # noqa: S608 - names quoted above, dates from a parsed Window


def weekly_targets(con: duckdb.DuckDBPyConnection, window: Window,
                   targets: dict[str, int]) -> list[dict[str, Any]]:
    """Rows (payee_id, manager_id, week, weekly, carried_in, calls, carry_out).

    The week's target is ``weekly + carried_in``; ``carry_out`` is what is still owed after it."""
    if not targets:
        return []
    cursor = con.execute(weekly_targets_sql(window, targets))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def alerts(rows: list[dict[str, Any]], share: Decimal = ALERT_SHARE) -> list[str]:
    """Per manager and week: "3 of 5 reps are below 70% of their call target in the week of …"."""
    teams: dict[tuple[str, date], list[bool]] = {}
    for row in rows:
        target = row["weekly"] + row["carried_in"]
        below = target > 0 and Decimal(row["calls"]) < share * target
        teams.setdefault((row["manager_id"] or "(no manager)", row["week"]), []).append(below)
    return [f"{manager}: {sum(flags)} of {len(flags)} reps are below {share:.0%} of their call target "
            f"in the week of {week}"
            for (manager, week), flags in sorted(teams.items()) if sum(flags)]
