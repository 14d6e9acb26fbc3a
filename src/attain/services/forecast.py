"""Forecast services: activity plans, the what-if with commission through the real plan, forecasts.

``activity_plan`` inverts each rep's funnel for a period ("N calls a day"), gives the weekly call
targets with the shortfall carried forward and the manager alerts. ``what_if`` changes calls per
day, conversion or deal size for some reps and returns the expected orders and revenue for the rest
of the period and the commission it would earn, computed by ``attain.engine.calculate`` on the
store's inputs plus one expected booking per rep (dated the period's last day) against the same
inputs with actual bookings only. ``forecast_report`` and ``backtest_report`` run
``attain.analytics.forecast`` on the store's tables.

An expected booking is in the currency of the payee's published plans in the period (the plan
assignment and the version in force): the deal size is entered in it, orders per call and the
average order value are learned from the won orders in it only (``funnel_in_currency``: orders in
another currency are left out, never averaged in) and the revenue is kept to its minor unit (fils
for a KWD plan). When a payee's plans pay in several currencies, or the payee is on none, nothing is
guessed: the what-if page asks for the currency (``deal_currency.DealCurrency``), limited to the
plans' currencies, a currency outside them is ANA012; the ``what_if`` service learns no order value
for such a payee and a deal size for them is ANA012.

The dashboards' expected commission and ``forecast_report`` price a weighted pipeline per currency
(``pipeline_commission``): each rep's pipeline in a currency goes through the rep's plans in that
currency, pipeline in a currency none of them pays in is left out (the caller names it), so no rep's
plans stop the others' commission.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine

from attain.analytics.amounts import Commissions, at_minor_unit
from attain.analytics.compute import Window, parse_period
from attain.analytics.forecast import Accuracy, BacktestPoint
from attain.analytics.funnel import (
    ActivityNeed,
    FunnelRatios,
    LearnedFunnel,
    alerts,
    funnel_in_currency,
    period_needs,
    weekly_call_targets,
    weekly_targets,
    working_days,
)
from attain.analytics.views import connect
from attain.core.errors import AttainError, register
from attain.core.money import minor_unit
from attain.engine import InputTables, calculate
from attain.plans.schema import PlanDocument
from attain.services.calc import published_plans
from attain.services.deal_currency import (
    ANA012,
    DealCurrency,
    booking_currencies,
    booking_currency_or_none,
    deal_currency,
    payee_plan_currencies,
)
from attain.store.db import reading
from attain.store.repos import load_inputs

CENT = Decimal("0.01")
Expected = dict[str, tuple[Decimal, Decimal, Decimal]]
"""Per rep: expected calls, orders and revenue."""


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


def calls_per_day(con: Any, payee_ids: Sequence[str], window: Window) -> dict[str, Decimal]:
    """Each rep's calls a working day in the period before ``window`` (one grouped query), to the cent."""
    before = window.previous()
    days = working_days(before.start, before.end)
    rows = con.execute(
        "SELECT payee_id, count(*) FROM act WHERE kind = 'call' AND payee_id IN (SELECT unnest($ids)) "
        "AND day BETWEEN $start AND $end GROUP BY 1",
        {"ids": list(payee_ids), "start": before.start, "end": before.end}).fetchall()
    counts = {str(who): int(calls) for who, calls in rows}
    return {who: (Decimal(counts.get(who, 0)) / days).quantize(CENT, ROUND_HALF_EVEN) if days else Decimal(0)
            for who in payee_ids}


def scenario(ratios: FunnelRatios, calls: Decimal, conversion: Decimal, deal_size: Decimal | None,
             orders_per_call: Decimal | None = None, quantum: Decimal = CENT) -> tuple[Decimal, Decimal]:
    """Expected orders (calls × orders per call × conversion factor) and revenue (× deal size, to
    ``quantum``: the deal currency's minor unit); ``orders_per_call`` and ``deal_size`` replace the
    learned ratios when given."""
    per_call = orders_per_call if orders_per_call is not None else ratios.orders_per_call
    value = deal_size if deal_size is not None else ratios.average_order_value
    if not per_call or not value:
        return Decimal(0), Decimal(0)
    orders = (calls * per_call * conversion).quantize(CENT, ROUND_HALF_EVEN)
    return orders, (orders * value).quantize(quantum, ROUND_HALF_EVEN)


