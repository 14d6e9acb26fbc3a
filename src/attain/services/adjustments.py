"""Manual adjustments: one-off payments and corrections with a reason, an author and an approval.

An adjustment is paid (once approved, by someone other than its author) by the next pay run of its
period, or of the first open period after it when that period is already paid or locked. A
correction points at the payout line it corrects (``corrects_payout_id``); history is never edited.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from attain.core.errors import AttainError
from attain.core.money import is_currency
from attain.payouts.codes import PAY040, PAY042, PAY043
from attain.store.audit import record
from attain.store.db import reading, transaction
from attain.store.tables import adjustment, payout


def _amount(value: object) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise AttainError(f"not an amount: {value!r}", code=PAY042) from exc
    if not amount.is_finite() or amount == 0 or amount != amount.quantize(Decimal("0.01")):
        raise AttainError(f"an adjustment needs a non-zero amount in cents, got {value!r}", code=PAY042)
    return amount


def add_adjustment(
    conn: Connection,
    *,
    payee_id: str,
    period_label: str,
    amount: object,
    currency: str,
    reason: str,
    author: str,
    corrects_payout_id: int | None = None,
) -> int:
    """Record an adjustment (not yet approved); returns its id."""
    if not reason.strip():
        raise AttainError("an adjustment needs a reason", code=PAY042)
    if not is_currency(currency):
        raise AttainError(f"unknown currency {currency!r}", code=PAY042)
    if (
        corrects_payout_id is not None
        and conn.execute(select(payout.c.id).where(payout.c.id == corrects_payout_id)).first() is None
    ):
        raise AttainError(f"no payout line {corrects_payout_id}", code=PAY040)
    values = {
        "payee_id": payee_id,
        "period_label": period_label,
        "amount": _amount(amount),
        "currency": currency,
        "reason": reason.strip(),
        "author": author,
        "corrects_payout_id": corrects_payout_id,
    }
    new_id = int(conn.execute(insert(adjustment).values(values).returning(adjustment.c.id)).scalar_one())
    record(conn, author, "create", "adjustment", str(new_id), None, values)
    return new_id


def create_adjustment(target: str | Engine, **fields: Any) -> int:
    with transaction(target, str(fields["author"])) as conn:
        return add_adjustment(conn, **fields)


def approve_adjustment(target: str | Engine, adjustment_id: int, *, approver: str) -> None:
    """Approve an adjustment (never by its own author); the next pay run pays it."""
    with transaction(target, approver) as conn:
        row = conn.execute(select(adjustment).where(adjustment.c.id == adjustment_id)).mappings().first()
        if row is None:
            raise AttainError(f"no adjustment {adjustment_id}", code=PAY040)
        if row["author"] == approver:
            raise AttainError("an adjustment cannot be approved by its own author", code=PAY043)
        if row["approved_by"] is not None:
            return
        after = {"approved_by": approver, "approved_at": dt.datetime.now(dt.UTC)}
        conn.execute(update(adjustment).where(adjustment.c.id == adjustment_id).values(after))
        record(conn, approver, "approve", "adjustment", str(adjustment_id), {"approved_by": None}, after)


def list_adjustments(target: str | Engine, payee_id: str | None = None) -> list[dict[str, Any]]:
    with reading(target) as conn:
        query = select(adjustment).order_by(adjustment.c.id)
        if payee_id is not None:
            query = query.where(adjustment.c.payee_id == payee_id)
        return [dict(r) for r in conn.execute(query).mappings()]
