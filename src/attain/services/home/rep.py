"""The rep home: what a payee earned, how far they are on each measure, and which deals paid what.

- **this period / year to date**: paid amounts (``payout.amount_rounded``) summed exactly in Python
  (SQLite's SUM would use floats) for the current period and for the periods of its year up to it;
- **attainment**: the run's ``run_measure`` rows of the current period, with the *pace*: attainment
  divided by the share of the period elapsed on ``day`` (None before the period or after its end);
- **next tier**: for each tiered component of the payee's plan on a measure, the measure value still
  needed to reach the next tier (``components.tiers.distance_to_next_tier``) and that tier's rate;
- **recent deals**: earning rows with a transaction, summed per deal and currency.

Every figure is in its own plan's currency (``run_currency``): each measure, next tier, deal commission
and draw balance names it, so a payee on a USD plan and a KWD plan in one period sees each at its own
places (1,000.25 and 2,000.057), and amounts in two currencies are never added into one number.
``plan_currency`` is the payee's one plan currency, None when they have several (``plan_currencies``).

What the page shows from the run (lines, measures, next tiers, deals, draws, the periods the payee has a
statement for) is kept in ``RUN_VIEWS``; scope, the payee's record, open disputes and the pace (it
depends on the day) are read or computed on every request.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, bindparam, select

from attain.components.tiers import as_curve, distance_to_next_tier, tier_of
from attain.plans.schema import Basis, PlanDocument, RateOf, TieredComponent
from attain.services import access
from attain.services.access import Principal
from attain.services.home.stored_run import (
    PAYEE,
    RUN,
    RUN_VIEWS,
    STATEMENTS_PAID,
    ZERO,
    Period,
    elapsed_share,
    payout_of_run,
    period_on,
    run_key,
    run_periods,
)
from attain.services.run_currency import (
    RunCurrencies,
    parsed_plan,
    per_currency,
    plan_currency,
    run_currencies,
)
from attain.store.plans import get_version
from attain.store.tables import ENTITY_TABLES, dispute, payout, payout_balance, run_earning, run_measure

RECENT_DEALS = 10
OPEN_DISPUTES = ("open", "assigned", "answered")
transaction_table = ENTITY_TABLES["transaction"]
account_table = ENTITY_TABLES["account"]


@cache
def _lines() -> Select[Any]:
    p = payout.c
    return (
        select(
            p.id,
            p.period_label,
            p.component_id,
            p.kind,
            p.amount_rounded,
            p.currency,
            p.transaction_id,
            p.explanation,
        )
        .where(payout_of_run(RUN), p.payee_id == PAYEE)
        .order_by(p.period_label, p.line_no, p.id)
    )


@cache
def _paid_periods() -> Select[Any]:
    p = payout.c
    return (
        select(p.period_label)
        .distinct()
        .where(payout_of_run(RUN), p.payee_id == PAYEE)
        .order_by(p.period_label.desc())
    )


def statement_periods(conn: Connection, principal: Principal, payee_id: str, day: dt.date) -> list[str]:
    """The periods the newest run paid the payee in, newest first: the statements the payee can open
    (``NOT_FOUND`` outside the principal's scope)."""
    access.ensure_payee_visible(conn, principal, payee_id, day)
    key = run_key(conn, payee_id)
    if key is None:
        return []
    params = {"run_id": key[1], "payee_id": payee_id}
    paid = RUN_VIEWS.get((*key, payee_id, STATEMENTS_PAID),
                         lambda: tuple(conn.execute(_paid_periods(), params).scalars()))
    return list(paid)


def earnings(lines: list[dict[str, Any]], period: str) -> dict[str, Any]:
    """Paid this period and year to date (the period's year, periods up to it), per currency."""
    year = period[:4]
    this: dict[str, Decimal] = defaultdict(Decimal)
    ytd: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        label = line["period_label"]
        if label == period:
            this[line["currency"]] += line["amount_rounded"]
        if label[:4] == year and label <= period:
            ytd[line["currency"]] += line["amount_rounded"]
    return {"period": dict(this), "year_to_date": dict(ytd)}


@cache
def _measures() -> Select[Any]:
    m = run_measure.c
    return (
        select(
            m.measure_id,
            m.value,
            m.value_to_date,
            m.quota,
            m.quota_prorated,
            m.attainment,
            m.attainment_to_date,
        )
        .where(m.run_id == RUN, m.payee_id == PAYEE, m.period_label == bindparam("period_label"))
        .order_by(m.measure_id)
    )


def measure_rows(conn: Connection, run_id: int, payee_id: str, period: str) -> list[dict[str, Any]]:
    """The period's measures as the run stored them."""
    params = {"run_id": run_id, "payee_id": payee_id, "period_label": period}
    return [dict(row._mapping) for row in conn.execute(_measures(), params)]


def with_pace(rows: list[dict[str, Any]], period: Period, day: dt.date) -> list[dict[str, Any]]:
    """Copies of the measure rows with the share of the bar to fill and the pace on ``day``."""
    share = elapsed_share(period, day)
    paced = []
    for row in rows:
        attainment = row["attainment"]
        bar = None if attainment is None else min(max(attainment * 100, ZERO), Decimal(150))
        pace = None if attainment is None or not share else attainment / share
        paced.append({**row, "bar_percent": bar, "pace": pace})
    return paced


def measures(
    conn: Connection, run_id: int, payee_id: str, period: Period, day: dt.date
) -> list[dict[str, Any]]:
    """The period's measures with attainment, the share of the bar to fill, and the pace."""
    return with_pace(measure_rows(conn, run_id, payee_id, period.label), period, day)


@cache
def _plans_used() -> Select[Any]:
    e = run_earning.c
    return (
        select(e.plan_id, e.plan_version)
        .distinct()
        .where(e.run_id == RUN, e.payee_id == PAYEE, e.period_label == bindparam("period_label"))
    )


def plans_used(conn: Connection, run_id: int, payee_id: str, period: str) -> list[PlanDocument]:
    """The plan versions the run paid the payee by in ``period``."""
    documents = []
    for row in conn.execute(_plans_used(), {"run_id": run_id, "payee_id": payee_id, "period_label": period}):
        stored = get_version(conn, row.plan_id, row.plan_version)
        parsed = parsed_plan(stored.plan_id, stored.version, stored.sha256, stored.document)
        if parsed is not None:
            documents.append(parsed)
    return documents


def next_tiers(plans: list[PlanDocument], measure_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per tiered component: the measure value still needed to reach the next tier (in the plan's
    currency), and its rate."""
    by_measure = {m["measure_id"]: m for m in measure_rows}
    found = []
    for plan in plans:
        for component in plan.components:
            if not isinstance(component, TieredComponent) or component.rate_of is not RateOf.CREDIT:
                continue
            measure = by_measure.get(component.measure)
            if measure is None or measure["value"] is None:
                continue
            found.append(_next_tier(plan.plan, plan.currency, component, measure))
    return found


def _next_tier(
    plan_id: str, currency: str, component: TieredComponent, measure: dict[str, Any]
) -> dict[str, Any]:
    curve = as_curve(component.tiers, component.rating, component.boundary)
    quota = measure["quota_prorated"] if component.basis is Basis.ATTAINMENT else None
    value = measure["value"]
    item: dict[str, Any] = {
        "plan_id": plan_id,
        "currency": currency,
        "component_id": component.id,
        "measure_id": component.measure,
        "value": value,
        "more": None,
        "next_rate": None,
        "current_rate": None,
    }
    if component.basis is Basis.ATTAINMENT and not quota:
        return item  # no quota: attainment tiers cannot be placed
    here = tier_of(curve, value, quota)
    item["current_rate"] = None if here is None else here.rate
    more = distance_to_next_tier(curve, value, quota=quota)
    if more is not None:
        following = curve.tiers[0] if here is None else curve.tiers[here.index]
        item["more"], item["next_rate"] = more, following.rate
    return item


@cache
def _deals() -> Select[Any]:
    e, t = run_earning.c, transaction_table.c
    return (
        select(
            e.transaction_id,
            e.period_label,
            e.component_id,
            e.plan_id,
            e.plan_version,
            e.amount,
            t.date,
            t.amount.label("deal_amount"),
            t.currency,
            account_table.c.name.label("account_name"),
        )
        .outerjoin(transaction_table, t.transaction_id == e.transaction_id)
        .outerjoin(account_table, account_table.c.account_id == t.account_id)
        .where(e.run_id == RUN, e.payee_id == PAYEE, e.transaction_id.is_not(None))
        .order_by(t.date.desc(), e.transaction_id.desc(), e.earning_id)
    )


def recent_deals(
    conn: Connection, run_id: int, payee_id: str, limit: int = RECENT_DEALS
) -> list[dict[str, Any]]:
    """The payee's newest credited deals of the run, each with its commission per currency (``commissions``:
    exact sums of its earnings in each plan's currency; never one sum across currencies)."""
    deals: dict[str, dict[str, Any]] = {}
    currencies: dict[tuple[str, int], str | None] = {}
    for row in conn.execute(_deals(), {"run_id": run_id, "payee_id": payee_id}):
        deal = deals.get(row.transaction_id)
        if deal is None:
            if len(deals) == limit:
                break
            deal = deals[row.transaction_id] = {
                "transaction_id": row.transaction_id,
                "date": row.date,
                "deal_amount": row.deal_amount,
                "currency": row.currency,
                "account_name": row.account_name,
                "earned": [],
                "periods": set(),
            }
        plan = (row.plan_id, row.plan_version)
        if plan not in currencies:
            currencies[plan] = plan_currency(conn, *plan)
        deal["earned"].append((currencies[plan], row.amount))
        deal["periods"].add(row.period_label)
    return [_deal(d) for d in deals.values()]


def _deal(deal: dict[str, Any]) -> dict[str, Any]:
    earned = deal.pop("earned")
    commissions = per_currency(earned)
    return {**deal, "periods": sorted(deal["periods"]), "commissions": commissions}


@cache
def _balances() -> Select[Any]:
    b = payout_balance.c
    return (
        select(b.period_label, b.plan_id, b.draw_id, b.draw_kind, b.balance_after)
        .where(b.run_id == RUN, b.period_label.in_(bindparam("labels", expanding=True)), b.payee_id == PAYEE)
        .order_by(b.period_label, b.draw_id)
    )


def draw_balances(
    conn: Connection, run_id: int, payee_id: str, period: str, labels: list[str] | None = None
) -> list[dict[str, Any]]:
    """Each draw's balance owed by the payee at the end of the newest period up to ``period``.

    ``labels`` are the run's periods of the payee (read from its measures when not given): balances
    are indexed by (run, period, payee), so naming the periods reads only the payee's rows."""
    if labels is None:
        labels = [p.label for p in run_periods(conn, run_id, payee_id)]
    wanted = [label for label in labels if label <= period] or [period]
    latest: dict[str, dict[str, Any]] = {}
    params = {"run_id": run_id, "payee_id": payee_id, "labels": wanted}
    for row in conn.execute(_balances(), params):
        latest[row.draw_id] = dict(row._mapping)
    return list(latest.values())


def with_draw_currencies(draws: list[dict[str, Any]], plans: list[PlanDocument]) -> list[dict[str, Any]]:
    """The draw balances, each with its plan's currency (the plan it is a draw of)."""
    currency_of = {plan.plan: plan.currency for plan in plans}
    return [{**draw, "currency": currency_of.get(draw["plan_id"])} for draw in draws]


@cache
def _disputes() -> Select[Any]:
    d = dispute.c
    return (
        select(d.id, d.payout_id, d.period_label, d.message, d.status, d.answer, d.created_at)
        .where(d.payee_id == PAYEE, d.status.in_(OPEN_DISPUTES))
        .order_by(d.created_at.desc())
    )


def open_disputes(conn: Connection, payee_id: str) -> list[dict[str, Any]]:
    """The payee's disputes still waiting for an answer or a resolution."""
    return [dict(r._mapping) for r in conn.execute(_disputes(), {"payee_id": payee_id})]


def rep_home(conn: Connection, principal: Principal, payee_id: str, day: dt.date) -> dict[str, Any]:
    """Everything the rep home shows for ``payee_id`` (``NOT_FOUND`` outside the principal's scope)."""
    profile = access.payee_profile(conn, principal, payee_id, day)
    home: dict[str, Any] = {
        "payee": profile,
        "run_id": None,
        "period": None,
        "disputes": open_disputes(conn, payee_id),
    }
    key = run_key(conn, payee_id)
    if key is None:
        return home
    run_id = key[1]
    periods = RUN_VIEWS.get((*key, payee_id), lambda: run_periods(conn, run_id, payee_id))
    period = period_on(periods, day)
    if period is None:
        return home
    labels = [p.label for p in periods]
    view = RUN_VIEWS.get((*key, payee_id, period.label),
                         lambda: run_view(conn, run_id, payee_id, period, labels))
    home.update(view)
    home["measures"] = with_pace(view["measures"], period, day)
    return home


def run_view(
    conn: Connection, run_id: int, payee_id: str, period: Period, labels: list[str] | None = None
) -> dict[str, Any]:
    """What the rep home shows of one run for the payee and period (none of it changes with the run)."""
    lines = [dict(r._mapping) for r in conn.execute(_lines(), {"run_id": run_id, "payee_id": payee_id})]
    plans = plans_used(conn, run_id, payee_id, period.label)
    currencies = run_currencies(conn, run_id, [payee_id], period.label)
    rows = measure_rows(conn, run_id, payee_id, period.label)
    rows = with_currencies(rows, currencies, payee_id, period.label)
    own = currencies.of_payee(payee_id, period.label) or tuple(sorted({plan.currency for plan in plans}))
    return {
        "run_id": run_id,
        "period": period,
        "plan_currencies": own,
        "plan_currency": own[0] if len(own) == 1 else None,
        "earnings": earnings(lines, period.label),
        "lines": [line for line in lines if line["period_label"] == period.label],
        "statement_periods": sorted({line["period_label"] for line in lines}, reverse=True),
        "measures": rows,
        "next_tiers": next_tiers(plans, rows),
        "deals": recent_deals(conn, run_id, payee_id),
        "draws": with_draw_currencies(draw_balances(conn, run_id, payee_id, period.label, labels), plans),
    }


def with_currencies(
    rows: list[dict[str, Any]], currencies: RunCurrencies, payee_id: str, period: str
) -> list[dict[str, Any]]:
    """The measure rows, each with its own plan's currency (None when not known)."""
    return [{**row, "currency": currencies.measure(payee_id, period, row["measure_id"])} for row in rows]