def what_if(tables: dict[str, pa.Table], plans: list[Any], payee_ids: Sequence[str], period: str,
            today: date, calls_per_day: Decimal | None = None, conversion: Decimal = Decimal(1),
            deal_size: Decimal | None = None, orders_per_call: Decimal | None = None) -> list[WhatIfLine]:
    """Expected orders, revenue and commission for ``payee_ids`` from ``today`` to the period end.

    Without ``calls_per_day`` each rep keeps their own rate of the previous period. ``conversion``
    multiplies the orders-per-call (the learned one, or ``orders_per_call`` when given);
    ``deal_size`` replaces the learned average order value. Each rep's orders per call and average
    order value are learned from their won orders in the currency of their expected booking (their
    plans' one currency, else the one all the plans share), the revenue kept to its minor unit; with
    no such currency nothing in money is learned (no order value: a ``deal_size`` is needed).
    """
    window = parse_period(period)
    changes = Changes(calls_per_day, orders_per_call, deal_size, conversion)
    currencies = booking_currency_or_none(tables, plans, payee_ids, window)  # None: nothing in money learned
    con = connect(tables)
    try:
        expected: Expected = {}
        for code in sorted(set(currencies.values()), key=lambda c: c or ""):
            group = [who for who in payee_ids if currencies[who] == code]
            learned = funnel_in_currency(con, window.start, group, code)
            expected |= expected_orders(con, group, window, today, changes, learned)
    finally:
        con.close()
    expected = {who: expected[who] for who in payee_ids}
    actual = commission_for(tables, plans, window, today, {})
    future = commission_for(tables, plans, window, today, {w: e[2] for w, e in expected.items()})
    return [WhatIfLine(who, calls, orders, revenue, _one_currency(actual, who), _one_currency(future, who))
            for who, (calls, orders, revenue) in expected.items()]


def _one_currency(commission: Commissions, who: str) -> Decimal:
    """``who``'s commission when it is in one currency (0 when none); ANA012 when their plans pay in
    several (a sum across currencies means nothing: the what-if page shows the deal currency's)."""
    amounts = commission.currencies(who)
    if len(amounts) > 1:
        raise AttainError(f"the commission of {who} is in {' and '.join(sorted(amounts))}: choose the "
                          "currency (the what-if page shows the deal currency's)", code=ANA012)
    return next(iter(amounts.values()), Decimal(0))


@dataclass(frozen=True)
class Changes:
    """A what-if's changes; None keeps each rep's own figure (their rate, ratio or deal size)."""

    calls_per_day: Decimal | None = None
    orders_per_call: Decimal | None = None
    deal_size: Decimal | None = None
    conversion: Decimal = Decimal(1)


def expected_orders(con: Any, payee_ids: Sequence[str], window: Window, today: date,
                    changes: Changes, learned: LearnedFunnel) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    """Per rep: expected calls, orders and revenue from ``today`` to ``window``'s end, at the ratios
    ``learned`` in the deal currency (``funnel_in_currency``), the revenue to its minor unit (the cent
    when none is known)."""
    ratios = learned.ratios
    quantum = CENT if learned.currency is None else Decimal(1).scaleb(-minor_unit(learned.currency))
    days = Decimal(working_days(max(today, window.start), window.end))
    own = calls_per_day(con, payee_ids, window) if changes.calls_per_day is None else {}
    expected = {}
    for who in payee_ids:  # one line per rep of the scope (a team), not per row of data
        rate = changes.calls_per_day if changes.calls_per_day is not None else own[who]
        calls = (rate * days).quantize(CENT, ROUND_HALF_EVEN)
        funnel = ratios.get(who) or FunnelRatios(who, None, 0, 0, 0, 0, Decimal(0))
        expected[who] = (calls, *scenario(funnel, calls, changes.conversion, changes.deal_size,
                                          changes.orders_per_call, quantum))
    return expected


