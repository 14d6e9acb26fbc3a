"""Why a deal paid what it did: its source row, its credits and its earning lines, from the newest run.

Each earning line names its plan's currency (its component total's, else its plan version's); a deal
that earned under a KWD plan and a USD plan has one total per currency, never one number.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, String, bindparam, select

from attain.services import access
from attain.services.access import Principal
from attain.services.home.stored_run import PAYEE, RUN, newest_run
from attain.services.run_currency import per_currency, plan_currency, run_currencies
from attain.store.tables import ENTITY_TABLES, run_credit, run_earning

transaction_table = ENTITY_TABLES["transaction"]
DEAL = bindparam("transaction_id", type_=String())


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
