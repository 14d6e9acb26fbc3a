"""The rep home: what a payee earned, how far they are on each measure, and why each deal paid.

Everything is read from the newest *succeeded* calculation run that has payout lines for the payee
(``access.latest_results`` picks the same run); nothing is estimated here (see ``estimator``).

- **this period / year to date**: paid amounts (``payout.amount_rounded``) summed exactly in Python
  (SQLite's SUM would use floats) for the current period and for the periods of its year up to it;
- **attainment**: the run's ``run_measure`` rows of the current period, with the *pace*: attainment
  divided by the share of the period elapsed on ``day`` (None before the period or after its end);
- **next tier**: for each tiered component of the payee's plan on a measure, the measure value still
  needed to reach the next tier (``components.tiers.distance_to_next_tier``) and that tier's rate;
- **recent deals**: earning rows with a transaction, summed per deal and currency; ``explain_deal``
  returns the trace (credit rule, share, credit, tier, rate, amount, source row).

Every figure is in its own plan's currency (``run_currency``): each measure, next tier, deal commission,
draw balance and earning line names it, so a payee on a USD plan and a KWD plan in one period sees
each at its own places (1,000.25 and 2,000.057), and amounts in two currencies are never added into
one number (a deal or a trace has one total per currency). ``plan_currency`` is the payee's one plan
currency, None when they have several (``plan_currencies`` lists them).

The current period is the newest period of the run whose start is on or before ``day`` (the newest
period of the run when all of them lie in the future).

A stored run never changes, so what the page shows from it (lines, measures, next tiers, deals, draws,
the periods the payee has a statement for) is kept in ``RUN_VIEWS`` per (database, run, its finish time,
payee, period) and read from the store once. A new run is a new key: nothing has to be invalidated.
Scope, the payee's record, open disputes and the pace (it depends on the day) are read or computed on
every request, so what is kept is only ever handed out after the scope check of the asking principal.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Integer, Select, String, bindparam, select

from attain.components.tiers import as_curve, distance_to_next_tier, tier_of
from attain.plans.schema import Basis, PlanDocument, RateOf, TieredComponent
from attain.services import access
from attain.services.access import Principal
from attain.services.run_currency import (
    RunCurrencies,
    parsed_plan,
    per_currency,
    plan_currency,
    run_currencies,
)
from attain.store.plans import get_version
from attain.store.tables import (
    ENTITY_TABLES,
    calc_run,
    dispute,
    payout,
    payout_balance,
    run_credit,
    run_earning,
    run_measure,
)

ZERO = Decimal(0)
RECENT_DEALS = 10
RUN = bindparam("run_id", type_=Integer())
PAYEE = bindparam("payee_id", type_=String())
DEAL = bindparam("transaction_id", type_=String())
OPEN_DISPUTES = ("open", "assigned", "answered")
transaction_table = ENTITY_TABLES["transaction"]
account_table = ENTITY_TABLES["account"]


@dataclass(frozen=True, slots=True)
class Period:
    """The pay period the home page is about."""

    label: str
    start: dt.date
    end: dt.date


T = TypeVar("T")


class RunViews:
    """A bounded, thread-safe memo of what never changes for a stored run (least recently used out)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value kept for ``key``, computed (outside the lock) and kept when missing."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


RUN_VIEWS = RunViews(4096)
"""Rep-home data per (database, run, finished at, payee, period): a few kB each."""
STATEMENTS_PAID = "statement periods"
"""The last part of the ``RUN_VIEWS`` key of a payee's paid periods (a period label never reads so)."""


@cache
def _newest_stamp() -> Select[Any]:
    newest = access._result_statements()[0].scalar_subquery()
    return select(calc_run.c.id, calc_run.c.finished_at).where(calc_run.c.id == newest)


def run_key(conn: Connection, payee_id: str) -> tuple[str, int, Any] | None:
    """(database, run id, finished at) of the payee's newest run: the key of what is kept about it."""
    row = conn.execute(_newest_stamp(), {"payee_id": payee_id}).first()
    if row is None:
        return None
    return (conn.engine.url.render_as_string(hide_password=False), int(row.id), row.finished_at)


def newest_run(conn: Connection, payee_id: str) -> int | None:
    """The newest succeeded run with payout lines for the payee (the one every page shows)."""
    newest = conn.execute(access._result_statements()[0], {"payee_id": payee_id}).scalar_one()
    return None if newest is None else int(newest)


@cache
def _periods() -> Select[Any]:
    m = run_measure.c
    return (
        select(m.period_label, m.period_start, m.period_end)
        .distinct()
        .where(m.run_id == RUN, m.payee_id == PAYEE)
        .order_by(m.period_start, m.period_label)
    )


