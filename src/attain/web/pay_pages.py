"""Pay pages: the rep home (also a manager's read-only drill-down), a deal's explanation, statements,
raising a dispute, the estimator, and the manager's team page.

Every read goes through ``attain.services.home`` / ``estimator`` with the principal, so the scope
(own / team as of today / everyone) is enforced in the services; out of scope is 404 ``AUTH007``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from attain.api.deps import ContextDep, PrincipalDep, current_principal, today
from attain.core.errors import AttainError
from attain.services import access, approvals, estimator, home
from attain.services.access import Principal
from attain.store.db import reading
from attain.web.templating import add_flash, render

router = APIRouter(include_in_schema=False)

STATEMENT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'none'"
)
"""The statement document carries its own inline style (it is also the PDF source): it may style itself,
nothing else — no script, no requests, sandboxed."""


def rep_page(request: Request, principal: Principal, url: str, payee_id: str) -> Response:
    """The rep home of ``payee_id`` as ``principal`` sees it (own page, or a manager's drill-down)."""
    with reading(url) as conn:
        data = home.rep_home(conn, principal, payee_id, today())
    own = principal.payee_id == payee_id
    return render(request, "rep_home.html", {"home": data, "own": own})


def signed_in(page: Callable[..., Response], request: Request, url: str, *args: str) -> Response:
    """``page(request, principal, url, *args)`` for the signed-in principal (``SIGN_IN_REQUIRED`` without)."""
    return page(request, current_principal(request), url, *args)


@router.get("/reps/{payee_id}")
async def rep(request: Request, payee_id: str, context: ContextDep) -> Response:
    """The rep home. It and the statement are what every rep opens: the sign-in check and the page run in
    one thread-pool hop (a ``PrincipalDep`` would take a hop of its own; see docs/web.md, "Load")."""
    return await run_in_threadpool(signed_in, rep_page, request, context.url, payee_id)


@router.get("/reps/{payee_id}/deals/{transaction_id}")
def deal(
    request: Request, payee_id: str, transaction_id: str, principal: PrincipalDep, context: ContextDep
) -> Response:
    with reading(context.url) as conn:
        payee = access.payee_profile(conn, principal, payee_id, today())
        trace = home.explain_deal(conn, principal, payee_id, transaction_id, today())
    return render(request, "deal.html", {"payee": payee, "trace": trace})


def _statement_period(url: str, principal: Principal, payee_id: str, period: str) -> None:
    """``NOT_FOUND`` unless the payee is visible and the newest run paid them in ``period``."""
    with reading(url) as conn:
        paid = home.statement_periods(conn, principal, payee_id, today())
    if period not in paid:
        raise access.not_found("statement", period)


@router.get("/reps/{payee_id}/statements/{period}.pdf")
def statement_pdf(payee_id: str, period: str, principal: PrincipalDep, context: ContextDep) -> Response:
    from attain.services import statements

    _statement_period(context.url, principal, payee_id, period)
    body = statements.statement_pdf(context.url, principal, payee_id, period)
    name = f"statement-{payee_id}-{period}.pdf".replace('"', "")
    return Response(
        body, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def statement_page(_request: Request, principal: Principal, url: str, payee_id: str, period: str) -> Response:
    """The HTML statement of ``payee_id`` for ``period`` as ``principal`` may read it."""
    from attain.services import statements

    _statement_period(url, principal, payee_id, period)
    body = statements.statement_html(url, principal, payee_id, period)
    return Response(
        body, media_type="text/html; charset=utf-8", headers={"Content-Security-Policy": STATEMENT_CSP}
    )


@router.get("/reps/{payee_id}/statements/{period}")
async def statement_html(request: Request, payee_id: str, period: str, context: ContextDep) -> Response:
    """The HTML statement: one thread-pool hop for the sign-in check and the page (see ``rep``)."""
    return await run_in_threadpool(signed_in, statement_page, request, context.url, payee_id, period)


@router.post("/reps/{payee_id}/disputes")
def raise_dispute(
    request: Request,
    payee_id: str,
    principal: PrincipalDep,
    context: ContextDep,
    payout_id: Annotated[int, Form()],
    message: Annotated[str, Form(max_length=2000)],
) -> Response:
    """A payee questions one of their own payout lines (nobody raises one for someone else)."""
    from attain.services import disputes

    if principal.payee_id != payee_id:
        raise access.not_found("payee", payee_id)
    with reading(context.url) as conn:
        data = home.rep_home(conn, principal, payee_id, today())
    if payout_id not in {line["id"] for line in data.get("lines", [])}:
        raise access.not_found("payout line", payout_id)
    disputes.raise_own(context.url, principal, payout_id, message)
    add_flash(request, "Your question was sent. You will see the answer here.")
    return RedirectResponse("/", status_code=303)


# -- estimator ------------------------------------------------------------------------------------


def _target(principal: Principal, payee_id: str) -> str:
    chosen = payee_id or principal.payee_id
    if not chosen:
        raise AttainError("choose a payee to estimate for", code=access.BAD_PARAMETER)
    return chosen


def _estimator_context(url: str, principal: Principal, payee_id: str) -> dict[str, object]:
    day = today()
    with reading(url) as conn:
        data = home.rep_home(conn, principal, payee_id, day)
        open_deals = access.list_opportunities(
            conn, principal, day, owner_id=payee_id, status="open", limit=access.MAX_LIMIT
        ).items
    return {
        "home": data,
        "opportunities": open_deals,
        "estimate": None,
        "error": None,
        "amount": "",
        "date": "",
        "chosen": [],
    }


@router.get("/estimate")
def estimate_page(
    request: Request, principal: PrincipalDep, context: ContextDep, payee_id: str = ""
) -> Response:
    chosen = _target(principal, payee_id)
    return render(request, "estimate.html", _estimator_context(context.url, principal, chosen))


def _hypotheticals(
    amount: str, date: str, chosen: list[str], opportunities: list[dict[str, object]], period: home.Period
) -> list[estimator.Hypothetical]:
    deals = []
    if amount.strip():
        try:
            value = Decimal(amount.replace(",", "").strip())
            day = dt.date.fromisoformat(date) if date else period.end
        except (InvalidOperation, ValueError) as exc:
            raise AttainError(
                "the amount must be a number and the date YYYY-MM-DD", code=estimator.EST001
            ) from exc
        deals.append(estimator.Hypothetical("new deal", value, day))
    for opp in opportunities:
        if opp["opportunity_id"] in chosen and opp["amount"] is not None:
            close = opp["close_date"]
            when = close if isinstance(close, dt.date) and period.start <= close <= period.end else period.end
            deals.append(
                estimator.Hypothetical(
                    str(opp["name"] or opp["opportunity_id"]),
                    Decimal(str(opp["amount"])),
                    when,
                    str(opp["currency"] or "USD"),
                    str(opp["opportunity_id"]),
                )
            )
    return deals


@router.post("/estimate")
def estimate(
    request: Request,
    principal: PrincipalDep,
    context: ContextDep,
    payee_id: Annotated[str, Form(max_length=100)] = "",
    amount: Annotated[str, Form(max_length=40)] = "",
    date: Annotated[str, Form(max_length=10)] = "",
    opportunity: Annotated[list[str] | None, Form()] = None,
) -> Response:
    chosen_payee = _target(principal, payee_id)
    values = _estimator_context(context.url, principal, chosen_payee)
    values.update({"amount": amount, "date": date, "chosen": opportunity or []})
    period = values["home"]["period"]  # type: ignore[index]
    if period is None:
        values["error"] = AttainError("nothing has been calculated for this payee yet", code=estimator.EST002)
        return render(request, "estimate.html", values, status_code=422)
    try:
        deals = _hypotheticals(amount, date, opportunity or [], values["opportunities"], period)  # type: ignore[arg-type]
        values["estimate"] = estimator.estimate(context.url, principal, chosen_payee, period, deals, today())
    except AttainError as error:
        if error.code == access.NOT_FOUND:
            raise
        values["error"] = error
        return render(request, "estimate.html", values, status_code=422)
    return render(request, "estimate.html", values)


# -- manager --------------------------------------------------------------------------------------


@router.get("/team")
def team(request: Request, principal: PrincipalDep, context: ContextDep) -> Response:
    day = today()
    if principal.role == "rep":
        raise access.not_found("page", "/team")
    with reading(context.url) as conn:
        overview = home.team_overview(conn, principal, day)
        disputes = home.team_disputes(conn, principal, day)
    waiting = [p for p in approvals.list_periods(context.url, principal) if p["status"] == "in_review"]
    return render(request, "team.html", {"team": overview, "disputes": disputes, "waiting": waiting})
