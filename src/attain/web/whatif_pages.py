"""The what-if screen: change calls a day, orders per call or deal size for a rep or a team and see the
expected orders, revenue and commission (through the published plans) for the rest of the period.

``GET /whatif?kind=rep|team&subject=&period=&start=&currency=`` shows the form pre-filled with the
subject's current figures and the baseline (every rep keeps their own figures); ``POST /whatif``
(CSRF-checked) applies the changes and shows the scenario next to the baseline, a chart of both and
the exact figures per rep. The deal size, revenue and commission are in the subject's plan currency
(to its minor unit: fils for a KWD plan); when their plans name several currencies, or none, the page
says so and offers a choice limited to the plans' currencies (``forecast.deal_currency``). Who may
see whom is decided by ``attain.services.forecast.what_if_view`` (a rep: themselves; a manager: a rep
of their team or the whole team; admin and finance: anyone): out of scope is 404 ``AUTH007``; a
currency outside the choices is 400 ``ANA012``. Bad figures are shown on the form (422 with their
code), nothing is saved.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from markupsafe import Markup
from starlette.responses import Response

from attain.api.deps import ContextDep, PrincipalDep, today
from attain.core.errors import AttainError
from attain.services import access, metrics
from attain.services.access import Principal
from attain.services.forecast import Changes, WhatIfView, parse_changes, what_if_view
from attain.store.db import reading
from attain.web.charts import bar_chart, chart_html
from attain.web.templating import format_money, format_money_exact, render

router = APIRouter(include_in_schema=False)

KINDS = ("rep", "team")
MEASURES = (("revenue", "Revenue"), ("commission_expected", "Commission"))


def _kind(principal: Principal, kind: str) -> str:
    if kind in KINDS:
        return kind
    if kind:
        raise access.not_found("what-if", kind)
    return "team" if principal.role == "manager" else "rep"


def _choices(url: str, principal: Principal, kind: str) -> list[dict[str, Any]]:
    with reading(url) as conn:
        if kind == "team":
            return metrics.managers(conn, principal, today())
        page = access.list_payees(conn, principal, today(), limit=access.MAX_LIMIT)
    return [{"payee_id": p["payee_id"], "name": p["name"]} for p in page.items]


def chart(view: WhatIfView) -> Markup | None:
    """Baseline against scenario: revenue and commission for the rest of the period."""
    base, changed = view.total("baseline"), view.total("scenario")
    rows = [
        {"figure": label, "case": case, "amount": totals[key]}
        for key, label in MEASURES
        if view.has_commission or key == "revenue"
        for case, totals in (("Baseline", base), ("What-if", changed))
    ]
    currency = view.deal.chosen or "Amount"
    spec = bar_chart(rows, x="figure", y="amount", color="case", x_title="", y_title=currency, sort="x")
    return chart_html(spec, "whatif", "Baseline against what-if: revenue and commission")


def _form_values(view: WhatIfView | None, changes: Changes | None) -> dict[str, str]:
    """The form's fields: what was entered, else the subject's current figures (a rep), else blank."""
    if view is None:
        return {"calls_per_day": "", "orders_per_call": "", "deal_size": ""}
    shown = changes or (view.current if view.scope.kind == "rep" else Changes())
    return {key: "" if getattr(shown, key) is None else str(getattr(shown, key))
            for key in ("calls_per_day", "orders_per_call", "deal_size")}


def _page(
    request: Request,
    url: str,
    principal: Principal,
    fields: dict[str, str],
    changes: Changes | None,
    error: AttainError | None = None,
) -> Response:
    kind = _kind(principal, fields["kind"])
    view = what_if_view(url, principal, kind, fields["subject"] or None, fields["period"] or None,
                        fields["start"] or None, changes or Changes(), today(), fields["currency"] or None)
    values = {
        "kind": kind,
        "view": view,
        "changed": changes is not None and error is None,
        "percent": percent,
        "show": show,
        "currency": view.deal.chosen if view is not None else None,
        "form": _form_values(view, None if error else changes) | (fields if error else {}),
        "choices": [] if view is not None else _choices(url, principal, kind),
        "chart": chart(view) if view is not None else None,
        "error": error,
        "kinds": [("rep", "A rep"), ("team", "A team")] if principal.role != "rep" else [],
    }
    return render(request, "whatif.html", values, status_code=422 if error else 200)


@router.get("/whatif")
def whatif_page(
    request: Request,
    principal: PrincipalDep,
    context: ContextDep,
    kind: str = "",
    subject: str = "",
    period: str = "",
    start: str = "",
    currency: str = "",
) -> Response:
    fields = {"kind": kind, "subject": subject, "period": period.strip(), "start": start.strip(),
              "currency": currency.strip()}
    return _page(request, context.url, principal, fields, None)


@router.post("/whatif")
def whatif(
    request: Request,
    principal: PrincipalDep,
    context: ContextDep,
    kind: Annotated[str, Form(max_length=10)] = "",
    subject: Annotated[str, Form(max_length=200)] = "",
    period: Annotated[str, Form(max_length=30)] = "",
    start: Annotated[str, Form(max_length=10)] = "",
    calls_per_day: Annotated[str, Form(max_length=40)] = "",
    orders_per_call: Annotated[str, Form(max_length=40)] = "",
    deal_size: Annotated[str, Form(max_length=40)] = "",
    currency: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    fields = {"kind": kind, "subject": subject, "period": period.strip(), "start": start.strip(),
              "currency": currency.strip()}
    entered = {"calls_per_day": calls_per_day, "orders_per_call": orders_per_call, "deal_size": deal_size}
    try:
        changes = parse_changes(calls_per_day, orders_per_call, deal_size)
    except AttainError as error:
        return _page(request, context.url, principal, fields | entered, Changes(), error)
    return _page(request, context.url, principal, fields, changes)


def show(value: Decimal, money: bool, currency: str | None = None) -> str:
    """Money half-even to its currency's minor unit (as it would be paid; the cent when none is chosen
    yet), without the code; calls and orders exact to their cents."""
    if not money:
        return format_money_exact(value)
    text = format_money(value, currency)
    return text.removesuffix(f" {currency}") if currency else text


def percent(value: Decimal | None) -> str:
    """Orders per call as a percent for the page (the form keeps the exact ratio)."""
    return "—" if value is None else f"{value * 100:,.2f}%"
