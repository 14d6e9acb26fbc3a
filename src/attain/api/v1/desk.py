"""The finance desk over REST: adjustments, disputes (the desk's queue and the payee's own) and
background runs. Routes are thin: ``attain.services.adjustments`` / ``disputes`` / ``jobs`` check the
role (finance and admin keep the desk; a payee raises and follows their own disputes) and do the work.

Refusals are problem+json with the service's code: ``AUTH004`` (role), ``AUTH007`` (not found or not
yours), ``DESK003``-``DESK007`` (rules of the desk), ``PAY041``-``PAY043`` (adjustment and dispute
rules). Lists are paginated (``limit``/``offset``, with ``total``). Amounts are exact decimal strings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from attain.api.deps import ContextDep, PrincipalDep, WindowDep
from attain.api.schemas import Out, PageMeta
from attain.services import adjustments, disputes, jobs
from attain.services.access import Page

router = APIRouter(tags=["desk"])

Short = Annotated[str, Field(max_length=100)]
Text = Annotated[str, Field(max_length=2000)]
Amount = Annotated[
    str,
    Field(
        max_length=40,
        pattern=r"^\s*-?[\d,]+(\.\d+)?\s*$",
        description="exact decimal string, e.g. '-125.50' (never a float)",
    ),
]
Filter = Annotated[str, Query(max_length=100)]


# -- shapes -----------------------------------------------------------------------------------


class CorrectedLine(Out):
    id: int
    run_id: int
    payee_id: str
    period_label: str
    kind: str | None
    component_id: str | None
    transaction_id: str | None
    amount_rounded: Decimal
    currency: str
    explanation: str | None


class AdjustmentStep(Out):
    at: dt.datetime | None
    actor: str | None
    action: str
    details: str


class Adjustment(Out):
    id: int
    payee_id: str
    payee_name: str | None
    period_label: str
    amount: Decimal
    currency: str
    reason: str
    author: str
    created_at: dt.datetime
    status: Literal["pending", "approved", "rejected"]
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_comment: str | None
    approved_by: str | None
    approved_at: dt.datetime | None
    corrects_payout_id: int | None
    paid_in_run: int | None


class AdjustmentDetail(Adjustment):
    corrects: CorrectedLine | None
    history: list[AdjustmentStep]


class AdjustmentPage(PageMeta):
    items: list[Adjustment]


class AdjustmentCreate(BaseModel):
    payee_id: Short
    period_label: Short
    amount: Amount
    currency: Annotated[str, Field(min_length=3, max_length=3)]
    reason: Text
    corrects_payout_id: int | None = None


class AdjustmentDecision(BaseModel):
    decision: Literal["approve", "reject"]
    comment: Text = ""


class ThreadMessage(Out):
    at: dt.datetime
    actor: str
    role: str
    kind: Literal["message", "answer", "assignment", "resolution"]
    text: str


class Dispute(Out):
    id: int
    payout_id: int
    payee_id: str
    payee_name: str | None
    period_label: str
    raised_by: str
    message: str
    status: str
    assignee: str | None
    answer: str | None
    resolution: str | None
    adjustment_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    assigned_at: dt.datetime | None
    answered_at: dt.datetime | None
    resolved_at: dt.datetime | None
    age_days: int
    line_amount: Decimal | None
    line_currency: str | None
    line_kind: str | None
    line_component: str | None
    line_transaction: str | None
    line_run: int | None


class DisputeDetail(Dispute):
    thread: list[ThreadMessage]


class DisputePage(PageMeta):
    items: list[Dispute]


class MyDisputePage(PageMeta):
    items: list[DisputeDetail]


class DisputeRaise(BaseModel):
    payout_id: int
    message: Text


class DisputeAssign(BaseModel):
    assignee: Short


class DisputeAnswer(BaseModel):
    text: Text


class DisputeResolve(BaseModel):
    resolution: Text


class DisputeAdjust(BaseModel):
    amount: Amount
    currency: Annotated[str, Field(min_length=3, max_length=3)]
    period_label: Short
    reason: Text


class DisputeReply(BaseModel):
    message: Text


class Job(Out):
    job_id: str
    kind: str
    state: Literal["queued", "running", "succeeded", "failed"]
    stage: str
    percent: int
    periods: list[str]
    payees: list[str] | None
    actor: str
    queued_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    heartbeat_at: dt.datetime
    host: str
    pid: int
    run_id: int | None
    summary: str | None
    code: str | None
    error: str | None
    done: bool
    waiting_on: list[str]


class JobPage(PageMeta):
    items: list[Job]


class JobStart(BaseModel):
    periods: (
        Annotated[list[Short], Field(min_length=1, max_length=24)] | Annotated[str, Field(max_length=400)]
    ) = Field(
        description="period labels: a list, or one text separated by spaces or commas ('2024-Q1 2024-Q2')"
    )
    payees: Annotated[list[Short], Field(max_length=1000)] | None = None

    def labels(self) -> list[str]:
        if isinstance(self.periods, str):
            return self.periods.replace(",", " ").split()
        return list(self.periods)


def _page(found: Page) -> dict[str, Any]:
    return {"items": found.items, "total": found.total, "limit": found.limit, "offset": found.offset}


# -- adjustments ------------------------------------------------------------------------------


@router.get("/adjustments", response_model=AdjustmentPage)
def list_adjustments(
    principal: PrincipalDep,
    context: ContextDep,
    page: WindowDep,
    period_label: Filter = "",
    payee_id: Filter = "",
    status: Annotated[str, Query(max_length=20, description="pending, approved or rejected")] = "",
) -> object:
    """Adjustments, newest first, filtered by period, payee and status; each with where it was paid."""
    return _page(
        adjustments.desk_list(
            context.url,
            principal,
            period_label=period_label,
            payee_id=payee_id,
            status=status,
            limit=page.limit,
            offset=page.offset,
        )
    )


@router.post("/adjustments", response_model=AdjustmentDetail, status_code=201)
def create_adjustment(
    body: AdjustmentCreate, principal: PrincipalDep, context: ContextDep, response: Response
) -> object:
    """Record an adjustment; it waits for approval by someone other than its author."""
    new_id = adjustments.desk_create(context.url, principal, **body.model_dump())
    response.headers["Location"] = f"/api/v1/adjustments/{new_id}"
    return adjustments.desk_get(context.url, principal, new_id)


@router.get("/adjustments/{adjustment_id}", response_model=AdjustmentDetail)
def get_adjustment(adjustment_id: int, principal: PrincipalDep, context: ContextDep) -> object:
    """One adjustment with its status, the line it corrects and its history."""
    return adjustments.desk_get(context.url, principal, adjustment_id)


@router.post("/adjustments/{adjustment_id}/decision", response_model=AdjustmentDetail)
def decide_adjustment(
    adjustment_id: int, body: AdjustmentDecision, principal: PrincipalDep, context: ContextDep
) -> object:
    """Approve (the next pay run pays it) or reject (a comment is required); once, never by the author."""
    adjustments.desk_decide(
        context.url, principal, adjustment_id, approve=body.decision == "approve", comment=body.comment
    )
    return adjustments.desk_get(context.url, principal, adjustment_id)


# -- disputes: the desk -----------------------------------------------------------------------


@router.get("/disputes", response_model=DisputePage)
def list_disputes(
    principal: PrincipalDep,
    context: ContextDep,
    page: WindowDep,
    status: Annotated[
        str, Query(max_length=20, description=", ".join(disputes.QUEUE_STATUSES))
    ] = "unresolved",
    assignee: Annotated[str, Query(max_length=100, description="a username, or '-' for nobody")] = "",
    older_than_days: Annotated[int, Query(ge=0, le=3650)] = 0,
) -> object:
    """The disputes queue, oldest first, by status, assignee and minimum age."""
    return _page(
        disputes.desk_queue(
            context.url,
            principal,
            status=status,
            assignee=assignee,
            older_than_days=older_than_days,
            limit=page.limit,
            offset=page.offset,
        )
    )


@router.post("/disputes", response_model=DisputeDetail, status_code=201)
def raise_dispute(
    body: DisputeRaise, principal: PrincipalDep, context: ContextDep, response: Response
) -> object:
    """A payee questions one of their own payout lines (anyone else's line is not found)."""
    new_id = disputes.raise_own(context.url, principal, body.payout_id, body.message)
    response.headers["Location"] = f"/api/v1/my/disputes/{new_id}"
    return disputes.my_dispute(context.url, principal, new_id)


@router.get("/disputes/{dispute_id}", response_model=DisputeDetail)
def get_dispute(dispute_id: int, principal: PrincipalDep, context: ContextDep) -> object:
    """One dispute with its payout line and whole thread."""
    return disputes.desk_get(context.url, principal, dispute_id)


@router.post("/disputes/{dispute_id}/assign", response_model=DisputeDetail)
def assign_dispute(
    dispute_id: int, body: DisputeAssign, principal: PrincipalDep, context: ContextDep
) -> object:
    """Assign to an active finance or admin user (``DESK006`` otherwise)."""
    disputes.desk_assign(context.url, principal, dispute_id, body.assignee)
    return disputes.desk_get(context.url, principal, dispute_id)


@router.post("/disputes/{dispute_id}/answer", response_model=DisputeDetail)
def answer_dispute(
    dispute_id: int, body: DisputeAnswer, principal: PrincipalDep, context: ContextDep
) -> object:
    """Answer the payee (an unassigned dispute is assigned to whoever answers it)."""
    disputes.desk_answer(context.url, principal, dispute_id, body.text)
    return disputes.desk_get(context.url, principal, dispute_id)


@router.post("/disputes/{dispute_id}/resolve", response_model=DisputeDetail)
def resolve_dispute(
    dispute_id: int, body: DisputeResolve, principal: PrincipalDep, context: ContextDep
) -> object:
    """Close the dispute with a resolution the payee reads."""
    disputes.desk_resolve(context.url, principal, dispute_id, body.resolution)
    return disputes.desk_get(context.url, principal, dispute_id)


@router.post("/disputes/{dispute_id}/adjustment", response_model=AdjustmentDetail, status_code=201)
def adjust_dispute(
    dispute_id: int, body: DisputeAdjust, principal: PrincipalDep, context: ContextDep, response: Response
) -> object:
    """Settle the dispute by an adjustment on its line (pending approval by someone else)."""
    new_id = disputes.desk_to_adjustment(context.url, principal, dispute_id, **body.model_dump())
    response.headers["Location"] = f"/api/v1/adjustments/{new_id}"
    return adjustments.desk_get(context.url, principal, new_id)


# -- disputes: the payee's own ----------------------------------------------------------------


@router.get("/my/disputes", response_model=MyDisputePage)
def my_disputes(principal: PrincipalDep, context: ContextDep, page: WindowDep) -> object:
    """The caller's own disputes, newest first, each with its thread."""
    return _page(disputes.my_disputes(context.url, principal, limit=page.limit, offset=page.offset))


@router.get("/my/disputes/{dispute_id}", response_model=DisputeDetail)
def my_dispute(dispute_id: int, principal: PrincipalDep, context: ContextDep) -> object:
    return disputes.my_dispute(context.url, principal, dispute_id)


@router.post("/my/disputes/{dispute_id}/reply", response_model=DisputeDetail)
def reply_dispute(
    dispute_id: int, body: DisputeReply, principal: PrincipalDep, context: ContextDep
) -> object:
    """Add to one's own open dispute."""
    disputes.reply(context.url, principal, dispute_id, body.message)
    return disputes.my_dispute(context.url, principal, dispute_id)


# -- background runs --------------------------------------------------------------------------


def _job(url: str, job: jobs.Job) -> dict[str, Any]:
    return {**asdict(job), "done": job.done, "waiting_on": jobs.waiting_on(url, job)}


@router.get("/jobs", response_model=JobPage)
def list_jobs(principal: PrincipalDep, context: ContextDep, page: WindowDep) -> object:
    """Background runs, newest first."""
    found = jobs.list_jobs(context.url, principal, limit=page.limit, offset=page.offset)
    return {
        "items": [_job(context.url, job) for job in found],
        "total": jobs.count_jobs(context.url, principal),
        "limit": page.limit,
        "offset": page.offset,
    }


@router.post("/jobs", response_model=Job, status_code=202)
def start_job(body: JobStart, principal: PrincipalDep, context: ContextDep, response: Response) -> object:
    """Queue a pay run of the periods (for some payees, or everyone); follow it at its Location."""
    job = jobs.start_run_job(context.url, principal, body.labels(), payees=body.payees)
    response.headers["Location"] = f"/api/v1/jobs/{job.job_id}"
    return _job(context.url, job)


@router.get("/jobs/{job_id}", response_model=Job)
def get_job(
    job_id: Annotated[str, Path(max_length=64)], principal: PrincipalDep, context: ContextDep
) -> object:
    """A background run's progress: state, stage, percent, heartbeat, and its run or error when done."""
    return _job(context.url, jobs.get_job(context.url, principal, job_id))
