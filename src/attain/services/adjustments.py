"""Manual adjustments: one-off payments and corrections with a reason, an author and an approval.

An adjustment is paid (once approved, by someone other than its author) by the next pay run of its
period, or of the first open period after it when that period is already paid or locked. A
correction points at the payout line it corrects (``corrects_payout_id``); history is never edited.

Every public function takes the acting principal (no default) and checks the role itself, before
anything is looked up (AUTH004): finance and admin create, list and decide (``desk_*``); the decider
is never the author; a decision (approve, or reject with a comment) is taken once. The unchecked
steps below them (``_add_adjustment``, ``_decide``) are private: a dispute settled by an adjustment
(``disputes.desk_to_adjustment``) checks the desk role before calling ``_add_adjustment``.

Status is derived, never stored twice: ``approved`` (``approved_by`` set), ``rejected`` (an audited
``reject`` decision), else ``pending``; ``paid_in_run`` is the newest run with a payout line for it.
Each step is in the audit log, which is the adjustment's history.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, Engine, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from attain.core.errors import AttainError, register
from attain.core.money import MINOR_UNITS, is_currency, round_payout
from attain.core.periods import CALENDAR
from attain.payouts.codes import PAY040, PAY042, PAY043
from attain.services import access
from attain.services.access import Page, Principal
from attain.store.audit import record
from attain.store.db import reading, transaction
from attain.store.tables import ENTITY_TABLES, adjustment, adjustment_decision, calc_run, payout

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


def _paid_as_is(amount: Decimal, currency: str) -> bool:
    """True when ``amount`` has no more decimals than ``currency`` pays (its minor unit)."""
    try:
        return round_payout(amount, currency) == amount
    except InvalidOperation:  # more digits than a decimal holds: no amount to pay
        return False


def _amount(value: object, currency: str) -> Decimal:
    """The adjustment's amount: non-zero, with no more decimals than ``currency`` pays (12.345 KWD
    is fils, 1.005 USD is finer than a cent and refused)."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise AttainError(f"not an amount: {value!r}", code=PAY042) from exc
    if not amount.is_finite() or amount == 0 or not _paid_as_is(amount, currency):
        places = MINOR_UNITS[currency]
        raise AttainError(
            f"an adjustment needs a non-zero amount with at most {places} decimals in {currency}, "
            f"got {value!r}",
            code=PAY042,
        )
    return amount


def _add_adjustment(
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
    """Record an adjustment (not yet approved); returns its id. Unchecked: callers check the role."""
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
        "amount": _amount(amount, currency),
        "currency": currency,
        "reason": reason.strip(),
        "author": author,
        "corrects_payout_id": corrects_payout_id,
    }
    new_id = int(conn.execute(insert(adjustment).values(values).returning(adjustment.c.id)).scalar_one())
    record(conn, author, "create", "adjustment", str(new_id), None, values)
    return new_id


def _decide(conn: Connection, adjustment_id: int, decider: str, status: str, comment: str = "") -> None:
    """Record the one decision on an adjustment (approved sets ``approved_by``: pay runs read it).
    Unchecked: ``desk_decide`` checks the role; this holds when two deciders race."""
    row = conn.execute(select(adjustment).where(adjustment.c.id == adjustment_id)).mappings().first()
    if row is None:
        raise AttainError(f"no adjustment {adjustment_id}", code=PAY040)
    if row["author"] == decider:
        raise AttainError("an adjustment cannot be approved or rejected by its own author", code=PAY043)
    taken = conn.execute(
        select(adjustment_decision.c.status).where(adjustment_decision.c.adjustment_id == adjustment_id)
    ).scalar()
    if taken is not None or row["approved_by"] is not None:
        if status == "approved" and (taken or "approved") == "approved":
            return  # approving twice changes nothing
        raise AttainError(
            f"adjustment {adjustment_id} is already {taken or 'approved'}", code=ALREADY_DECIDED
        )
    now = dt.datetime.now(dt.UTC)
    decision = {
        "adjustment_id": adjustment_id,
        "status": status,
        "decided_by": decider,
        "decided_at": now,
        "comment": comment.strip() or None,
    }
    try:
        with conn.begin_nested():
            conn.execute(insert(adjustment_decision).values(decision))
    except IntegrityError as exc:  # someone decided in between
        raise AttainError(f"adjustment {adjustment_id} was decided meanwhile", code=ALREADY_DECIDED) from exc
    if status == "approved":
        conn.execute(
            update(adjustment)
            .where(adjustment.c.id == adjustment_id)
            .values(approved_by=decider, approved_at=now)
        )
    action = "approve" if status == "approved" else "reject"
    record(conn, decider, action, "adjustment", str(adjustment_id), {"status": "pending"}, decision)


