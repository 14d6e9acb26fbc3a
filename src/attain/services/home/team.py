"""The manager's team page: attainment of everyone in scope for the newest run's current period, the
leaderboard by paid amount (one entry per payee and currency, exact sums) and the team's open disputes.

Managers see their hierarchy as of ``day``; admin and finance everyone. Each measure is in its own plan's
currency (``run_currency``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, select

from attain.services import access
from attain.services.access import Principal
from attain.services.home.rep import OPEN_DISPUTES
from attain.services.home.stored_run import RUN, ZERO, Period
from attain.services.run_currency import run_currencies
from attain.store.tables import calc_run, dispute, payout, run_measure


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