def commission_for(tables: dict[str, pa.Table], plans: list[Any], window: Window, today: date,
                   expected: dict[str, Decimal], currency: str | None = None) -> Commissions:
    """Commission per payee for the period from bookings before ``today`` plus ``expected`` ones,
    per currency (``Commissions``: component totals in two currencies are never added).

    Each expected booking is in ``currency``, or (None) in the currency of the payee's own plans in
    the period (``booking_currencies``: ANA012 when they pay in several, or the payee is on none and
    the plans differ)."""
    bookings = tables["transaction"]
    bookings = bookings.filter(pc.less(bookings["date"], pa.scalar(today, pa.date32())))
    wanted = [who for who, amount in expected.items() if amount > 0]
    currencies = ({who: currency for who in wanted} if currency is not None
                  else booking_currencies(tables, plans, wanted, window))
    extra = [{"transaction_id": f"WHATIF-{who}", "kind": "booking", "date": window.end,
              "amount": expected[who], "currency": currencies[who], "quantity": Decimal(1), "owner_id": who}
             for who in wanted]
    if extra:
        bookings = _to_the_fils(bookings)
        bookings = pa.concat_tables([bookings, pa.Table.from_pylist(extra, schema=bookings.schema)])
    inputs = InputTables.from_tables({**tables, "transaction": bookings}, origin="what-if")
    result = calculate(inputs, plans, [window.label])
    totals = result.component_totals.group_by(["payee_id", "currency"]).aggregate([("amount", "sum")])
    by_currency: dict[str, dict[str, Decimal]] = {}
    for who, code, total in zip(totals["payee_id"].to_pylist(), totals["currency"].to_pylist(),
                                totals["amount_sum"].to_pylist(), strict=True):
        by_currency.setdefault(who, {})[code] = Decimal(total)
    return Commissions(by_currency)


@dataclass(frozen=True)
class PricedPipeline:
    """The expected commission of a weighted pipeline priced per currency (``pipeline_commission``):
    ``commission`` per payee and currency, and ``left_out`` the pipeline no plan of its payee pays
    in (payee → currency → weighted amount; None for an amount that names no currency)."""

    commission: Commissions
    left_out: dict[str, dict[str | None, Decimal]]


def pipeline_commission(tables: dict[str, pa.Table], plans: Sequence[PlanDocument], window: Window,
                        today: date, pipeline: Mapping[str, Mapping[str | None, Decimal]]) -> PricedPipeline:
    """Commission per payee and currency for the period from bookings before ``today`` plus each
    payee's weighted ``pipeline`` (payee → currency → amount), priced per currency: one engine run per
    currency the plans pay in, with the plans in it and, for each payee one of whose plans in the period
    pays in it, their pipeline in it as one booking on the period's last day. A payee's pipeline in a
    currency none of their plans pays in (or with no currency, or of a payee on no plan) is left out
    (``left_out``), never converted nor booked in another currency. Amounts in two currencies are
    never added; with plans in one currency and pipeline in it this is one run, as ``commission_for``."""
    own = payee_plan_currencies(tables, plans, sorted(pipeline), window)
    priced: dict[str, dict[str, Decimal]] = {}
    left_out: dict[str, dict[str | None, Decimal]] = {}
    for who, amounts in pipeline.items():
        for code, amount in amounts.items():
            if amount <= 0:
                continue
            if code is not None and code in own.get(who, set()):
                priced.setdefault(code, {})[who] = amount
            else:
                left_out.setdefault(who, {})[code] = amount
    by_currency: dict[str, dict[str, Decimal]] = {}
    for code in sorted({plan.currency for plan in plans}):
        paying = [plan for plan in plans if plan.currency == code]
        found = commission_for(tables, paying, window, today, priced.get(code, {}), code)
        for payee, earned in found.by_currency.items():
            mine = by_currency.setdefault(payee, {})
            for earned_in, total in earned.items():
                mine[earned_in] = mine.get(earned_in, Decimal(0)) + total
    return PricedPipeline(Commissions(by_currency), left_out)


