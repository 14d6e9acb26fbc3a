"""Planning pages: quota versions (draft -> approved -> published, comments, diff, expected attainment)
and territory designs (a map of accounts before and after, balance tables, apply from a date).

Finance, admins and planners open them (a planner drafts quota versions and designs territories but
never approves, publishes or applies them, and sees no pay anywhere); each step is checked again by
``attain.services.quota_versions`` and ``attain.services.planning`` (who may create, approve — never
the author — publish or apply). The map is a Vega-Lite scatter of the accounts' longitude/latitude
(no tile server: works offline), drawn by ``static/charts.js``; the tables beside it carry the same
numbers without JavaScript.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path, PurePath
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import RedirectResponse, Response

from attain.api.deps import ContextDep, PrincipalDep
from attain.core.errors import AttainError
from attain.services import access
from attain.services import quota_versions as qv
from attain.services.access import Principal
from attain.web.charts import bar_chart, chart_html
from attain.web.nav import Screen, add_screen
from attain.web.templating import add_flash, render

router = APIRouter(include_in_schema=False)
PLANNERS = frozenset({"admin", "finance", "planner"})
add_screen(Screen("planning", "Planning", "/planning", PLANNERS), after="runs")


def _require(principal: Principal) -> None:
    if principal.role not in PLANNERS:
        raise AttainError(f"Your role ({principal.role}) does not open planning.", code=access.FORBIDDEN)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise AttainError(f"expected a date YYYY-MM-DD, got {text!r}", code=access.BAD_PARAMETER) from exc


def _saved(upload: UploadFile, folder: Path) -> Path:
    name = PurePath(upload.filename or "quotas.csv").name or "quotas.csv"
    if not name.lower().endswith((".csv", ".xlsx")):
        raise AttainError(f"{name}: expected a .csv or .xlsx quota file", code=access.BAD_PARAMETER)
    path = folder / name
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out)
    return path


# -- the index -------------------------------------------------------------------------------------


@router.get("/planning")
def planning_page(request: Request, principal: PrincipalDep, context: ContextDep) -> Response:
    from attain.services.planning import list_designs

    _require(principal)
    values = {"versions": qv.list_versions(context.url, principal),
              "designs": list_designs(context.url, principal),
              "may_draft": principal.role in qv.MAY_DRAFT}
    return render(request, "planning_index.html", values)


@router.post("/planning/quotas")
def create_version(
    request: Request,
    principal: PrincipalDep,
    context: ContextDep,
    name: Annotated[str, Form(min_length=1, max_length=120)],
    effective_from: Annotated[str, Form(max_length=10)],
    data: Annotated[UploadFile | None, File()] = None,
    based_on: Annotated[str, Form(max_length=12)] = "",
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    _require(principal)
    base = int(based_on) if based_on.strip().isdigit() else None
    with tempfile.TemporaryDirectory(prefix="attain-quota-") as folder:
        source = _saved(data, Path(folder)) if data is not None and data.filename else None
        try:
            made = qv.create_version(context.url, principal, name.strip(), _date(effective_from),
                                     source=source, based_on=base, comment=comment)
        except AttainError as exc:
            if not exc.issues:
                raise
            values = {"versions": qv.list_versions(context.url, principal), "designs": [], "refused": exc,
                      "may_draft": principal.role in qv.MAY_DRAFT}
            return render(request, "planning_index.html", values, status_code=422)
    add_flash(request, f"Draft {made.label} created with {made.lines} quota line(s).")
    return RedirectResponse(f"/planning/quotas/{made.id}", status_code=303)


# -- one quota version -------------------------------------------------------------------------------


def _outlook(url: str, principal: Principal, version_id: int) -> tuple[qv.Outlook | None, str]:
    try:
        return qv.attainment_outlook(url, principal, version_id), ""
    except AttainError as exc:
        return None, f"[{exc.code}] {exc}"


def _attainment_chart(outlook: qv.Outlook) -> Any:
    rows = [{"rep": r.rep, "median expected attainment": r.median * 100}
            for r in outlook.team.reps if r.median is not None]
    spec = bar_chart(rows, x="rep", y="median expected attainment", y_title="median expected attainment (%)")
    return chart_html(spec, "expected-attainment", "Median expected attainment per rep (% of quota)")


@router.get("/planning/quotas/{version_id}")
def version_page(request: Request, version_id: int, principal: PrincipalDep, context: ContextDep,
                 against: int | None = None) -> Response:
    _require(principal)
    found = qv.detail(context.url, principal, version_id)
    base = against if against is not None else qv.previous(context.url, principal, version_id)
    changes = qv.diff(context.url, principal, base, version_id) if base is not None else []
    outlook, outlook_error = _outlook(context.url, principal, version_id) if found.lines else (None, "")
    version = found.version
    values = {
        "found": found, "version": version, "base": base, "changes": changes, "outlook": outlook,
        "outlook_error": outlook_error, "chart": _attainment_chart(outlook) if outlook else "",
        "may_edit": version.status == "draft" and principal.role in qv.MAY_DRAFT,
        "may_approve": version.status == "draft" and principal.role in qv.MAY_APPROVE
        and principal.username != version.created_by,
        "may_send_back": version.status == "approved" and principal.role in qv.MAY_APPROVE,
        "may_publish": version.status == "approved" and principal.role in qv.MAY_PUBLISH,
        "versions": [v for v in qv.list_versions(context.url, principal, version.name) if v.id != version.id],
    }
    return render(request, "planning_quota.html", values)


@router.post("/planning/quotas/{version_id}/{step}")
def version_step(
    request: Request,
    version_id: int,
    step: str,
    principal: PrincipalDep,
    context: ContextDep,
    comment: Annotated[str, Form(max_length=2000)] = "",
    data: Annotated[UploadFile | None, File()] = None,
) -> Response:
    _require(principal)
    url = context.url
    if step == "comment":
        qv.add_comment(url, principal, version_id, comment)
        message = "Comment added."
    elif step == "approve":
        message = f"{qv.approve(url, principal, version_id, comment=comment).label} approved."
    elif step == "send-back":
        back = qv.send_back(url, principal, version_id, comment=comment)
        message = f"{back.label} is a draft again."
    elif step == "publish":
        done = qv.publish(url, principal, version_id, comment=comment)
        message = f"{done.label} published: its quotas apply from {done.effective_from}."
    elif step == "lines" and data is not None and data.filename:
        with tempfile.TemporaryDirectory(prefix="attain-quota-") as folder:
            edited = qv.replace_lines(url, principal, version_id, _saved(data, Path(folder)))
        message = f"{edited.label}: {edited.lines} quota line(s) from the file."
    else:
        raise AttainError(f"unknown step {step!r}", code=access.BAD_PARAMETER)
    add_flash(request, message)
    return RedirectResponse(f"/planning/quotas/{version_id}", status_code=303)


# -- territory designs -------------------------------------------------------------------------------


def _map(accounts: list[dict[str, Any]], column: str, key: str, title: str) -> Any:
    rows = [{"account": a["account_id"], "territory": a[column] or "(none)", "longitude": a["longitude"],
             "latitude": a["latitude"], "potential": a["potential"]} for a in accounts]
    spec = {
        "data": {"values": rows},
        "projection": {"type": "equirectangular"},
        "mark": {"type": "circle", "opacity": 0.8},
        "encoding": {
            "longitude": {"field": "longitude", "type": "quantitative"},
            "latitude": {"field": "latitude", "type": "quantitative"},
            "color": {"field": "territory", "type": "nominal", "title": "territory"},
            "size": {"field": "potential", "type": "quantitative", "title": "potential"},
            "tooltip": [{"field": "account", "type": "nominal"}, {"field": "territory", "type": "nominal"},
                        {"field": "potential", "type": "quantitative"}],
        },
        "height": 360,
    }
    return chart_html(spec, key, title)


TRADEOFF_SHARES = (0.0, 0.05, 0.1, 0.2, 0.5)
"""Shares of accounts allowed to move at which the balance-vs-disruption curve is drawn."""


def _tradeoff(url: str, principal: Principal, design_id: int) -> tuple[list[dict[str, Any]], Any, str]:
    from attain.services.planning import design_tradeoff

    try:
        points = design_tradeoff(url, principal, design_id, TRADEOFF_SHARES)
    except AttainError as exc:
        return [], "", f"[{exc.code}] {exc}"
    rows = [{"may move (%)": Decimal(f"{p.max_moved * 100:.1f}"), "moved": p.moved,
             "max imbalance (%)": Decimal(f"{p.imbalance * 100:.2f}"),
             "travel (km)": Decimal(f"{p.distance_km:.0f}")} for p in points]
    spec = {
        "data": {"values": rows},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "may move (%)", "type": "quantitative"},
            "y": {"field": "max imbalance (%)", "type": "quantitative"},
            "tooltip": [{"field": k, "type": "quantitative"} for k in rows[0]] if rows else [],
        },
        "height": 240,
    }
    caption = "Tightest balance reachable by share of accounts allowed to move"
    return rows, chart_html(spec, "tradeoff", caption), ""


@router.get("/planning/territories/{design_id}")
def design_page(request: Request, design_id: int, principal: PrincipalDep, context: ContextDep,
                tradeoff: int = 0) -> Response:
    from attain.services.planning import balance_table, read_design

    _require(principal)
    found = read_design(context.url, principal, design_id)
    accounts = found.accounts.to_dicts()
    has_before = any(a["previous_territory_id"] for a in accounts)
    moved = sum(1 for a in accounts
                if a["previous_territory_id"] and a["previous_territory_id"] != a["territory_id"])
    values = {
        "design": found, "moved": moved, "accounts": len(accounts),
        "before": balance_table(found.accounts, "previous_territory_id").to_dicts() if has_before else [],
        "after": balance_table(found.accounts, "territory_id").to_dicts(),
        "map_before": _map(accounts, "previous_territory_id", "map-before", "Accounts by today's territory")
        if has_before else "",
        "map_after": _map(accounts, "territory_id", "map-after", "Accounts by the designed territory"),
        "may_apply": found.status == "proposed" and principal.role == "admin",
        "gap_percent": None if found.gap is None else found.gap * 100,
        "hundred": Decimal(100),
        "tradeoff": tradeoff and has_before,
    }
    rows, chart, error = _tradeoff(context.url, principal, design_id) if values["tradeoff"] else ([], "", "")
    values.update({"curve": rows, "curve_chart": chart, "curve_error": error})
    return render(request, "planning_territory.html", values)


@router.post("/planning/territories/{design_id}/apply")
def apply_design(request: Request, design_id: int, principal: PrincipalDep, context: ContextDep,
                 effective_from: Annotated[str, Form(max_length=10)]) -> Response:
    from attain.services.planning import apply_design as apply

    _require(principal)
    done = apply(context.url, principal, design_id, _date(effective_from))
    add_flash(request, f"Applied from {done.effective_from}: {done.moved} account(s) change territory.")
    return RedirectResponse(f"/planning/territories/{design_id}", status_code=303)
