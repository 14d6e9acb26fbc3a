"""Pay data of one payee (the rep home as JSON) and a deal's explanation; amounts are exact decimal strings.

Scoped by ``attain.services.home`` like the pages: a payee or deal outside the caller's scope answers
404 ``AUTH007``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fastapi import APIRouter
from pydantic import BaseModel

from attain.api.deps import ContextDep, PrincipalDep, today
from attain.services import home
from attain.store.db import reading

router = APIRouter(tags=["pay"])


class PeriodOut(BaseModel):
    label: str
    start: dt.date
    end: dt.date


class MeasureOut(BaseModel):
    measure_id: str
    value: Decimal | None
    quota_prorated: Decimal | None
    attainment: Decimal | None
    pace: Decimal | None


class NextTierOut(BaseModel):
    plan_id: str
    component_id: str
    measure_id: str
    value: Decimal
    more: Decimal | None
    current_rate: Decimal | None
    next_rate: Decimal | None


class DealOut(BaseModel):
    transaction_id: str
    date: dt.date | None
    deal_amount: Decimal | None
    currency: str | None
    commission: Decimal


class PayHome(BaseModel):
    payee_id: str
    run_id: int | None
    period: PeriodOut | None
    paid_this_period: dict[str, Decimal] = {}
    paid_year_to_date: dict[str, Decimal] = {}
    measures: list[MeasureOut] = []
    next_tiers: list[NextTierOut] = []
    deals: list[DealOut] = []
    statement_periods: list[str] = []


class EarningOut(BaseModel):
    period_label: str
    plan_id: str
    plan_version: int
    component_id: str
    rule_id: str | None
    tier_index: int | None
    tier_rate: Decimal | None
    rate_or_factor: Decimal | None
    amount: Decimal
    explanation: str | None


class DealTrace(BaseModel):
    run_id: int
    payee_id: str
    transaction_id: str
    total: Decimal
    earnings: list[EarningOut]


@router.get("/pay/{payee_id}", response_model=PayHome)
def pay_home(payee_id: str, principal: PrincipalDep, context: ContextDep) -> PayHome:
    """Earnings this period and year to date, attainment and pace, next tiers, recent deals."""
    with reading(context.url) as conn:
        data = home.rep_home(conn, principal, payee_id, today())
    if data["run_id"] is None:
        return PayHome(payee_id=payee_id, run_id=None, period=None)
    period = data["period"]
    return PayHome(
        payee_id=payee_id,
        run_id=data["run_id"],
        period=PeriodOut(label=period.label, start=period.start, end=period.end),
        paid_this_period=data["earnings"]["period"],
        paid_year_to_date=data["earnings"]["year_to_date"],
        measures=[MeasureOut(**m) for m in data["measures"]],
        next_tiers=[NextTierOut(**t) for t in data["next_tiers"]],
        deals=[DealOut(**d) for d in data["deals"]],
        statement_periods=data["statement_periods"],
    )


@router.get("/pay/{payee_id}/deals/{transaction_id}", response_model=DealTrace)
def deal_trace(payee_id: str, transaction_id: str, principal: PrincipalDep, context: ContextDep) -> DealTrace:
    """Why a deal paid what it did: each earning row with its rule, tier and rate."""
    with reading(context.url) as conn:
        trace = home.explain_deal(conn, principal, payee_id, transaction_id, today())
    return DealTrace(
        run_id=trace["run_id"],
        payee_id=payee_id,
        transaction_id=transaction_id,
        total=trace["total"],
        earnings=[EarningOut(**e) for e in trace["earnings"]],
    )