def run_periods(conn: Connection, run_id: int, payee_id: str) -> list[Period]:
    """The run's periods of the payee, oldest first."""
    return [
        Period(r.period_label, r.period_start, r.period_end)
        for r in conn.execute(_periods(), {"run_id": run_id, "payee_id": payee_id})
    ]


def period_on(periods: list[Period], day: dt.date) -> Period | None:
    """The newest of ``periods`` started on or before ``day`` (else the newest one)."""
    started = [p for p in periods if p.start <= day]
    return (started or periods)[-1] if periods else None


def current_period(conn: Connection, run_id: int, payee_id: str, day: dt.date) -> Period | None:
    """The newest period of the run started on or before ``day`` (else the run's newest period)."""
    return period_on(run_periods(conn, run_id, payee_id), day)


def elapsed_share(period: Period, day: dt.date) -> Decimal | None:
    """Share of the period's days gone by on ``day`` (inclusive); None outside the period."""
    if not period.start <= day <= period.end:
        return None
    days = (period.end - period.start).days + 1
    return Decimal((day - period.start).days + 1) / Decimal(days)


def payout_of_run(run_id: ColumnElement[int]) -> ColumnElement[bool]:
    """``payout.run_id = :run_id``; with an equality on the payee too, the (payee, run, period) index
    (migration 0006) finds the payee's lines of that run without reading the run's other lines."""
    return payout.c.run_id == run_id


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
    exact sums of its earnings in each plan's currency). ``commission`` is the plain sum the JSON API
    still reports (it has no currency field): meaningful only with one currency, pages never show it."""
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
    return {**deal, "periods": sorted(deal["periods"]), "commissions": commissions,
            "commission": sum((amount for _, amount in earned), ZERO)}


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


# -- the explanation of one deal ------------------------------------------------------------------


@cache
def _trace() -> tuple[Select[Any], Select[Any]]:
    e, c = run_earning.c, run_credit.c
    earning_rows = (
        select(
            e.period_label,
            e.plan_id,
            e.plan_version,
            e.component_id,
            e.component_kind,
            e.credit_id,
            e.rule_id,
            e.basis_before,
            e.basis_after,
            e.tier_index,
            e.tier_rate,
            e.rate_or_factor,
            e.amount,
            e.explanation,
        )
        .where(e.run_id == RUN, e.payee_id == PAYEE, e.transaction_id == DEAL)
        .order_by(e.period_label, e.earning_id)
    )
    credit_rows = (
        select(c.credit_id, c.rule_id, c.rule_kind, c.share, c.level, c.credit, c.date, c.period_label)
        .where(c.run_id == RUN, c.payee_id == PAYEE, c.transaction_id == DEAL)
        .order_by(c.credit_id)
    )
    return earning_rows, credit_rows


@cache
def _source_row() -> Select[Any]:
    t = transaction_table.c
    return select(
        t.transaction_id,
        t.kind,
        t.date,
        t.amount,
        t.currency,
        t.owner_id,
        t.account_id,
        t.product_id,
        t.opportunity_id,
        t.source_file,
        t.source_line,
    ).where(t.transaction_id == DEAL)


def explain_deal(
    conn: Connection, principal: Principal, payee_id: str, transaction_id: str, day: dt.date
) -> dict[str, Any]:
    """Why a deal paid the payee what it did: the source row, its credits and its earning rows.

    ``NOT_FOUND`` when the payee is outside the principal's scope or the newest run has no earning
    of the payee on that deal (a deal credited to someone else is not revealed).
    """
    access.ensure_payee_visible(conn, principal, payee_id, day)
    run_id = newest_run(conn, payee_id)
    if run_id is None:
        raise access.not_found("deal", transaction_id)
    params = {"run_id": run_id, "payee_id": payee_id, "transaction_id": transaction_id}
    earning_rows, credit_rows = _trace()
    earned = [dict(r._mapping) for r in conn.execute(earning_rows, params)]
    if not earned:
        raise access.not_found("deal", transaction_id)
    credits = {r.credit_id: dict(r._mapping) for r in conn.execute(credit_rows, params)}
    for row in earned:
        row["credit"] = credits.get(row["credit_id"])
    source = conn.execute(_source_row(), params).first()
    _with_earning_currencies(conn, run_id, payee_id, earned)
    totals = per_currency((row["currency"], row["amount"]) for row in earned)
    one = len(totals) == 1
    return {
        "run_id": run_id,
        "payee_id": payee_id,
        "transaction_id": transaction_id,
        "plan_currency": next(iter(totals)) if one else None,
        "source": None if source is None else dict(source._mapping),
        "credits": list(credits.values()),
        "earnings": earned,
        "totals": totals,
        "total": sum((row["amount"] for row in earned), ZERO),  # the JSON API's (one currency); pages: totals
    }


def _with_earning_currencies(
    conn: Connection, run_id: int, payee_id: str, earned: list[dict[str, Any]]
) -> None:
    """Name each earning row's currency: its component total's for the payee and period (the plan
    currency the run earned in), else its plan version's."""
    currencies = run_currencies(conn, run_id, [payee_id])
    for row in earned:
        row["currency"] = (currencies.component(payee_id, row["period_label"], row["component_id"])
                           or plan_currency(conn, row["plan_id"], row["plan_version"]))


