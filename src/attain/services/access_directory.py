"""Directory reads, always scoped: payees, one payee's page, transactions, opportunities, results.

Each read filters by the principal's scope in SQL (``access_scope.payee_filter``) or checks the
payee first (``ensure_payee_visible``), so a list never holds, and a detail never shows, a payee
outside the scope. Lists are paged (``Page``). Import these names from ``attain.services.access``.

The payee directory (``list_payees(directory=True)``, ``payee_detail``) reads with the principal's
``directory_scope``: a planner reads every payee's record, manager chain, reports and quotas — but
no transactions, opportunities or results, which stay in the pay scope (nothing for a planner).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Connection, Integer, Select, bindparam, func, literal, or_, select

from attain.core.errors import AttainError
from attain.services.access_scope import (
    BAD_PARAMETER,
    PAYEE,
    Principal,
    allowed,
    ensure_pay_visible,
    ensure_payee_visible,
    lines_in_force,
    payee_filter,
    payee_table,
    require,
    scope_params,
)
from attain.services.run_currency import run_currencies
from attain.store.tables import ENTITY_TABLES, calc_run, run_measure
from attain.store.tables import payout as payout_table

transaction_table = ENTITY_TABLES["transaction"]
opportunity_table = ENTITY_TABLES["opportunity"]
quota_table = ENTITY_TABLES["quota"]
account_table = ENTITY_TABLES["account"]

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
RECENT = 10
PAYEE_FIELDS = ("payee_id", "name", "email", "title", "office_id", "currency", "hire_date",
                "termination_date")


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a longer list: its rows and where it sits in the whole."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total

    @property
    def has_previous(self) -> bool:
        return self.offset > 0


def check_window(limit: int, offset: int) -> None:
    """Raise ``BAD_PARAMETER`` for a page size outside 1..MAX_LIMIT or a negative offset."""
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise AttainError(f"limit must be 1 to {MAX_LIMIT} and offset 0 or more.", code=BAD_PARAMETER)


def page_of(conn: Connection, query: Select[Any], limit: int, offset: int,
            params: dict[str, Any] | None = None) -> Page:
    """Rows ``offset`` .. ``offset + limit`` of ``query`` and how many there are in all."""
    check_window(limit, offset)
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    total = conn.execute(counted, params or {}).scalar_one()
    rows = conn.execute(query.limit(limit).offset(offset), params or {})
    return Page([dict(row._mapping) for row in rows], int(total), limit, offset)


def _rows(conn: Connection, query: Select[Any], params: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in conn.execute(query, params)]


def list_payees(conn: Connection, principal: Principal, day: dt.date, search: str = "",
                limit: int = DEFAULT_LIMIT, offset: int = 0, *, directory: bool = False) -> Page:
    """The payees the principal may see, with their manager on ``day``, by name: those whose pay they
    see, or with ``directory`` those whose record they may read (a planner: everyone)."""
    scope = principal.directory_scope if directory else principal.scope
    require(principal, "payees.list")
    current = lines_in_force()
    manager = payee_table.alias("manager")
    query = (
        select(*(payee_table.c[name] for name in PAYEE_FIELDS), current.c.manager_id,
               manager.c.name.label("manager_name"))
        .outerjoin(current, current.c.payee_id == payee_table.c.payee_id)
        .outerjoin(manager, manager.c.payee_id == current.c.manager_id)
        .where(payee_filter(payee_table.c.payee_id, scope))
        .order_by(payee_table.c.name, payee_table.c.payee_id)
    )
    if search.strip():
        text = search.strip()
        query = query.where(or_(payee_table.c.name.icontains(text, autoescape=True),
                                payee_table.c.payee_id.icontains(text, autoescape=True)))
    return page_of(conn, query, limit, offset, scope_params(principal, day))


@cache
def _profile() -> Select[Any]:
    return select(*(payee_table.c[name] for name in PAYEE_FIELDS)).where(payee_table.c.payee_id == PAYEE)


def payee_profile(conn: Connection, principal: Principal, payee_id: str, day: dt.date) -> dict[str, Any]:
    """One payee's record; ``NOT_FOUND`` when missing or outside the principal's scope."""
    ensure_payee_visible(conn, principal, payee_id, day)
    return dict(conn.execute(_profile(), {"payee_id": payee_id}).one()._mapping)


@cache
def _chain(depth: int = 20) -> Select[Any]:
    current = lines_in_force()
    start = select(current.c.manager_id, literal(1).label("level")).where(current.c.payee_id == PAYEE)
    chain = start.cte("chain", recursive=True)
    above = (select(current.c.manager_id, (chain.c.level + 1).label("level"))
             .join(chain, current.c.payee_id == chain.c.manager_id).where(chain.c.level < depth))
    chain = chain.union(above)
    return (select(chain.c.manager_id.label("payee_id"), payee_table.c.name, payee_table.c.title,
                   func.min(chain.c.level).label("level"))
            .outerjoin(payee_table, payee_table.c.payee_id == chain.c.manager_id)
            .group_by(chain.c.manager_id, payee_table.c.name, payee_table.c.title)
            .order_by(func.min(chain.c.level)))


def manager_chain(conn: Connection, payee_id: str, day: dt.date) -> list[dict[str, Any]]:
    """The payee's managers on ``day``, nearest first (at most 20 levels; a cycle ends the walk)."""
    return _rows(conn, _chain(), {"payee_id": payee_id, "day": day})


