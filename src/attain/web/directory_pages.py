"""Payee pages: the payees list with search and paging, one payee's page, the transactions list.

The list and the payee page read the directory (a planner: every payee's record, hierarchy and
quotas); results on the payee page and transactions stay in the pay scope (a planner sees none)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from attain.api.deps import ContextDep, PrincipalDep, WindowDep, today
from attain.core.entities import TRANSACTION_KINDS
from attain.services import access
from attain.store.db import reading
from attain.web.templating import render

router = APIRouter(include_in_schema=False)

Search = Annotated[str, Query(max_length=100)]


@router.get("/payees")
def payees(request: Request, principal: PrincipalDep, context: ContextDep, page: WindowDep,
           q: Search = "") -> Response:
    with reading(context.url) as conn:
        found = access.list_payees(conn, principal, today(), q, page.limit, page.offset, directory=True)
    return render(request, "payees.html", {"page": found, "q": q})


@router.get("/payees/{payee_id:path}")
def payee(request: Request, payee_id: str, principal: PrincipalDep, context: ContextDep) -> Response:
    day = today()
    with reading(context.url) as conn:
        detail = access.payee_detail(conn, principal, payee_id, day)
        results = (access.latest_results(conn, principal, payee_id, day)
                   if access.allowed(principal, "pay.read") else None)
    return render(request, "payee.html", {**detail, "results": results, "day": day})


def _optional_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


@router.get("/transactions")
def transactions(request: Request, principal: PrincipalDep, context: ContextDep, page: WindowDep,
                 q: Search = "", payee_id: Search = "", kind: Search = "",
                 date_from: Search = "", date_to: Search = "") -> Response:
    where = access.TransactionFilter(
        owner_id=payee_id or None, kind=kind if kind in TRANSACTION_KINDS else None,
        date_from=_optional_date(date_from), date_to=_optional_date(date_to), search=q)
    with reading(context.url) as conn:
        found = access.list_transactions(conn, principal, today(), where, page.limit, page.offset)
    values = {"page": found, "q": q, "payee_id": payee_id, "kind": where.kind or "",
              "date_from": date_from, "date_to": date_to, "kinds": TRANSACTION_KINDS}
    return render(request, "transactions.html", values)