def run_of(conn: Connection, run_id: int) -> dict[str, Any] | None:
    """The run's status and times (for "calculated on ..." notes)."""
    row = conn.execute(
        select(calc_run.c.id, calc_run.c.status, calc_run.c.finished_at).where(calc_run.c.id == run_id)
    ).first()
    return None if row is None else dict(row._mapping)


# -- the manager's team ---------------------------------------------------------------------------


def _team_run(conn: Connection, principal: Principal, day: dt.date) -> int | None:
    p = payout.c
    query = (
        select(p.run_id)
        .join(calc_run, calc_run.c.id == p.run_id)
        .where(calc_run.c.status == "succeeded", access.payee_filter(p.payee_id, principal.scope))
        .order_by(p.run_id.desc())
        .limit(1)
    )
    found = conn.execute(query, access.scope_params(principal, day)).scalar()
    return None if found is None else int(found)


def _team_period(conn: Connection, run_id: int, day: dt.date) -> Period | None:
    m = run_measure.c
    rows = conn.execute(
        select(m.period_label, m.period_start, m.period_end)
        .distinct()
        .where(m.run_id == run_id)
        .order_by(m.period_start, m.period_label)
    ).all()
    periods = [Period(r.period_label, r.period_start, r.period_end) for r in rows]
    started = [p for p in periods if p.start <= day]
    chosen = started or periods
    return chosen[-1] if chosen else None


def team_overview(conn: Connection, principal: Principal, day: dt.date) -> dict[str, Any]:
    """Attainment of everyone in the principal's scope for the newest run's current period, and a leaderboard
    by paid amount (exact sums). Managers see their hierarchy as of ``day``; admin and finance everyone."""
    run_id = _team_run(conn, principal, day)
    period = None if run_id is None else _team_period(conn, run_id, day)
    if run_id is None or period is None:
        return {"run_id": None, "period": None, "rows": [], "leaders": []}
    params = access.scope_params(principal, day, run_id=run_id, period_label=period.label)
    m, p, who = run_measure.c, payout.c, access.payee_table.c
    measure_rows = conn.execute(
        select(m.payee_id, who.name, m.measure_id, m.value, m.quota_prorated, m.attainment)
        .join(access.payee_table, who.payee_id == m.payee_id)
        .where(
            m.run_id == RUN,
            m.period_label == bindparam("period_label"),
            access.payee_filter(m.payee_id, principal.scope),
        )
        .order_by(who.name, m.payee_id, m.measure_id),
        params,
    ).all()
    paid: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    names = {}
    for line in conn.execute(
        select(p.payee_id, who.name, p.currency, p.amount_rounded)
        .join(access.payee_table, who.payee_id == p.payee_id)
        .where(
            p.run_id == RUN,
            p.period_label == bindparam("period_label"),
            access.payee_filter(p.payee_id, principal.scope),
        ),
        params,
    ):
        paid[(line.payee_id, line.currency)] += line.amount_rounded
        names[line.payee_id] = line.name
    currencies = run_currencies(conn, run_id, None, period.label)
    rows = []
    for row in measure_rows:
        item = dict(row._mapping)
        item["currency"] = currencies.measure(row.payee_id, period.label, row.measure_id)
        item["bar_percent"] = (
            None if row.attainment is None else min(max(row.attainment * 100, ZERO), Decimal(150))
        )
        rows.append(item)
    leaders = sorted(
        ({"payee_id": k[0], "name": names[k[0]], "currency": k[1], "amount": v} for k, v in paid.items()),
        key=lambda r: (-r["amount"], r["name"]),
    )
    return {"run_id": run_id, "period": period, "rows": rows, "leaders": leaders}


def team_disputes(conn: Connection, principal: Principal, day: dt.date) -> list[dict[str, Any]]:
    """Open disputes of payees in the principal's scope, newest first."""
    d, who = dispute.c, access.payee_table.c
    query = (
        select(d.id, d.payee_id, who.name, d.period_label, d.message, d.status, d.created_at)
        .join(access.payee_table, who.payee_id == d.payee_id)
        .where(d.status.in_(OPEN_DISPUTES), access.payee_filter(d.payee_id, principal.scope))
        .order_by(d.created_at.desc())
    )
    return [dict(r._mapping) for r in conn.execute(query, access.scope_params(principal, day))]