@cache
def _reports() -> Select[Any]:
    current = lines_in_force()
    return (select(payee_table.c.payee_id, payee_table.c.name, payee_table.c.title)
            .join(current, current.c.payee_id == payee_table.c.payee_id)
            .where(current.c.manager_id == PAYEE).order_by(payee_table.c.name))


def direct_reports(conn: Connection, payee_id: str, day: dt.date) -> list[dict[str, Any]]:
    """Who reports directly to the payee on ``day``, by name."""
    return _rows(conn, _reports(), {"payee_id": payee_id, "day": day})


@cache
def _quotas(limit: int = 24) -> Select[Any]:
    q = quota_table.c
    return (select(q.measure, q.period_start, q.period_end, q.amount, q.currency, q.version)
            .where(q.assignee_kind == "payee", q.assignee_id == PAYEE)
            .order_by(q.period_start.desc(), q.measure, q.version.desc()).limit(limit))


def quotas_of(conn: Connection, payee_id: str) -> list[dict[str, Any]]:
    """The payee's own quotas (latest 24, latest periods first; every version, highest first)."""
    return _rows(conn, _quotas(), {"payee_id": payee_id})


@cache
def _transactions_query() -> Select[Any]:
    t = transaction_table.c
    owner = payee_table.alias("owner")
    return (select(t.transaction_id, t.kind, t.date, t.amount, t.currency, t.quantity, t.account_id,
                   account_table.c.name.label("account_name"), t.product_id, t.owner_id,
                   owner.c.name.label("owner_name"), t.opportunity_id, t.reverses_id)
            .outerjoin(owner, owner.c.payee_id == t.owner_id)
            .outerjoin(account_table, account_table.c.account_id == t.account_id)
            .order_by(t.date.desc(), t.transaction_id.desc()))


@dataclass(frozen=True, slots=True)
class TransactionFilter:
    """What a transactions list may be narrowed by (all optional)."""

    owner_id: str | None = None
    kind: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    search: str = ""


def list_transactions(conn: Connection, principal: Principal, day: dt.date, where: TransactionFilter,
                      limit: int = DEFAULT_LIMIT, offset: int = 0) -> Page:
    """Transactions owned by payees the principal may see, newest first, filtered."""
    t = transaction_table.c
    query = _transactions_query().where(payee_filter(t.owner_id, principal.scope))
    if where.owner_id:
        query = query.where(t.owner_id == where.owner_id)
    if where.kind:
        query = query.where(t.kind == where.kind)
    if where.date_from:
        query = query.where(t.date >= where.date_from)
    if where.date_to:
        query = query.where(t.date <= where.date_to)
    if where.search.strip():
        text = where.search.strip()
        query = query.where(or_(t.transaction_id.icontains(text, autoescape=True),
                                account_table.c.name.icontains(text, autoescape=True)))
    return page_of(conn, query, limit, offset, scope_params(principal, day))


@cache
def _recent_transactions() -> Select[Any]:
    return _transactions_query().where(transaction_table.c.owner_id == PAYEE).limit(RECENT)


def recent_transactions(conn: Connection, payee_id: str) -> list[dict[str, Any]]:
    """The payee's latest transactions (call after ``ensure_payee_visible``)."""
    return _rows(conn, _recent_transactions(), {"payee_id": payee_id})


@cache
def _opportunities_query() -> Select[Any]:
    o = opportunity_table.c
    return (select(o.opportunity_id, o.name, o.account_id, account_table.c.name.label("account_name"),
                   o.owner_id, o.product_id, o.stage, o.status, o.amount, o.currency, o.created_date,
                   o.engage_date, o.close_date)
            .outerjoin(account_table, account_table.c.account_id == o.account_id)
            .order_by(func.coalesce(o.close_date, o.engage_date, o.created_date).desc(),
                      o.opportunity_id.desc()))