DEALS_NAMED = 5
"""Opportunities named in a left-out note before "and N more"."""


def left_out_notes(cursor: Any, left_out: Mapping[str, Mapping[str | None, Decimal]], window: Window,
                   cut: date) -> list[str]:
    """One note per rep and currency whose weighted pipeline was not priced (``PricedPipeline.left_out``),
    naming its open opportunities (the dashboards' forecast panels and ``attain forecast --commission``)."""
    if not left_out:
        return []
    from attain.analytics.forecast import weighted_open_deals
    from attain.analytics.panels import payee_names

    deals: dict[tuple[str, str | None], list[str]] = {}
    for row in weighted_open_deals(cursor, window.start, window.end, cut):
        deals.setdefault((row["payee_id"], row["currency"]), []).append(str(row["opportunity_id"]))
    names = payee_names(cursor)
    notes = []
    for who in sorted(left_out):
        for code in sorted(left_out[who], key=lambda c: c or ""):
            ids = deals.get((who, code), [])
            more = len(ids) - DEALS_NAMED
            shown = ", ".join(ids[:DEALS_NAMED]) + (f" and {more} more" if more > 0 else "")
            listed = f" ({shown})" if shown else ""
            name = names.get(who, who)
            if code is None:
                notes.append(f"Expected commission leaves out {name}'s open opportunities with no currency"
                             f"{listed}.")
            else:
                notes.append(f"Expected commission leaves out {name}'s open opportunities in {code}{listed}: "
                             f"no plan of theirs pays in {code}.")
    return notes


def _to_the_fils(bookings: pa.Table) -> pa.Table:
    """The bookings with amounts typed to 3 places (the store reads them at 2 when none has fils), so an
    expected booking in a 3-place currency keeps its fils."""
    index = bookings.schema.get_field_index("amount")
    kind = bookings.schema.field(index).type
    if not pa.types.is_decimal(kind) or kind.scale >= 3:
        return bookings
    return bookings.cast(bookings.schema.set(index, pa.field("amount", pa.decimal128(19, 3))))


def what_if_from_store(target: str | Engine, payee_ids: Sequence[str], period: str, today: date,
                       **changes: Any) -> list[WhatIfLine]:
    """``what_if`` on the store's data and its published plans."""
    return what_if(store_tables(target), published_plans(target), payee_ids, period, today, **changes)


@dataclass(frozen=True)
class QuotaForecast:
    """Forecast against quota for a rep, a team (manager) or the company in one ``currency``, with the
    commission cost in it: a rep or team with figures in several currencies has one line per
    currency (amounts in two currencies are never added), each at the currency's minor unit."""

    level: str
    who: str
    quota: Decimal
    won: Decimal
    pipeline: Decimal
    forecast: Decimal
    attainment: Decimal | None
    commission: Decimal | None
    currency: str | None = None


def forecast_report(tables: dict[str, pa.Table], period: str, as_of: date, plans: list[Any] | None = None,
                    by: str = "payee") -> list[QuotaForecast]:
    """Won to ``as_of`` + stage-weighted pipeline still to close in ``period``, against quota, by
    ``payee``, ``manager`` or ``company`` and currency; with ``plans``, the expected commission of
    each rep in each currency its plans pay (``pipeline_commission``: the engine run on actual bookings
    to ``as_of`` plus each rep's weighted pipeline in a currency as one booking through the plans in it;
    pipeline in a currency no plan of the rep pays in is left out), each rep's at the currency's minor
    unit. ``forecast_with_notes`` also says what was left out."""
    return forecast_with_notes(tables, period, as_of, plans, by)[0]


