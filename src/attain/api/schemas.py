"""The shapes the REST API reads and writes (published in the OpenAPI document).

Money is a decimal serialized as a JSON string ("1234.50"), never a float.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CurrencyAmount(BaseModel):
    """An amount in one currency: one of a list with an entry per currency, never a sum across them."""

    currency: str | None = Field(description="ISO 4217 code; null when the plan's currency is not known")
    amount: Decimal = Field(
        description="exact decimal string at the currency's minor unit, half-even "
        "('70.002' KWD, '5.00' USD); unrounded when the currency is not known"
    )


class Me(Out):
    user_id: int
    username: str
    role: str
    payee_id: str | None
    scope: str
    via: str = Field(description="'session' or 'token'")


class Payee(Out):
    payee_id: str
    name: str
    email: str | None = None
    title: str | None = None
    office_id: str | None = None
    currency: str | None = None
    hire_date: dt.date | None = None
    termination_date: dt.date | None = None


class PayeeRow(Payee):
    manager_id: str | None = None
    manager_name: str | None = None


class PersonRef(Out):
    payee_id: str
    name: str | None = None
    title: str | None = None
    level: int | None = None


class Quota(Out):
    measure: str
    period_start: dt.date
    period_end: dt.date
    amount: Decimal
    currency: str | None = None
    version: int | None = None


class Transaction(Out):
    transaction_id: str
    kind: str
    date: dt.date
    amount: Decimal
    currency: str | None = None
    quantity: Decimal | None = None
    account_id: str | None = None
    account_name: str | None = None
    product_id: str | None = None
    owner_id: str | None = None
    owner_name: str | None = None
    opportunity_id: str | None = None
    reverses_id: str | None = None


class Opportunity(Out):
    opportunity_id: str
    name: str | None = None
    account_id: str | None = None
    account_name: str | None = None
    owner_id: str | None = None
    product_id: str | None = None
    stage: str | None = None
    status: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    created_date: dt.date | None = None
    engage_date: dt.date | None = None
    close_date: dt.date | None = None


class PayeeDetail(Out):
    payee: Payee
    manager_chain: list[PersonRef]
    direct_reports: list[PersonRef]
    quotas: list[Quota]
    recent_transactions: list[Transaction]
    recent_opportunities: list[Opportunity]


class PageMeta(Out):
    total: int
    limit: int
    offset: int


class PayeePage(PageMeta):
    items: list[PayeeRow]


class TransactionPage(PageMeta):
    items: list[Transaction]


class OpportunityPage(PageMeta):
    items: list[Opportunity]


class User(Out):
    id: int
    username: str
    role: str
    payee_id: str | None = None
    active: bool
    failed_logins: int
    locked_until: dt.datetime | None = None
    created_at: dt.datetime | None = None


class UserCreate(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=256)
    role: str
    payee_id: str | None = None


class PasswordReset(BaseModel):
    password: str = Field(min_length=1, max_length=256)


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="what the token is for")


class Token(Out):
    id: int
    name: str
    created_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None
    revoked: bool
    revoked_at: dt.datetime | None = None


class TokenCreated(BaseModel):
    id: int
    name: str
    token: str = Field(description="the secret; shown only once, store it safely")


class AuditEntry(Out):
    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    key: str | None = None
    before: Any = None
    after: Any = None


class AuditPage(PageMeta):
    items: list[AuditEntry]