# -- the desk: role-checked, filtered, with status and history -------------------------------------


def require_desk(principal: Principal) -> None:
    """Finance and admin keep the desk; everyone else is ``FORBIDDEN``."""
    if principal.role not in DESK_ROLES:
        raise AttainError(f"Your role ({principal.role}) does not allow this.", code=access.FORBIDDEN)


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


STATUS = case(
    (adjustment_decision.c.status.is_not(None), adjustment_decision.c.status),
    (adjustment.c.approved_by.is_not(None), "approved"),
    else_="pending",
)
"""An adjustment's status in SQL: its decision's, else approved (an approval without a decision row)."""


def _desk_query() -> Any:
    d = adjustment_decision.c
    rejected = d.status == "rejected"
    return (
        select(
            *adjustment.c,
            ENTITY_TABLES["payee"].c.name.label("payee_name"),
            STATUS.label("status"),
            d.decided_by,
            d.decided_at,
            d.comment.label("decision_comment"),
            case((rejected, d.decided_by)).label("rejected_by"),
            case((rejected, d.decided_at)).label("rejected_at"),
            case((rejected, d.comment)).label("rejection_comment"),
        )
        .outerjoin(ENTITY_TABLES["payee"], ENTITY_TABLES["payee"].c.payee_id == adjustment.c.payee_id)
        .outerjoin(adjustment_decision, d.adjustment_id == adjustment.c.id)
    )


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
    query = _desk_query()
    if period_label:
        query = query.where(adjustment.c.period_label == period_label)
    if payee_id:
        query = query.where(adjustment.c.payee_id == payee_id)
    if status:
        query = query.where(STATUS == status)
    with reading(target) as conn:
        page = access.page_of(conn, query.order_by(adjustment.c.id.desc()), limit, offset)
        items = _paid_in(conn, page.items)
    return Page(items, page.total, page.limit, page.offset)


def desk_get(target: str | Engine, principal: Principal, adjustment_id: int) -> dict[str, Any]:
    """One adjustment with its status, the line it corrects and its history (oldest first)."""
    require_desk(principal)
    with reading(target) as conn:
        row = conn.execute(_desk_query().where(adjustment.c.id == adjustment_id)).mappings().first()
        if row is None:
            raise access.not_found("adjustment", adjustment_id)
        (found,) = _paid_in(conn, [dict(row)])
        found["corrects"] = _line(conn, found["corrects_payout_id"])
        found["history"] = history_of(conn, found)
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


def history_of(conn: Connection, adj: dict[str, Any]) -> list[dict[str, Any]]:
    """The adjustment's steps, oldest first (when, who, what, details): created, decided, paid."""
    steps = [
        {
            "at": adj["created_at"],
            "actor": adj["author"],
            "action": "create",
            "details": f"{adj['amount']} {adj['currency']}: {adj['reason']}",
        }
    ]
    if adj["status"] != "pending":
        verb = "approve" if adj["status"] == "approved" else "reject"
        steps.append(
            {
                "at": adj["decided_at"] or adj["approved_at"],
                "actor": adj["decided_by"] or adj["approved_by"],
                "action": verb,
                "details": adj["decision_comment"] or "",
            }
        )
    if adj["paid_in_run"] is not None:
        run = conn.execute(
            select(calc_run.c.created_by, calc_run.c.finished_at).where(calc_run.c.id == adj["paid_in_run"])
        ).first()
        if run is not None:
            steps.append(
                {
                    "at": run.finished_at,
                    "actor": run.created_by,
                    "action": "paid",
                    "details": f"run {adj['paid_in_run']}",
                }
            )
    return steps


def check_period(period_label: str) -> None:
    """``BAD_TARGET`` unless ``period_label`` is a pay period label (an adjustment for "2017-13" would
    never be paid)."""
    try:
        CALENDAR.parse(period_label)
    except ValueError as exc:
        raise AttainError(f"{period_label!r}: {exc}", code=BAD_TARGET) from exc


def _check_target(conn: Connection, payee_id: str, period_label: str, corrects_payout_id: int | None) -> None:
    payee = ENTITY_TABLES["payee"]
    if conn.execute(select(payee.c.payee_id).where(payee.c.payee_id == payee_id)).first() is None:
        raise AttainError(f"no payee {payee_id!r}", code=BAD_TARGET)
    check_period(period_label)
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
        return _add_adjustment(
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
    if not approve and not comment.strip():
        raise AttainError("say why the adjustment is rejected", code=REJECT_NEEDS_COMMENT)
    status = "approved" if approve else "rejected"
    with transaction(target, principal.actor) as conn:
        _decide(conn, adjustment_id, principal.username, status, comment)
    return status
