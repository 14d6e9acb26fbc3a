"""Payee data for the signed-in principal: payees, one payee's detail, transactions, opportunities.

Every read is scoped by ``attain.services.access``: a payee outside the caller's scope answers 404
exactly like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from attain.api.deps import ContextDep, PrincipalDep, WindowDep, today
from attain.api.schemas import Me, OpportunityPage, PayeeDetail, PayeePage, TransactionPage
from attain.core.entities import OPPORTUNITY_STATUSES, TRANSACTION_KINDS
from attain.services import access
from attain.store.db import reading

router = APIRouter(tags=["payees"])

Kind = Annotated[str | None, Query(description=f"one of {', '.join(TRANSACTION_KINDS)}",
                                   pattern="^(" + "|".join(TRANSACTION_KINDS) + ")$")]
Status = Annotated[str | None, Query(pattern="^(" + "|".join(OPPORTUNITY_STATUSES) + ")$")]


@router.get("/me", response_model=Me, tags=["auth"])
def me(principal: PrincipalDep) -> Me:
    """Who you are signed in as, your role and how far you can see."""
    return Me(user_id=principal.user_id, username=principal.username, role=principal.role,
              payee_id=principal.payee_id, scope=principal.scope.value,
              via="session" if principal.token_id is None else "token")


@router.get("/payees", response_model=PayeePage)
def list_payees(principal: PrincipalDep, context: ContextDep, page: WindowDep,
                q: Annotated[str, Query(max_length=100, description="name or id contains")] = "") -> object:
    """Payees you may see, by name, with their current manager (a planner: every payee)."""
    with reading(context.url) as conn:
        return access.list_payees(conn, principal, today(), q, page.limit, page.offset, directory=True)


@router.get("/payees/{payee_id:path}", response_model=PayeeDetail)
def get_payee(payee_id: str, principal: PrincipalDep, context: ContextDep) -> object:
    """One payee: profile, manager chain, direct reports, quotas, recent transactions and deals (a
    planner: the record, hierarchy and quotas only)."""
    with reading(context.url) as conn:
        return access.payee_detail(conn, principal, payee_id, today())


@router.get("/transactions", response_model=TransactionPage)
def list_transactions(
    principal: PrincipalDep, context: ContextDep, page: WindowDep,
    payee_id: Annotated[str | None, Query(description="owner payee id")] = None,
    kind: Kind = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    q: Annotated[str, Query(max_length=100, description="transaction id or account name contains")] = "",
) -> object:
    """Transactions owned by payees you may see, newest first."""
    where = access.TransactionFilter(payee_id, kind, date_from, date_to, q)
    with reading(context.url) as conn:
        return access.list_transactions(conn, principal, today(), where, page.limit, page.offset)


@router.get("/opportunities", response_model=OpportunityPage)
def list_opportunities(principal: PrincipalDep, context: ContextDep, page: WindowDep,
                       payee_id: str | None = None, status: Status = None) -> object:
    """Opportunities owned by payees you may see, latest first."""
    with reading(context.url) as conn:
        return access.list_opportunities(conn, principal, today(), payee_id, status,
                                         page.limit, page.offset)
