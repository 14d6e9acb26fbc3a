"""Disputes (inquiries) on payout lines: raised by the payee, assigned, answered, resolved or adjusted.

open -> assigned -> answered -> resolved, or (from any open step) adjusted: the dispute becomes an
adjustment pointing at the disputed line. Every step is timestamped and audited.

The desk (``desk_*``) is finance's and admin's: a queue filtered by status, assignee and age, one
dispute with its whole thread, and each step checked against the principal's role. The thread is
the dispute's ``dispute_message`` rows, written in the same transaction as each step: the payee's
messages (raise, reply), assignments, answers and the resolution (or the adjustment it became), each
with its author, the author's role and time. Steps are also audited. The payee reads their own
disputes and threads (``mine``) and may reply; only a payee raises one, on their own line
(``raise_own``), and a role without pay (a planner) does neither, even when linked to a payee.
``visible_disputes`` lists the disputes within the principal's pay scope: a rep's own, a manager's
hierarchy as of today, everyone's for finance and admin.

Every public function takes the acting principal (no default) and checks the role first, before any
dispute is looked up (AUTH004): the desk steps (``desk_assign``, ``desk_answer``, ``desk_resolve``,
``desk_to_adjustment``) are finance's and admin's, ``raise_own`` and ``reply`` a payee's on their own
lines. The unchecked steps they share (``_raise``, ``_assign``, ``_answer``, ``_message``) are private.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from attain.core.errors import AttainError, register
from attain.payouts.codes import PAY040, PAY041
from attain.services import access
from attain.services.access import Page, Principal
from attain.services.adjustments import _add_adjustment, check_period, require_desk
from attain.store.audit import record
from attain.store.db import reading, transaction
from attain.store.tables import ENTITY_TABLES, app_user, dispute, dispute_message, payout, period_status

BAD_ASSIGNEE = register("DESK006", "a dispute is assigned to an active finance or admin user")
EMPTY_TEXT = register("DESK007", "an answer, reply or resolution needs some text")

OPEN = ("open", "assigned", "answered")


def _role_of(conn: Connection, username: str, default: str) -> str:
    """The user's role (a name that is not a user, e.g. from the CLI, speaks as ``default``)."""
    role = conn.execute(select(app_user.c.role).where(app_user.c.username == username)).scalar()
    return str(role) if role is not None else default


def _message(
    conn: Connection, dispute_id: int, author: str, kind: str, text: str, role: str | None = None
) -> None:
    """Append one step to the dispute's thread (``role``: the author's, looked up when not given)."""
    values = {
        "dispute_id": dispute_id,
        "author": author,
        "role": role or _role_of(conn, author, "payee" if kind == "message" else "desk"),
        "kind": kind,
        "text": text,
        "created_at": dt.datetime.now(dt.UTC),
    }
    conn.execute(insert(dispute_message).values(values))


def _raise(
    target: str | Engine, payout_id: int, message: str, *, raised_by: str, payee_id: str,
    role: str | None = None,
) -> int:
    """A payee questions a payout line (``payee_id``: the raiser's payee, checked against the line;
    ``role``: the raiser's, looked up when not given). Unchecked: ``raise_own`` checks the principal."""
    if not message.strip():
        raise AttainError("a dispute needs a message", code=PAY041)
    with transaction(target, raised_by) as conn:
        line = conn.execute(
            select(payout.c.payee_id, payout.c.period_label).where(payout.c.id == payout_id)
        ).first()
        if line is None or line.payee_id != payee_id:
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
        _message(conn, new_id, raised_by, "message", values["message"], role)
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


def _assign(conn: Connection, dispute_id: int, assignee: str, actor: str, role: str | None) -> None:
    now = dt.datetime.now(dt.UTC)
    _step(conn, dispute_id, actor, OPEN, "assigned", assignee=assignee, assigned_at=now)
    _message(conn, dispute_id, actor, "assignment", f"assigned to {assignee}", role)


def _answer(conn: Connection, dispute_id: int, text: str, actor: str, role: str | None) -> None:
    now = dt.datetime.now(dt.UTC)
    _step(conn, dispute_id, actor, ("assigned", "answered"), "answered", answer=text, answered_at=now)
    _message(conn, dispute_id, actor, "answer", text, role)