def forecast_with_notes(tables: dict[str, pa.Table], period: str, as_of: date, plans: list[Any] | None = None,
                        by: str = "payee") -> tuple[list[QuotaForecast], list[str]]:
    """``forecast_report``'s lines and the notes the dashboards' forecast panel shows with them: one per
    rep and currency whose pipeline no plan of theirs pays in, naming the open opportunities left out
    of the expected commission (``left_out_notes``; none without ``plans``)."""
    from attain.analytics.forecast import forecast_by_currency

    window = parse_period(period)
    con = connect(tables)
    try:
        lines = forecast_by_currency(con, window.start, window.end, as_of)
        if not plans:
            return _quota_lines(lines, by, None), []
        pipeline: dict[str, dict[str | None, Decimal]] = {}
        for row in lines:
            pipeline.setdefault(row["payee_id"], {})[row["currency"]] = row["pipeline"]
        priced = pipeline_commission(tables, plans, window, as_of + timedelta(days=1), pipeline)
        notes = left_out_notes(con, priced.left_out, window, as_of)
    finally:
        con.close()
    return _quota_lines(lines, by, priced.commission), notes


def _quota_lines(lines: list[dict[str, Any]], by: str, commission: Commissions | None) -> list[QuotaForecast]:
    """One line per ``by`` group and currency, with each rep's ``commission`` in it when costed."""
    owner = {r["payee_id"]: {"payee": r["payee_id"], "manager": r["manager_id"] or "(none)"}.get(
        by, "company") for r in lines}
    groups: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
    for row in lines:
        groups.setdefault((owner[row["payee_id"]], row["currency"]), []).append(row)
    if commission is not None:
        for payee, who in owner.items():
            for currency, amount in commission.currencies(payee).items():
                groups.setdefault((who, currency), []).append(
                    {"payee_id": payee, "commission": at_minor_unit(amount, currency)})
    costed = commission is not None
    return [_quota_line(by, who, currency, rows, costed) for (who, currency), rows in groups.items()]


def _quota_line(level: str, who: str, currency: str | None, rows: list[dict[str, Any]],
                costed: bool) -> QuotaForecast:
    def total(key: str) -> Decimal:
        return sum((r.get(key) or Decimal(0) for r in rows), Decimal(0))

    quota, won, pipeline = total("quota"), total("won"), total("pipeline")
    attainment = ((won + pipeline) / quota).quantize(Decimal("0.0001")) if quota else None
    return QuotaForecast(level, who, quota, won, pipeline, won + pipeline, attainment,
                         total("commission") if costed else None, currency)


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


# -- the what-if screen: a rep or a team as the viewer may see them ---------------------------------

ANA010 = register("ANA010", "A what-if change (calls a day, orders per call, deal size) is not a number >= 0")
ANA011 = register("ANA011", "A what-if start date is not a date (YYYY-MM-DD) or lies outside the period")


@dataclass(frozen=True)
class WhatIfView:
    """A what-if for a rep or a team: current figures, the baseline and the scenario, line per rep.

    ``current`` holds the subject's figures the form starts from (a team: calls a day per rep on
    average, the team's orders per call and average deal); ``baseline`` keeps every rep's own
    figures, ``scenario`` applies ``changes``. Revenue and commission are in ``deal.chosen`` (the
    subject's plan currency, or the one chosen); commission is None when it could not be calculated
    (``note`` says why, ``deal.note`` when a currency must be chosen first). The current figures and
    the baseline are learned from the won orders in that currency only; ``learned`` says which orders
    were left out, or that the subject has no history in it."""

    scope: Any
    window: Window
    start: date
    working_days: int
    current: Changes
    changes: Changes
    baseline: list[WhatIfLine]
    scenario: list[WhatIfLine]
    names: dict[str, str]
    has_commission: bool
    deal: DealCurrency
    note: str = ""
    learned: str = ""

    def total(self, lines: str) -> dict[str, Decimal]:
        """Sums of ``baseline`` or ``scenario``: calls, orders, revenue and the commissions."""
        rows: list[WhatIfLine] = getattr(self, lines)
        keys = ("calls", "orders", "revenue", "commission_actual", "commission_expected", "commission_added")
        return {k: sum((getattr(r, k) for r in rows), Decimal(0)) for k in keys}


