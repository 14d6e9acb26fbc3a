"""The close of a pay period: open -> calculated -> in review -> approved -> paid -> locked, with approvals.

A run makes a period ``calculated`` (services/runs.py). Someone submits it for review; a manager
approves, then finance approves (or either rejects it back to ``calculated``), each with a comment
and tied to the exact run reviewed: a newer run makes earlier approvals void. Finance marks the
approved period paid, then locks it; a locked period is never rewritten (later corrections are
adjustments in an open period). Every change is in the audit log.

Every use case takes the acting principal (the command line acts as a named user, ``acting_user``)
and checks it here, not only in the pages:
- listing periods: admin, finance, manager (AUTH004 otherwise);
- submitting for review, marking paid, locking: finance or admin (PAY034 otherwise);
- the manager step: a manager or an admin; finance's step: finance or an admin (PAY034 otherwise).
  A manager's approval vouches for the period's lines, so it is taken only when every payee paid in
  the run for that period is in their hierarchy as of today; a manager may send a period back when
  at least one payee of their hierarchy is paid in it. Otherwise AUTH022 (ask the manager above, or
  an admin). Planners and reps decide nothing.

What a principal may do with a period *now* (``Choices``: submit, approve, reject, and why not) comes
with every period listed and with ``period_state``, so a page offers only the buttons the service
would accept and says why the others are missing (e.g. "3 payees outside your team").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, not_, select, update

from attain.core.errors import AttainError
from attain.payouts.codes import PAY031, PAY033, PAY034, PAY040
from attain.services.access_scope import (
    OUTSIDE_TEAM,
    Principal,
    Scope,
    payee_filter,
    require,
    scope_params,
)
from attain.store.audit import record
from attain.store.db import reading, transaction
from attain.store.tables import app_user, approval, payout, period_status

NEXT = {"calculated": "in_review", "approved": "paid", "paid": "locked"}
STEPS = ("manager", "finance")
MAY_APPROVE = {"manager": ("manager", "admin"), "finance": ("finance", "admin")}
MAY_CLOSE = ("finance", "admin")


@dataclass(frozen=True)
class Choices:
    """What the acting principal may do with a period now; ``why_not`` says why a decision is not
    theirs (empty when it is, or when nothing waits for a decision)."""

    submit: bool = False
    approve: bool = False
    reject: bool = False
    step: str | None = None
    why_not: str = ""


@dataclass(frozen=True)
class PeriodState:
    period_label: str
    status: str
    run_id: int | None
    approvals: list[dict[str, Any]]
    choices: Choices = Choices()


def role_of(target: str | Engine, username: str) -> str:
    """The role of a user of the app (the CLI acts as a named user)."""
    return acting_user(target, username).role


def acting_user(target: str | Engine, username: str) -> Principal:
    """The principal of an active user of the app: the command line approves as a named user, with
    that user's role and payee (so a manager's hierarchy applies there too)."""
    with reading(target) as conn:
        row = conn.execute(
            select(app_user.c.id, app_user.c.role, app_user.c.payee_id).where(
                (app_user.c.username == username) & app_user.c.active
            )
        ).first()
    if row is None:
        raise AttainError(f"no active user {username!r}", code=PAY040)
    return Principal(int(row.id), username, str(row.role), row.payee_id)


def _state(conn: Connection, label: str) -> tuple[str, int | None]:
    row = conn.execute(
        select(period_status.c.status, period_status.c.run_id).where(period_status.c.period_label == label)
    ).first()
    return ("open", None) if row is None else (str(row.status), row.run_id)


def _set_status(conn: Connection, label: str, status: str, actor: str, comment: str | None = None) -> None:
    before, run_id = _state(conn, label)
    values = {"status": status, "changed_by": actor, "changed_at": dt.datetime.now(dt.UTC)}
    conn.execute(update(period_status).where(period_status.c.period_label == label).values(values))
    if status in ("paid", "locked") and run_id is not None:  # the lines paid carry the period's status
        lines = (payout.c.run_id == run_id) & (payout.c.period_label == label)
        conn.execute(update(payout).where(lines).values(status=status))
    record(
        conn,
        actor,
        status,
        "period_status",
        label,
        {"status": before, "run_id": run_id},
        {"status": status, "run_id": run_id, "comment": comment},
    )


def _valid_approvals(conn: Connection, label: str, run_id: int | None) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(approval)
        .where((approval.c.period_label == label) & approval.c.valid & (approval.c.run_id == run_id))
        .order_by(approval.c.id)
    )
    return [dict(r) for r in rows.mappings()]


def _waiting_step(conn: Connection, label: str, run_id: int) -> str:
    """The approval step the run under review waits for (manager first, then finance)."""
    done = [a["step"] for a in _valid_approvals(conn, label, run_id) if a["decision"] == "approved"]
    return next(s for s in STEPS if s not in done)


def _choices(conn: Connection, principal: Principal, label: str, status: str, run_id: int | None) -> Choices:
    """The steps ``decide`` / ``submit_for_review`` would accept from ``principal`` now (same rules)."""
    role = principal.role
    if status == "calculated":
        return Choices(submit=role in MAY_CLOSE)
    if status != "in_review" or run_id is None:
        return Choices()
    step = _waiting_step(conn, label, run_id)
    if role not in MAY_APPROVE[step]:
        return Choices(step=step, why_not=f"waiting for the {step} step ({' or '.join(MAY_APPROVE[step])})")
    if role != "manager":
        return Choices(approve=True, reject=True, step=step)
    inside, outside = team_coverage(conn, principal, label, run_id)
    why = f"payees outside your team: {outside} (the manager above them, or an admin, approves)" \
        if outside else ""
    return Choices(approve=not outside, reject=inside > 0, step=step, why_not=why)


def period_state(target: str | Engine, principal: Principal, label: str) -> PeriodState:
    """A period's status, the run under review, its valid approvals, and what ``principal`` may do
    with it (admin, finance, manager; AUTH004 otherwise)."""
    require(principal, "periods.read")
    with reading(target) as conn:
        status, run_id = _state(conn, label)
        return PeriodState(label, status, run_id, _valid_approvals(conn, label, run_id),
                           _choices(conn, principal, label, status, run_id))


def list_periods(target: str | Engine, principal: Principal) -> list[dict[str, Any]]:
    """Every period's close status, each with ``choices``: what ``principal`` may do with it now
    (admin, finance, manager)."""
    require(principal, "periods.read")
    with reading(target) as conn:
        rows = conn.execute(select(period_status).order_by(period_status.c.period_label)).mappings().all()
        return [{**r, "choices": _choices(conn, principal, str(r["period_label"]), str(r["status"]),
                                          r["run_id"])} for r in rows]


def _move(
    target: str | Engine,
    principal: Principal,
    label: str,
    frm: str,
    to: str,
    comment: str | None = None,
) -> None:
    if principal.role not in MAY_CLOSE:
        raise AttainError(f"a {principal.role} cannot move {label} to {to}", code=PAY034)
    actor = principal.actor
    with transaction(target, actor) as conn:
        status, _ = _state(conn, label)
        if status != frm:
            raise AttainError(
                f"period {label} is {status}: it cannot move to {to} (needs {frm})", code=PAY031
            )
        _set_status(conn, label, to, actor, comment)


def submit_for_review(
    target: str | Engine, principal: Principal, label: str, *, comment: str | None = None
) -> None:
    """calculated -> in review (finance, admin): the current run's lines are up for approval."""
    _move(target, principal, label, "calculated", "in_review", comment)


