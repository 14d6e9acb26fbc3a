"""Manual adjustments: one-off payments and corrections with a reason, an author and an approval.

An adjustment is paid (once approved, by someone other than its author) by the next pay run of its
period, or of the first open period after it when that period is already paid or locked. A
correction points at the payout line it corrects (``corrects_payout_id``); history is never edited.

The desk (``desk_*`` functions) takes the signed-in principal and checks the role itself: finance and
admin create and decide; the decider is never the author; a decision (approve, or reject with a
comment) is taken once. Status is derived, never stored twice: ``approved`` (``approved_by`` set),
``rejected`` (an audited ``reject`` decision), else ``pending``; ``paid_in_run`` is the newest run
with a payout line for it. Each step is in the audit log, which is the adjustment's history.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, Engine, String, cast, func, insert, select, update

from attain.core.errors import AttainError, register
from attain.core.money import is_currency
from attain.core.periods import CALENDAR
from attain.payouts.codes import PAY040, PAY042, PAY043
from attain.services import access
from attain.services.access import Page, Principal
from attain.store.audit import record
from attain.store.db import reading, transaction
from attain.store.tables import ENTITY_TABLES, adjustment, audit_log, calc_run, payout

ALREADY_DECIDED = register(
    "DESK003", "this adjustment was already approved or rejected: a decision is taken once"
)
REJECT_NEEDS_COMMENT = register("DESK004", "rejecting an adjustment needs a comment saying why")
BAD_TARGET = register(
    "DESK005",
    "an adjustment's payee must exist, its period must be a period label, and a corrected "
    "payout line must be the same payee's",
)
DESK_ROLES = frozenset({"admin", "finance"})
STATUSES = ("pending", "approved", "rejected")


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
        if _was_rejected(conn, adjustment_id):
            raise AttainError(f"adjustment {adjustment_id} was rejected", code=ALREADY_DECIDED)
        after = {"approved_by": approver, "approved_at": dt.datetime.now(dt.UTC)}
        conn.execute(update(adjustment).where(adjustment.c.id == adjustment_id).values(after))
        record(conn, approver, "approve", "adjustment", str(adjustment_id), {"approved_by": None}, after)


def _was_rejected(conn: Connection, adjustment_id: int) -> bool:
    a = audit_log.c
    found = conn.execute(
        select(a.id)
        .where(a.entity == "adjustment", a.key == str(adjustment_id), a.action == "reject")
        .limit(1)
    ).first()
    return found is not None


def list_adjustments(target: str | Engine, payee_id: str | None = None) -> list[dict[str, Any]]:
    with reading(target) as conn:
        query = select(adjustment).order_by(adjustment.c.id)
        if payee_id is not None:
            query = query.where(adjustment.c.payee_id == payee_id)
        return [dict(r) for r in conn.execute(query).mappings()]


# -- the desk: role-checked, filtered, with status and history -------------------------------------


def require_desk(principal: Principal) -> None:
    """Finance and admin keep the desk; everyone else is ``FORBIDDEN``."""
    if principal.role not in DESK_ROLES:
        raise AttainError(f"Your role ({principal.role}) does not allow this.", code=access.FORBIDDEN)


def _decisions() -> Any:
    """key -> the latest reject decision (actor, at, comment) from the audit log."""
    a = audit_log.c
    return (
        select(a.key, func.max(a.id).label("audit_id"))
        .where(a.entity == "adjustment", a.action == "reject")
        .group_by(a.key)
        .subquery("rejected")
    )


def _paid_in(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Set ``paid_in_run`` on each row: the newest succeeded run with a line paying it (one query)."""
    keys = [str(row["id"]) for row in rows]
    p = payout.c
    found = {}
    if keys:
        query = (
            select(p.refers_to, func.max(p.run_id).label("run_id"))
            .join(calc_run, calc_run.c.id == p.run_id)
            .where(p.kind == "adjustment", p.refers_to.in_(keys), calc_run.c.status == "succeeded")
            .group_by(p.refers_to)
        )
        found = {str(r.refers_to): int(r.run_id) for r in conn.execute(query)}
    for row in rows:
        row["paid_in_run"] = found.get(str(row["id"]))
    return rows


def _desk_query() -> Any:
    rejected = _decisions()
    key = cast(adjustment.c.id, String())
    reject_entry = audit_log.alias("reject_entry")
    return (
        select(
            *adjustment.c,
            ENTITY_TABLES["payee"].c.name.label("payee_name"),
            reject_entry.c.actor.label("rejected_by"),
            reject_entry.c.at.label("rejected_at"),
            reject_entry.c.after.label("rejection"),
        )
        .outerjoin(ENTITY_TABLES["payee"], ENTITY_TABLES["payee"].c.payee_id == adjustment.c.payee_id)
        .outerjoin(rejected, rejected.c.key == key)
        .outerjoin(reject_entry, reject_entry.c.id == rejected.c.audit_id)
    ), rejected


def _with_status(row: dict[str, Any]) -> dict[str, Any]:
    if row["approved_by"] is not None:
        row["status"] = "approved"
    elif row["rejected_by"] is not None:
        row["status"] = "rejected"
    else:
        row["status"] = "pending"
    row["rejection_comment"] = (row.pop("rejection") or {}).get("comment")
    return row