def parse_changes(calls: str = "", per_call: str = "", deal_size: str = "") -> Changes:
    """The form's text as changes (blank: keep each rep's own figure); ANA010 for a bad number."""

    def number(text: str, name: str) -> Decimal | None:
        text = text.replace(",", "").strip()
        if not text:
            return None
        try:
            value = Decimal(text)
        except ArithmeticError as exc:
            raise AttainError(f"{name} must be a number, not {text!r}", code=ANA010) from exc
        if not value.is_finite() or value < 0:
            raise AttainError(f"{name} must be a number of 0 or more, not {text!r}", code=ANA010)
        return value

    return Changes(number(calls, "calls a day"), number(per_call, "orders per call"),
                   number(deal_size, "deal size"))


def current_figures(con: Any, payee_ids: Sequence[str], window: Window, learned: LearnedFunnel) -> Changes:
    """The figures the form starts from: one rep's own, or a team's (calls a day per rep on average,
    orders per call and average deal over the team's history), from the won orders ``learned`` in the
    deal currency (no average deal when none is known)."""
    ratios = [learned.ratios[who] for who in payee_ids if who in learned.ratios]
    rates = calls_per_day(con, payee_ids, window)
    team = FunnelRatios("team", None, sum(r.calls for r in ratios), 0, 0, sum(r.orders for r in ratios),
                        sum((r.won_value for r in ratios), Decimal(0)),
                        None if learned.currency is not None else 0, learned.currency)
    per_rep = None
    if rates:
        per_rep = (sum(rates.values(), Decimal(0)) / len(rates)).quantize(CENT, ROUND_HALF_EVEN)
    return Changes(per_rep, team.orders_per_call, team.average_order_value)


def what_if_view(url: str, principal: Any, kind: str, subject: str | None, period: str | None,
                 start: str | None, changes: Changes, day: date,
                 currency: str | None = None) -> WhatIfView | None:
    """The what-if ``kind`` (``rep`` or ``team``) about ``subject`` as ``principal`` may see it.

    Access is decided here (``attain.services.metrics.dashboard_scope``): a rep sees themselves, a
    manager a rep of their team or the whole team, admin and finance anyone; else 404 AUTH007.
    The deal size is in the subject's plan currency, or ``currency`` when their plans name several
    or none (``deal_currency``). None until a subject is chosen (an account without a payee)."""
    from attain.analytics.views import scoped
    from attain.services import metrics

    with reading(url) as conn:
        scope = metrics.dashboard_scope(conn, principal, "manager" if kind == "team" else "rep", subject, day)
    if scope.subject is None or not scope.payee_ids:
        return None
    prepared = metrics.snapshot(url)
    plans = published_plans(url)
    ids = list(scope.payee_ids)
    cursor = scoped(prepared.con, ids)
    try:
        data_date = metrics._company_data_date(prepared, day)
        window = parse_period(period) if period else metrics.default_window(data_date)
        first = _start(start, window, data_date)
        names = {k: v for k, v in _names(cursor).items() if k in set(ids)}
        who = str(scope.title).replace("Dashboard of ", "")
        deal = deal_currency(prepared.tables, plans, ids, window, who, currency)
        learned = funnel_in_currency(cursor, window.start, ids, deal.chosen)
        current = current_figures(cursor, ids, window, learned)
        base = expected_orders(cursor, ids, window, first, Changes(), learned)
        chosen = expected_orders(cursor, ids, window, first, changes, learned)
    finally:
        cursor.close()
    commission, note = _commissions(plans, prepared.tables, ids, window, first, deal, (base, chosen))
    lines = [_lines(expected, commission, i) for i, expected in ((1, base), (2, chosen))]
    return WhatIfView(scope, window, first, working_days(first, window.end), current, changes,
                      lines[0], lines[1], names, commission is not None, deal, note,
                      learned_note(learned, ids, names, who, window))