def list_opportunities(conn: Connection, principal: Principal, day: dt.date, owner_id: str | None = None,
                       status: str | None = None, limit: int = DEFAULT_LIMIT, offset: int = 0) -> Page:
    """Opportunities owned by payees the principal may see, latest close first."""
    o = opportunity_table.c
    query = _opportunities_query().where(payee_filter(o.owner_id, principal.scope))
    if owner_id:
        query = query.where(o.owner_id == owner_id)
    if status:
        query = query.where(o.status == status)
    return page_of(conn, query, limit, offset, scope_params(principal, day))


@cache
def _recent_opportunities() -> Select[Any]:
    return _opportunities_query().where(opportunity_table.c.owner_id == PAYEE).limit(RECENT)


def recent_opportunities(conn: Connection, payee_id: str) -> list[dict[str, Any]]:
    """The payee's latest opportunities (call after ``ensure_payee_visible``)."""
    return _rows(conn, _recent_opportunities(), {"payee_id": payee_id})


def payee_detail(conn: Connection, principal: Principal, payee_id: str, day: dt.date) -> dict[str, Any]:
    """Everything the payee page shows: profile, manager chain, reports, quotas, recent activity (the
    activity only within the pay scope: a planner reads the record, hierarchy and quotas)."""
    ensure_payee_visible(conn, principal, payee_id, day, principal.directory_scope)
    activity = allowed(principal, "pay.read")  # roles with pay read a payee's deals in their pay scope
    return {
        "payee": dict(conn.execute(_profile(), {"payee_id": payee_id}).one()._mapping),
        "manager_chain": manager_chain(conn, payee_id, day),
        "direct_reports": direct_reports(conn, payee_id, day),
        "quotas": quotas_of(conn, payee_id),
        "recent_transactions": recent_transactions(conn, payee_id) if activity else [],
        "recent_opportunities": recent_opportunities(conn, payee_id) if activity else [],
    }


def latest_results(conn: Connection, principal: Principal, payee_id: str, day: dt.date) -> dict[str, Any]:
    """The payee's payouts and attainment from the newest succeeded calculation run that has them.

    Payouts are summed per period and the currency paid in; each measure names its own plan's currency
    (``run_currency``: a payee on a USD plan and a KWD plan sees each measure at its own places).

    Empty lists (and ``run_id`` None) when nothing has been calculated yet: the pages say so
    instead of showing a number.
    """
    ensure_pay_visible(conn, principal, payee_id, day)
    statements = _result_statements()
    run_id = conn.execute(statements[0], {"payee_id": payee_id}).scalar_one()
    if run_id is None:
        return {"run_id": None, "payouts": [], "measures": []}
    params = {"payee_id": payee_id, "run_id": run_id}
    currencies = run_currencies(conn, run_id, [payee_id])
    measures = [{**row, "currency": currencies.measure(payee_id, row["period_label"], row["measure_id"])}
                for row in _rows(conn, statements[2], params)]
    return {"run_id": run_id, "payouts": _total_by_period(conn.execute(statements[1], params)),
            "measures": measures}


@cache
def _result_statements() -> tuple[Select[Any], Select[Any], Select[Any]]:
    """(newest succeeded run with payouts for :payee_id, its payout lines, its measures)."""
    p, m, run = payout_table.c, run_measure.c, bindparam("run_id", type_=Integer())
    newest = (select(func.max(p.run_id)).join(calc_run, calc_run.c.id == p.run_id)
              .where(p.payee_id == PAYEE, calc_run.c.status == "succeeded"))
    lines = (select(p.period_label, p.currency, p.amount_rounded)
             .where(p.run_id == run, p.payee_id == PAYEE).order_by(p.period_label))
    measures = (select(m.period_label, m.measure_id, m.value, m.quota_prorated, m.attainment)
                .where(m.run_id == run, m.payee_id == PAYEE).order_by(m.period_label, m.measure_id))
    return newest, lines, measures


def _total_by_period(lines: Iterable[Any]) -> list[dict[str, Any]]:
    """Payout lines summed exactly (Decimal) per period and currency: SQLite's SUM would use floats."""
    totals: dict[tuple[str, str], Decimal] = {}
    for line in lines:
        key = (line.period_label, line.currency)
        totals[key] = totals.get(key, Decimal(0)) + line.amount_rounded
    return [{"period_label": period, "currency": currency, "amount": amount}
            for (period, currency), amount in totals.items()]