def _to_adjustment(
    conn: Connection,
    dispute_id: int,
    *,
    amount: object,
    currency: str,
    reason: str,
    period_label: str,
    actor: str,
    role: str | None = None,
) -> int:
    """Settle a dispute by an adjustment (to be approved) pointing at the disputed line."""
    row = conn.execute(select(dispute).where(dispute.c.id == dispute_id)).mappings().first()
    if row is None:
        raise AttainError(f"no dispute {dispute_id}", code=PAY040)
    adjustment_id = _add_adjustment(
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
    _message(conn, dispute_id, actor, "resolution", f"{reason} (adjustment {adjustment_id})", role)
    return adjustment_id


# -- the desk and the payee's side -----------------------------------------------------------------

QUEUE_STATUSES = ("open", "assigned", "answered", "resolved", "adjusted", "unresolved")
"""Queue filters: a status, or ``unresolved`` (any of open, assigned, answered)."""


def assignees(target: str | Engine) -> list[str]:
    """Who may be assigned a dispute: active finance and admin users, by name."""
    u = app_user.c
    with reading(target) as conn:
        rows = conn.execute(
            select(u.username)
            .where(u.active.is_(True), u.role.in_(("admin", "finance")))
            .order_by(u.username)
        )
        return [str(r.username) for r in rows]


def _queue_query() -> Any:
    payee = ENTITY_TABLES["payee"]
    p = payout.c
    return (
        select(
            *dispute.c,
            payee.c.name.label("payee_name"),
            p.amount_rounded.label("line_amount"),
            p.currency.label("line_currency"),
            p.kind.label("line_kind"),
            p.component_id.label("line_component"),
            p.transaction_id.label("line_transaction"),
            p.run_id.label("line_run"),
        )
        .outerjoin(payee, payee.c.payee_id == dispute.c.payee_id)
        .outerjoin(payout, p.id == dispute.c.payout_id)
    )


def _aged(row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    created = row["created_at"]
    if created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)
    row["age_days"] = (now - created).days
    return row


def desk_queue(
    target: str | Engine,
    principal: Principal,
    *,
    status: str = "unresolved",
    assignee: str = "",
    older_than_days: int = 0,
    limit: int = access.DEFAULT_LIMIT,
    offset: int = 0,
) -> Page:
    """The disputes queue, oldest first: by status (or all), assignee (``-`` = nobody) and minimum age."""
    require_desk(principal)
    if older_than_days < 0:
        raise AttainError("age must be 0 days or more", code=access.BAD_PARAMETER)
    query = _with_status(_queue_query(), status)
    if assignee == "-":
        query = query.where(dispute.c.assignee.is_(None))
    elif assignee:
        query = query.where(dispute.c.assignee == assignee)
    now = dt.datetime.now(dt.UTC)
    if older_than_days:
        query = query.where(dispute.c.created_at <= now - dt.timedelta(days=older_than_days))
    with reading(target) as conn:
        page = access.page_of(conn, query.order_by(dispute.c.created_at, dispute.c.id), limit, offset)
    return Page([_aged(row, now) for row in page.items], page.total, page.limit, page.offset)


def _with_status(query: Any, status: str) -> Any:
    """``query`` kept to one queue status (``unresolved``: any open step; empty: every status)."""
    if status and status not in QUEUE_STATUSES:
        raise AttainError(f"status must be one of {', '.join(QUEUE_STATUSES)}", code=access.BAD_PARAMETER)
    if status == "unresolved":
        return query.where(dispute.c.status.in_(OPEN))
    return query.where(dispute.c.status == status) if status else query


def visible_disputes(
    target: str | Engine,
    principal: Principal,
    *,
    status: str = "",
    day: dt.date | None = None,
    limit: int = access.DEFAULT_LIMIT,
    offset: int = 0,
) -> Page:
    """The disputes of the payees in the principal's pay scope on ``day`` (default: today), oldest
    first: a rep's own, a manager's and their hierarchy's, everyone's for finance and admin (a role
    without pay: ``FORBIDDEN``; an account without a payee sees none). ``status`` as in the queue."""
    access.require(principal, "pay.read")
    query = _with_status(_queue_query(), status).where(
        access.payee_filter(dispute.c.payee_id, principal.scope)
    )
    params = access.scope_params(principal, day or dt.date.today())
    now = dt.datetime.now(dt.UTC)
    with reading(target) as conn:
        ordered = query.order_by(dispute.c.created_at, dispute.c.id)
        page = access.page_of(conn, ordered, limit, offset, params)
    return Page([_aged(row, now) for row in page.items], page.total, page.limit, page.offset)


def threads(conn: Connection, dispute_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The threads of these disputes (one query), each oldest first: when, who, their role, kind, text."""
    m = dispute_message.c
    found: dict[int, list[dict[str, Any]]] = {dispute_id: [] for dispute_id in dispute_ids}
    if not dispute_ids:
        return found
    rows = conn.execute(
        select(m.dispute_id, m.created_at, m.author, m.role, m.kind, m.text)
        .where(m.dispute_id.in_(dispute_ids))
        .order_by(m.dispute_id, m.id)
    )
    for r in rows:
        found[int(r.dispute_id)].append(
            {
                "at": r.created_at,
                "actor": r.author,
                "role": r.role,
                "kind": r.kind,
                "step": r.kind,
                "text": r.text,
            }
        )
    return found


def thread(conn: Connection, dispute_id: int) -> list[dict[str, Any]]:
    """One dispute's thread, oldest first."""
    return threads(conn, [dispute_id])[dispute_id]


def _one(conn: Connection, dispute_id: int) -> dict[str, Any]:
    row = conn.execute(_queue_query().where(dispute.c.id == dispute_id)).mappings().first()
    if row is None:
        raise access.not_found("dispute", dispute_id)
    found = _aged(dict(row), dt.datetime.now(dt.UTC))
    found["thread"] = thread(conn, dispute_id)
    return found


def desk_get(target: str | Engine, principal: Principal, dispute_id: int) -> dict[str, Any]:
    """One dispute with its payout line and whole thread, plus a pre-filled adjustment for it."""
    require_desk(principal)
    with reading(target) as conn:
        found = _one(conn, dispute_id)
        found["suggested_period"] = _open_period_for(conn, found["period_label"])
    return found


def _open_period_for(conn: Connection, label: str) -> str:
    """The disputed period when it is still open; otherwise '' (the desk picks the next open period)."""
    status = conn.execute(
        select(period_status.c.status).where(period_status.c.period_label == label)
    ).scalar()
    return "" if status in ("paid", "locked") else label


def _text(value: str, what: str) -> str:
    if not value.strip():
        raise AttainError(f"the {what} is empty", code=EMPTY_TEXT)
    return value.strip()


def desk_assign(target: str | Engine, principal: Principal, dispute_id: int, assignee: str) -> None:
    """Give the dispute to an active finance or admin user (finance or admin)."""
    require_desk(principal)
    if assignee not in assignees(target):
        raise AttainError(f"{assignee!r} is not an active finance or admin user", code=BAD_ASSIGNEE)
    with transaction(target, principal.actor) as conn:
        _assign(conn, dispute_id, assignee, principal.username, principal.role)


def desk_answer(target: str | Engine, principal: Principal, dispute_id: int, text: str) -> None:
    """Answer the payee (an unassigned dispute is assigned to whoever answers it)."""
    require_desk(principal)
    body = _text(text, "answer")
    with transaction(target, principal.actor) as conn:
        row = conn.execute(select(dispute.c.status).where(dispute.c.id == dispute_id)).first()
        if row is None:
            raise access.not_found("dispute", dispute_id)
        if row.status == "open":
            _assign(conn, dispute_id, principal.username, principal.username, principal.role)
        _answer(conn, dispute_id, body, principal.username, principal.role)


def desk_resolve(target: str | Engine, principal: Principal, dispute_id: int, resolution: str) -> None:
    """Close the dispute with the resolution (finance or admin)."""
    require_desk(principal)
    text, actor = _text(resolution, "resolution"), principal.username
    with transaction(target, principal.actor) as conn:
        now = dt.datetime.now(dt.UTC)
        _step(conn, dispute_id, actor, OPEN, "resolved", resolution=text, resolved_at=now)
        _message(conn, dispute_id, actor, "resolution", text, principal.role)


def desk_to_adjustment(
    target: str | Engine,
    principal: Principal,
    dispute_id: int,
    *,
    amount: str,
    currency: str,
    reason: str,
    period_label: str,
) -> int:
    """Settle the dispute by an adjustment (pending approval by someone else) pointing at its line
    (a period that is not a period label: ``DESK005``)."""
    require_desk(principal)
    check_period(period_label.strip())
    why = _text(reason, "reason")
    with transaction(target, principal.actor) as conn:
        return _to_adjustment(
            conn,
            dispute_id,
            amount=amount.replace(",", "").strip(),
            currency=currency.strip().upper(),
            reason=why,
            period_label=period_label.strip(),
            actor=principal.username,
            role=principal.role,
        )


def _own_payee(principal: Principal) -> str:
    """The principal's payee: a role without pay is ``FORBIDDEN``, an account without a payee has no
    disputes (``NOT_FOUND``)."""
    access.require(principal, "pay.read")
    if principal.payee_id is None:
        raise access.not_found("payee", "of this user")
    return principal.payee_id


def mine(target: str | Engine, principal: Principal) -> list[dict[str, Any]]:
    """The principal's own disputes (every status), newest first, each with its whole thread."""
    return my_disputes(target, principal, limit=access.MAX_LIMIT).items


def my_disputes(
    target: str | Engine, principal: Principal, *, limit: int = access.DEFAULT_LIMIT, offset: int = 0
) -> Page:
    """One page of the principal's own disputes, newest first, each with its thread (two queries)."""
    payee_id = _own_payee(principal)
    now = dt.datetime.now(dt.UTC)
    with reading(target) as conn:
        query = _queue_query().where(dispute.c.payee_id == payee_id).order_by(dispute.c.id.desc())
        page = access.page_of(conn, query, limit, offset)
        rows = [_aged(row, now) for row in page.items]
        found = threads(conn, [int(row["id"]) for row in rows])
    for row in rows:
        row["thread"] = found[int(row["id"])]
    return Page(rows, page.total, page.limit, page.offset)


def my_dispute(target: str | Engine, principal: Principal, dispute_id: int) -> dict[str, Any]:
    """One of the principal's own disputes with its thread (someone else's: ``AUTH007``)."""
    payee_id = _own_payee(principal)
    with reading(target) as conn:
        found = _one(conn, dispute_id)
    if found["payee_id"] != payee_id:
        raise access.not_found("dispute", dispute_id)
    return found


def raise_own(target: str | Engine, principal: Principal, payout_id: int, message: str) -> int:
    """The principal questions one of their own payout lines (anyone else's line: ``AUTH007``)."""
    payee_id = _own_payee(principal)
    try:
        return _raise(
            target, payout_id, message, raised_by=principal.username, payee_id=payee_id, role=principal.role
        )
    except AttainError as error:
        if error.code == PAY040:
            raise access.not_found("payout line", payout_id) from error
        raise


def reply(target: str | Engine, principal: Principal, dispute_id: int, text: str) -> None:
    """The payee adds to their own open dispute (the thread keeps it; the desk sees it)."""
    payee_id = _own_payee(principal)
    body = _text(text, "reply")
    with transaction(target, principal.actor) as conn:
        row = conn.execute(
            select(dispute.c.status, dispute.c.payee_id).where(dispute.c.id == dispute_id)
        ).first()
        if row is None or row.payee_id != payee_id:
            raise access.not_found("dispute", dispute_id)
        if row.status not in OPEN:
            raise AttainError(f"dispute {dispute_id} is {row.status}: raise a new one", code=PAY041)
        now = dt.datetime.now(dt.UTC)
        conn.execute(update(dispute).where(dispute.c.id == dispute_id).values(updated_at=now))
        record(conn, principal.username, "reply", "dispute", str(dispute_id), None, {"message": body})
        _message(conn, dispute_id, principal.username, "message", body, principal.role)
