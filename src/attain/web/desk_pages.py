"""The finance desk: adjustments (list, create, approve or reject by someone else, history) and the
disputes queue (assign, answer, resolve, or turn into an adjustment pre-filled from the line), plus
the payee's own disputes with their threads (``/my/disputes``).

Pages are thin: ``attain.services.adjustments`` / ``disputes`` check roles and do the work. A refused
step (a rule of the desk, not a permission) comes back on the same page as a flash with its code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from attain.api.deps import ContextDep, PrincipalDep, WindowDep
from attain.api.problems import status_of
from attain.core.errors import AttainError
from attain.services import access, adjustments, disputes
from attain.web.templating import add_flash, render

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=2000)]
Short = Annotated[str, Form(max_length=100)]
Filter = Annotated[str, Query(max_length=100)]
PERMISSION = (access.FORBIDDEN, access.NOT_FOUND, access.SIGN_IN_REQUIRED)
NO_FILTER = {"period_label": "", "payee_id": "", "status": ""}


def _step(request: Request, back: str, done: str, action: Callable[[], Any]) -> Response:
    """Run a desk step; on a refusal (not a permission problem) flash its code and go back."""
    try:
        action()
    except AttainError as error:
        if error.code in PERMISSION:
            raise
        add_flash(request, f"{error.code}: {error}", "error")
        return RedirectResponse(back, status_code=303)
    add_flash(request, done, "success")
    return RedirectResponse(back, status_code=303)


# -- adjustments ----------------------------------------------------------------------------------


def _adjustments_page(
    request: Request,
    principal: access.Principal,
    url: str,
    page: WindowDep,
    filters: dict[str, str],
    form: dict[str, str],
    error: AttainError | None = None,
) -> Response:
    found = adjustments.desk_list(url, principal, limit=page.limit, offset=page.offset, **filters)
    values = {
        "page": found,
        "filters": filters,
        "form": form,
        "error": error,
        "statuses": adjustments.STATUSES,
    }
    return render(
        request, "desk_adjustments.html", values, status_code=status_of(error.code) if error else 200
    )


@router.get("/desk/adjustments")
def adjustments_page(
    request: Request,
    principal: PrincipalDep,
    context: ContextDep,
    page: WindowDep,
    period_label: Filter = "",
    payee_id: Filter = "",
    status: Filter = "",
    corrects_payout_id: Filter = "",
    currency: Filter = "",
    reason: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    filters = {"period_label": period_label, "payee_id": payee_id, "status": status}
    form = {
        "payee_id": payee_id,
        "period_label": period_label,
        "corrects_payout_id": corrects_payout_id,
        "currency": currency or "USD",
        "reason": reason,
        "amount": "",
    }
    return _adjustments_page(request, principal, context.url, page, filters, form)


@router.post("/desk/adjustments")
def create_adjustment(
    request: Request,
    principal: PrincipalDep,
    context: ContextDep,
    page: WindowDep,
    payee_id: Short,
    period_label: Short,
    amount: Short,
    currency: Short,
    reason: Text,
    corrects_payout_id: Short = "",
) -> Response:
    form = {
        "payee_id": payee_id,
        "period_label": period_label,
        "amount": amount,
        "currency": currency,
        "reason": reason,
        "corrects_payout_id": corrects_payout_id,
    }
    try:
        line = int(corrects_payout_id) if corrects_payout_id.strip() else None
        new_id = adjustments.desk_create(
            context.url,
            principal,
            payee_id=payee_id,
            period_label=period_label,
            amount=amount,
            currency=currency,
            reason=reason,
            corrects_payout_id=line,
        )
    except ValueError:
        error = AttainError("the corrected payout line is a line number", code=access.BAD_PARAMETER)
        return _adjustments_page(request, principal, context.url, page, NO_FILTER, form, error)
    except AttainError as error:
        if error.code in PERMISSION:
            raise
        return _adjustments_page(request, principal, context.url, page, NO_FILTER, form, error)
    add_flash(request, f"Adjustment {new_id} recorded: it waits for approval by someone else.", "success")
    return RedirectResponse(f"/desk/adjustments/{new_id}", status_code=303)


@router.get("/desk/adjustments/{adjustment_id}")
def adjustment_page(
    request: Request, adjustment_id: int, principal: PrincipalDep, context: ContextDep
) -> Response:
    found = adjustments.desk_get(context.url, principal, adjustment_id)
    return render(request, "desk_adjustment.html", {"adj": found})


@router.post("/desk/adjustments/{adjustment_id}/{decision}")
def decide_adjustment(
    request: Request,
    adjustment_id: int,
    decision: str,
    principal: PrincipalDep,
    context: ContextDep,
    comment: Text = "",
) -> Response:
    if decision not in ("approve", "reject"):
        raise access.not_found("action", decision)
    verb = "approved: the next pay run of its period pays it" if decision == "approve" else "rejected"
    return _step(
        request,
        f"/desk/adjustments/{adjustment_id}",
        f"Adjustment {adjustment_id} {verb}.",
        lambda: adjustments.desk_decide(
            context.url, principal, adjustment_id, approve=decision == "approve", comment=comment
        ),
    )


# -- disputes -------------------------------------------------------------------------------------


@router.get("/desk/disputes")
def disputes_page(
    request: Request,
    principal: PrincipalDep,
    context: ContextDep,
    page: WindowDep,
    status: Filter = "unresolved",
    assignee: Filter = "",
    older_than_days: Annotated[int, Query(ge=0, le=3650)] = 0,
) -> Response:
    found = disputes.desk_queue(
        context.url,
        principal,
        status=status,
        assignee=assignee,
        older_than_days=older_than_days,
        limit=page.limit,
        offset=page.offset,
    )
    values = {
        "page": found,
        "filters": {"status": status, "assignee": assignee, "older_than_days": older_than_days},
        "statuses": disputes.QUEUE_STATUSES,
        "assignees": disputes.assignees(context.url),
    }
    return render(request, "desk_disputes.html", values)


@router.get("/desk/disputes/{dispute_id}")
def dispute_page(request: Request, dispute_id: int, principal: PrincipalDep, context: ContextDep) -> Response:
    found = disputes.desk_get(context.url, principal, dispute_id)
    values = {
        "d": found,
        "assignees": disputes.assignees(context.url),
        "open": found["status"] in disputes.OPEN,
    }
    return render(request, "desk_dispute.html", values)


@router.post("/desk/disputes/{dispute_id}/assign")
def assign_dispute(
    request: Request, dispute_id: int, principal: PrincipalDep, context: ContextDep, assignee: Short
) -> Response:
    return _step(
        request,
        f"/desk/disputes/{dispute_id}",
        f"Dispute {dispute_id} assigned to {assignee}.",
        lambda: disputes.desk_assign(context.url, principal, dispute_id, assignee),
    )


@router.post("/desk/disputes/{dispute_id}/answer")
def answer_dispute(
    request: Request, dispute_id: int, principal: PrincipalDep, context: ContextDep, answer: Text
) -> Response:
    return _step(
        request,
        f"/desk/disputes/{dispute_id}",
        "Answer sent: the payee sees it on their side.",
        lambda: disputes.desk_answer(context.url, principal, dispute_id, answer),
    )


@router.post("/desk/disputes/{dispute_id}/resolve")
def resolve_dispute(
    request: Request, dispute_id: int, principal: PrincipalDep, context: ContextDep, resolution: Text
) -> Response:
    return _step(
        request,
        f"/desk/disputes/{dispute_id}",
        f"Dispute {dispute_id} resolved.",
        lambda: disputes.desk_resolve(context.url, principal, dispute_id, resolution),
    )


@router.post("/desk/disputes/{dispute_id}/adjust")
def adjust_dispute(
    request: Request,
    dispute_id: int,
    principal: PrincipalDep,
    context: ContextDep,
    amount: Short,
    currency: Short,
    period_label: Short,
    reason: Text,
) -> Response:
    try:
        new_id = disputes.desk_to_adjustment(
            context.url,
            principal,
            dispute_id,
            amount=amount,
            currency=currency,
            reason=reason,
            period_label=period_label,
        )
    except AttainError as error:
        if error.code in PERMISSION:
            raise
        add_flash(request, f"{error.code}: {error}", "error")
        return RedirectResponse(f"/desk/disputes/{dispute_id}", status_code=303)
    add_flash(
        request,
        f"Dispute {dispute_id} became adjustment {new_id}: it waits for approval by someone else.",
        "success",
    )
    return RedirectResponse(f"/desk/adjustments/{new_id}", status_code=303)


# -- the payee's side -----------------------------------------------------------------------------


@router.get("/my/disputes")
def my_disputes(request: Request, principal: PrincipalDep, context: ContextDep) -> Response:
    return render(request, "desk_my_disputes.html", {"disputes": disputes.mine(context.url, principal)})


@router.post("/my/disputes/{dispute_id}/reply")
def reply_dispute(
    request: Request, dispute_id: int, principal: PrincipalDep, context: ContextDep, message: Text
) -> Response:
    return _step(
        request,
        "/my/disputes",
        "Your reply was added to the thread.",
        lambda: disputes.reply(context.url, principal, dispute_id, message),
    )