def learned_note(learned: LearnedFunnel, ids: Sequence[str], names: Mapping[str, str], who: str,
                 window: Window) -> str:
    """What the learned orders per call and average order value leave out: won orders in another
    currency than the deal's (counted, never averaged in), reps with no won order in it (no blended
    figure instead), or, with no deal currency yet, the order value."""
    code = learned.currency
    if code is None:
        return ("The average order value is learned from the won orders in the deal currency: choose it "
                "to start from one.")
    notes = []
    missing = learned.without_history(ids)
    if len(missing) == len(ids):
        notes.append(f"{who} has no won order in {code} before {window.start}: no orders per call or "
                     f"average order value in {code} to learn (orders in another currency are never "
                     f"counted as {code}); enter the orders per call and the deal size for a what-if.")
    elif missing:
        listed = ", ".join(names.get(rep, rep) for rep in missing)
        notes.append(f"No won order in {code} before {window.start} for {listed}: they expect no orders "
                     "unless the orders per call and the deal size are entered.")
    if learned.left_out:
        counted = " and ".join(f"{count:,} in {other or 'no currency'}"
                               for other, count in sorted(learned.left_out.items(), key=lambda i: i[0] or ""))
        notes.append(f"Orders per call and the average order value are learned from the won orders in {code} "
                     f"only (the deal currency): won orders left out, never added to them: {counted}.")
    return " ".join(notes)


def _names(con: Any) -> dict[str, str]:
    from attain.analytics.panels import payee_names

    return payee_names(con)


def _start(text: str | None, window: Window, data_date: date) -> date:
    """The first day of the rest of the period: ``text``, or the day after the data date (clamped)."""
    if text:
        try:
            chosen = date.fromisoformat(text)
        except ValueError as exc:
            raise AttainError(f"from must be a date (YYYY-MM-DD), not {text!r}", code=ANA011) from exc
        if not window.start <= chosen <= window.end + timedelta(days=1):
            raise AttainError(f"from {chosen} lies outside {window.label}", code=ANA011)
        return chosen
    return min(max(data_date + timedelta(days=1), window.start), window.end + timedelta(days=1))



def _commissions(plans: list[PlanDocument], tables: dict[str, pa.Table], ids: list[str], window: Window,
                 first: date, deal: DealCurrency, cases: tuple[Expected, Expected]
                 ) -> tuple[list[dict[str, Decimal]] | None, str]:
    """Commission per rep (actual to ``first``, baseline, scenario) through the published plans, the
    expected bookings in the deal currency (not calculated until one is known)."""
    from attain.services.metrics import scope_tables

    if not plans:
        return None, "Commission not calculated: no published plans."
    if deal.chosen is None:
        return None, "Commission not calculated: choose the deal currency above."
    mine = scope_tables(tables, ids)
    try:
        found = [commission_for(mine, plans, window, first, {w: e[2] for w, e in expected.items()},
                                deal.chosen) for expected in ({}, *cases)]
    except AttainError as error:
        return None, f"Commission not calculated: {error.code} {error}"
    return [_in_currency(each, deal.chosen) for each in found], _other_currencies(found, deal.chosen)


def _in_currency(commission: Commissions, currency: str) -> dict[str, Decimal]:
    """Each payee's commission in ``currency`` (the deal currency): never added to another currency's."""
    return {who: amounts[currency] for who, amounts in commission.by_currency.items() if currency in amounts}


def _other_currencies(found: list[Commissions], currency: str) -> str:
    """A note when some commission is earned in another currency than the deal's (not shown, not added)."""
    others = sorted({code for each in found for amounts in each.by_currency.values() for code in amounts}
                    - {currency})
    if not others:
        return ""
    return (f"Commission in {currency} only (the deal currency); the plans also pay in "
            f"{' and '.join(others)}, not added to it.")


def _lines(expected: Expected, commission: list[dict[str, Decimal]] | None, which: int) -> list[WhatIfLine]:
    zero = Decimal(0)
    actual = commission[0] if commission else {}
    future = commission[which] if commission else {}
    return [WhatIfLine(who, calls, orders, revenue, actual.get(who, zero), future.get(who, zero))
            for who, (calls, orders, revenue) in expected.items()]