def desk_list(
    target: str | Engine,
    principal: Principal,
    *,
    period_label: str = "",
    payee_id: str = "",
    status: str = "",
    limit: int = access.DEFAULT_LIMIT,
    offset: int = 0,
) -> Page:
    """Adjustments, newest first, filtered by period, payee and status (pending/approved/rejected)."""
    require_desk(principal)
    if status and status not in STATUSES:
        raise AttainError(f"status must be one of {', '.join(STATUSES)}", code=access.BAD_PARAMETER)
    query, rejected = _desk_query()
    if period_label:
        query = query.where(adjustment.c.period_label == period_label)
    if payee_id:
        query = query.where(adjustment.c.payee_id == payee_id)
    if status == "approved":
        query = query.where(adjustment.c.approved_by.is_not(None))
    elif status == "rejected":
        query = query.where(adjustment.c.approved_by.is_(None), rejected.c.key.is_not(None))
    elif status == "pending":
        query = query.where(adjustment.c.approved_by.is_(None), rejected.c.key.is_(None))
    with reading(target) as conn:
        page = access.page_of(conn, query.order_by(adjustment.c.id.desc()), limit, offset)
        items = _paid_in(conn, [_with_status(row) for row in page.items])
    return Page(items, page.total, page.limit, page.offset)


def desk_get(target: str | Engine, principal: Principal, adjustment_id: int) -> dict[str, Any]:
    """One adjustment with its status, the line it corrects and its history (audit entries, oldest first)."""
    require_desk(principal)
    query, _ = _desk_query()
    with reading(target) as conn:
        row = conn.execute(query.where(adjustment.c.id == adjustment_id)).mappings().first()
        if row is None:
            raise access.not_found("adjustment", adjustment_id)
        (found,) = _paid_in(conn, [_with_status(dict(row))])
        found["corrects"] = _line(conn, found["corrects_payout_id"])
        found["history"] = history(conn, "adjustment", str(adjustment_id))
    return found


def _line(conn: Connection, payout_id: int | None) -> dict[str, Any] | None:
    if payout_id is None:
        return None
    p = payout.c
    line = (
        conn.execute(
            select(
                p.id,
                p.run_id,
                p.payee_id,
                p.period_label,
                p.kind,
                p.component_id,
                p.transaction_id,
                p.amount_rounded,
                p.currency,
                p.explanation,
            ).where(p.id == payout_id)
        )
        .mappings()
        .first()
    )
    return None if line is None else dict(line)


def history(conn: Connection, entity: str, key: str) -> list[dict[str, Any]]:
    """The audit entries of one record, oldest first: who did what, when, with the values."""
    a = audit_log.c
    rows = conn.execute(
        select(a.id, a.at, a.actor, a.action, a.after).where(a.entity == entity, a.key == key).order_by(a.id)
    ).mappings()
    return [dict(r) for r in rows]


def _check_target(conn: Connection, payee_id: str, period_label: str, corrects_payout_id: int | None) -> None:
    payee = ENTITY_TABLES["payee"]
    if conn.execute(select(payee.c.payee_id).where(payee.c.payee_id == payee_id)).first() is None:
        raise AttainError(f"no payee {payee_id!r}", code=BAD_TARGET)
    try:
        CALENDAR.parse(period_label)
    except ValueError as exc:
        raise AttainError(f"{period_label!r}: {exc}", code=BAD_TARGET) from exc
    if corrects_payout_id is not None:
        owner = conn.execute(select(payout.c.payee_id).where(payout.c.id == corrects_payout_id)).scalar()
        if owner is not None and owner != payee_id:
            raise AttainError(f"payout line {corrects_payout_id} is not {payee_id}'s", code=BAD_TARGET)


def desk_create(
    target: str | Engine,
    principal: Principal,
    *,
    payee_id: str,
    period_label: str,
    amount: str,
    currency: str,
    reason: str,
    corrects_payout_id: int | None = None,
) -> int:
    """Record an adjustment authored by ``principal`` (pending until someone else decides)."""
    require_desk(principal)
    with transaction(target, principal.actor) as conn:
        _check_target(conn, payee_id.strip(), period_label.strip(), corrects_payout_id)
        return add_adjustment(
            conn,
            payee_id=payee_id.strip(),
            period_label=period_label.strip(),
            amount=amount.replace(",", "").strip(),
            currency=currency.strip().upper(),
            reason=reason,
            author=principal.username,
            corrects_payout_id=corrects_payout_id,
        )


def desk_decide(
    target: str | Engine, principal: Principal, adjustment_id: int, *, approve: bool, comment: str = ""
) -> str:
    """Approve (the next run pays it) or reject (with a comment); never the author, never twice."""
    require_desk(principal)
    current = desk_get(target, principal, adjustment_id)
    if current["author"] == principal.username:
        raise AttainError("an adjustment cannot be approved or rejected by its own author", code=PAY043)
    if current["status"] != "pending":
        raise AttainError(f"adjustment {adjustment_id} is already {current['status']}", code=ALREADY_DECIDED)
    if approve:
        approve_adjustment(target, adjustment_id, approver=principal.username)
        if comment.strip():
            with transaction(target, principal.actor) as conn:
                record(
                    conn,
                    principal.username,
                    "comment",
                    "adjustment",
                    str(adjustment_id),
                    None,
                    {"comment": comment.strip()},
                )
        return "approved"
    if not comment.strip():
        raise AttainError("say why the adjustment is rejected", code=REJECT_NEEDS_COMMENT)
    with transaction(target, principal.actor) as conn:
        still_open = conn.execute(
            select(adjustment.c.approved_by).where(adjustment.c.id == adjustment_id)
        ).scalar_one()
        if still_open is not None:
            raise AttainError(f"adjustment {adjustment_id} is already approved", code=ALREADY_DECIDED)
        record(
            conn,
            principal.username,
            "reject",
            "adjustment",
            str(adjustment_id),
            {"status": "pending"},
            {"status": "rejected", "comment": comment.strip(), "rejected_at": dt.datetime.now(dt.UTC)},
        )
    return "rejected"