def mark_paid(target: str | Engine, principal: Principal, label: str) -> None:
    """approved -> paid (finance, admin): the approved run's lines are what was paid."""
    _move(target, principal, label, "approved", "paid")


def lock(target: str | Engine, principal: Principal, label: str) -> None:
    """paid -> locked (finance, admin): never rewritten again."""
    _move(target, principal, label, "paid", "locked")


def team_coverage(conn: Connection, principal: Principal, label: str, run_id: int) -> tuple[int, int]:
    """(payees paid in ``run_id`` for ``label`` inside the principal's hierarchy today, those outside)."""
    paid = select(payout.c.payee_id).where((payout.c.run_id == run_id) & (payout.c.period_label == label))
    inside = payee_filter(payout.c.payee_id, principal.scope)
    params = scope_params(principal, dt.date.today())
    counted = []
    for condition in (inside, not_(inside)):
        query = select(paid.where(condition).distinct().subquery().c.payee_id)
        counted.append(len(conn.execute(query, params).all()))
    return counted[0], counted[1]


def _check_team(conn: Connection, principal: Principal, label: str, run_id: int, approve: bool) -> None:
    """AUTH022 unless a manager's hierarchy covers every payee of the period (approve) or one (reject)."""
    if principal.role != "manager" or principal.scope is Scope.ALL:
        return
    inside, outside = team_coverage(conn, principal, label, run_id)
    if approve and outside:
        raise AttainError(
            f"{outside} payee(s) paid in {label} are outside your hierarchy: the manager above them, or "
            "an admin, approves this period",
            code=OUTSIDE_TEAM,
        )
    if not approve and not inside:
        raise AttainError(f"nobody in your hierarchy is paid in {label}", code=OUTSIDE_TEAM)


def decide(
    target: str | Engine,
    principal: Principal,
    label: str,
    run_id: int,
    *,
    approve: bool,
    comment: str | None = None,
) -> PeriodState:
    """A manager's then finance's decision on the exact run under review (finance's approval closes it)."""
    actor, role = principal.actor, principal.role
    if not any(role in roles for roles in MAY_APPROVE.values()):
        raise AttainError(f"a {role} does not approve pay periods", code=PAY034)
    with transaction(target, actor) as conn:
        status, current = _state(conn, label)
        if status != "in_review":
            raise AttainError(f"period {label} is {status}, not in review", code=PAY031)
        if current != run_id:
            raise AttainError(
                f"run {run_id} is not the run under review for {label} (run {current} is)", code=PAY033
            )
        step = _waiting_step(conn, label, run_id)
        if role not in MAY_APPROVE[step]:
            raise AttainError(
                f"the {step} step of {label} needs a {' or '.join(MAY_APPROVE[step])}, not a {role}",
                code=PAY034,
            )
        _check_team(conn, principal, label, run_id, approve)
        values = {
            "period_label": label,
            "run_id": run_id,
            "step": step,
            "decision": "approved" if approve else "rejected",
            "actor": actor,
            "role": role,
            "comment": comment,
            "at": dt.datetime.now(dt.UTC),
            "valid": approve,
        }
        conn.execute(insert(approval).values(values))
        record(conn, actor, f"{step}_{values['decision']}", "approval", label, None, values)
        if not approve:
            conn.execute(
                update(approval)
                .where((approval.c.period_label == label) & (approval.c.run_id == run_id))
                .values(valid=False)
            )
            _set_status(conn, label, "calculated", actor, comment)
        elif step == STEPS[-1]:
            _set_status(conn, label, "approved", actor, comment)
    return period_state(target, principal, label)
