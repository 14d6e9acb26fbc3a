"""Disputes (inquiries) on payout lines: raised by the payee, assigned, answered, resolved or adjusted.

open -> assigned -> answered -> resolved, or (from any open step) adjusted: the dispute becomes an
adjustment pointing at the disputed line. Every step is timestamped and audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from attain.core.errors import AttainError
from attain.payouts.codes import PAY040, PAY041
from attain.services.adjustments import add_adjustment
from attain.store.audit import record
from attain.store.db import reading, transaction
from attain.store.tables import dispute, payout

OPEN = ("open", "assigned", "answered")


def raise_dispute(
    target: str | Engine, payout_id: int, message: str, *, raised_by: str, payee_id: str | None = None
) -> int:
    """A payee questions a payout line (``payee_id``: the raiser's payee, checked against the line)."""
    if not message.strip():
        raise AttainError("a dispute needs a message", code=PAY041)
    with transaction(target, raised_by) as conn:
        line = conn.execute(
            select(payout.c.payee_id, payout.c.period_label).where(payout.c.id == payout_id)
        ).first()
        if line is None or (payee_id is not None and line.payee_id != payee_id):
            raise AttainError(f"no payout line {payout_id} of yours", code=PAY040)
        now = dt.datetime.now(dt.UTC)
        values = {
            "payout_id": payout_id,
            "payee_id": line.payee_id,
            "period_label": line.period_label,
            "raised_by": raised_by,
            "message": message.strip(),
            "status": "open",
            "created_at": now,
            "updated_at": now,
        }
        new_id = int(conn.execute(insert(dispute).values(values).returning(dispute.c.id)).scalar_one())
        record(conn, raised_by, "raise", "dispute", str(new_id), None, values)
        return new_id


def _step(
    conn: Connection, dispute_id: int, actor: str, allowed: tuple[str, ...], status: str, **values: Any
) -> dict[str, Any]:
    row = conn.execute(select(dispute).where(dispute.c.id == dispute_id)).mappings().first()
    if row is None:
        raise AttainError(f"no dispute {dispute_id}", code=PAY040)
    if row["status"] not in allowed:
        raise AttainError(f"dispute {dispute_id} is {row['status']}: it cannot become {status}", code=PAY041)
    now = dt.datetime.now(dt.UTC)
    after = {"status": status, "updated_at": now, **values}
    conn.execute(update(dispute).where(dispute.c.id == dispute_id).values(after))
    record(conn, actor, status, "dispute", str(dispute_id), {"status": row["status"]}, after)
    return dict(row)


def assign(target: str | Engine, dispute_id: int, assignee: str, *, actor: str) -> None:
    with transaction(target, actor) as conn:
        _step(
            conn, dispute_id, actor, OPEN, "assigned", assignee=assignee, assigned_at=dt.datetime.now(dt.UTC)
        )


def answer(target: str | Engine, dispute_id: int, text: str, *, actor: str) -> None:
    with transaction(target, actor) as conn:
        _step(
            conn,
            dispute_id,
            actor,
            ("assigned", "answered"),
            "answered",
            answer=text,
            answered_at=dt.datetime.now(dt.UTC),
        )


def resolve(target: str | Engine, dispute_id: int, resolution: str, *, actor: str) -> None:
    with transaction(target, actor) as conn:
        _step(
            conn,
            dispute_id,
            actor,
            OPEN,
            "resolved",
            resolution=resolution,
            resolved_at=dt.datetime.now(dt.UTC),
        )


def to_adjustment(
    target: str | Engine,
    dispute_id: int,
    *,
    amount: object,
    currency: str,
    reason: str,
    period_label: str,
    actor: str,
) -> int:
    """Settle a dispute by an adjustment (to be approved) pointing at the disputed line."""
    with transaction(target, actor) as conn:
        row = conn.execute(select(dispute).where(dispute.c.id == dispute_id)).mappings().first()
        if row is None:
            raise AttainError(f"no dispute {dispute_id}", code=PAY040)
        adjustment_id = add_adjustment(
            conn,
            payee_id=row["payee_id"],
            period_label=period_label,
            amount=amount,
            currency=currency,
            reason=f"dispute {dispute_id}: {reason}",
            author=actor,
            corrects_payout_id=row["payout_id"],
        )
        _step(
            conn,
            dispute_id,
            actor,
            OPEN,
            "adjusted",
            adjustment_id=adjustment_id,
            resolution=reason,
            resolved_at=dt.datetime.now(dt.UTC),
        )
        return adjustment_id


def list_disputes(target: str | Engine, status: str | None = None) -> list[dict[str, Any]]:
    with reading(target) as conn:
        query = select(dispute).order_by(dispute.c.id)
        if status is not None:
            query = query.where(dispute.c.status == status)
        return [dict(r) for r in conn.execute(query).mappings()]
