"""Pay data of one payee (the rep home as JSON) and a deal's explanation; amounts are exact decimal strings.

Scoped by ``attain.services.home`` like the pages: a payee or deal outside the caller's scope answers
404 ``AUTH007``.

Every amount names its currency (its plan's), and amounts in two currencies are never added: a deal
that earned under a KWD plan and a USD plan has ``commissions`` / ``totals`` with one entry per
currency (70.002 KWD and 5.00 USD, ``attain.api.amounts``). The single ``commission`` / ``total``
of older clients is kept, with its ``commission_currency`` / ``currency``, only when every amount
shares one currency; otherwise both are null. docs/api.md describes the shapes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from attain.api.amounts import currency_totals, one_currency
from attain.api.deps import ContextDep, PrincipalDep, today
from attain.api.schemas import CurrencyAmount
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
    currency: str | None = Field(
        default=None, description="the currency of the plan defining the measure; a count stays a count"
    )


class NextTierOut(BaseModel):
    plan_id: str
    currency: str | None = Field(default=None, description="the plan's currency (value and more are in it)")
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
    currency: str | None = Field(description="the deal's own currency (of deal_amount)")
    commission: Decimal | None = Field(
        description="exact sum of the deal's earnings when they share one currency "
        "(commission_currency); null when they are in several"
    )
    commission_currency: str | None = Field(
        default=None, description="the currency of commission; null with several"
    )
    commissions: list[CurrencyAmount] = Field(
        default=[], description="the deal's commission per plan currency, at each currency's places"
    )


class PayHome(BaseModel):
    payee_id: str
    run_id: int | None
    period: PeriodOut | None
    plan_currencies: list[str] = Field(default=[], description="the payee's plan currencies in the period")
    plan_currency: str | None = Field(default=None, description="their one plan currency; null with several")
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
    amount: Decimal = Field(description="exact, unrounded (the trace's scale)")
    currency: str | None = Field(default=None, description="the currency of the line's plan")
    explanation: str | None


class DealTrace(BaseModel):
    run_id: int
    payee_id: str
    transaction_id: str
    total: Decimal | None = Field(
        description="exact sum of the earnings when they share one currency (currency); "
        "null when they are in several: read totals"
    )
    currency: str | None = Field(default=None, description="the currency of total; null with several")
    totals: list[CurrencyAmount] = Field(
        default=[], description="one total per currency, at its places (never a cross-currency sum)"
    )
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
        plan_currencies=list(data["plan_currencies"]),
        plan_currency=data["plan_currency"],
        paid_this_period=data["earnings"]["period"],
        paid_year_to_date=data["earnings"]["year_to_date"],
        measures=[MeasureOut(**m) for m in data["measures"]],
        next_tiers=[NextTierOut(**t) for t in data["next_tiers"]],
        deals=[deal_out(d) for d in data["deals"]],
        statement_periods=data["statement_periods"],
    )


@router.get("/pay/{payee_id}/deals/{transaction_id}", response_model=DealTrace)
def deal_trace(payee_id: str, transaction_id: str, principal: PrincipalDep, context: ContextDep) -> DealTrace:
    """Why a deal paid what it did: each earning row with its rule, tier and rate."""
    with reading(context.url) as conn:
        trace = home.explain_deal(conn, principal, payee_id, transaction_id, today())
    total, currency = one_currency(trace["totals"])
    return DealTrace(
        run_id=trace["run_id"],
        payee_id=payee_id,
        transaction_id=transaction_id,
        total=total,
        currency=currency,
        totals=currency_totals(trace["totals"]),
        earnings=[EarningOut(**e) for e in trace["earnings"]],
    )


def deal_out(deal: dict[str, Any]) -> DealOut:
    """A recent deal with its commission per currency (one number only when there is one currency)."""
    commission, currency = one_currency(deal["commissions"])
    return DealOut(
        transaction_id=deal["transaction_id"],
        date=deal["date"],
        deal_amount=deal["deal_amount"],
        currency=deal["currency"],
        commission=commission,
        commission_currency=currency,
        commissions=currency_totals(deal["commissions"]),
    )
