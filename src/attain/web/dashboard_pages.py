"""Dashboard pages: executive, manager (a team) and rep, each panel a chart, a table and its exports.

``/dashboards`` opens the viewer's own dashboard (admin and finance: executive; manager: their team;
rep: their own). ``/dashboards/<kind>?subject=&period=&as_of=`` shows one, ``.../dashboard.xlsx``
downloads every panel (a sheet each) and ``.../<panel>.csv|.xlsx`` one panel. Every figure comes from
``attain.services.metrics.dashboard`` with the principal, which decides the scope (a manager's
hierarchy, a rep themselves): out of scope is 404 ``AUTH007`` like a page that does not exist.
Charts are Vega-Lite specs drawn by ``static/charts.js`` (``attain.web.charts``); the tables beside
them carry the same numbers, so the page works without JavaScript. The rep home and the team page
link here (the main navigation is not extended: its order is asserted by the navigation test).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.responses import RedirectResponse, Response

from attain.analytics.dashboards import Dashboard
from attain.analytics.export import panel_csv, workbook
from attain.analytics.panels import Panel
from attain.api.deps import ContextDep, PrincipalDep, today
from attain.core.errors import AttainError
from attain.core.money import MINOR_UNITS, minor_unit
from attain.services import access, metrics
from attain.services.access import Principal
from attain.store.db import reading
from attain.web.charts import chart_html
from attain.web.templating import render

router = APIRouter(include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LABELS = {"executive": "Executive", "manager": "Team", "rep": "Rep"}


def _as_of(text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise AttainError("as_of must be a date (YYYY-MM-DD)", code=access.BAD_PARAMETER) from exc


def _load(
    url: str, principal: Principal, kind: str, subject: str, period: str, as_of: str, commission: str
) -> tuple[metrics.DashboardScope, Dashboard | None]:
    return metrics.dashboard(
        url,
        principal,
        kind,
        subject or None,
        period.strip() or None,
        _as_of(as_of.strip()),
        commission != "0",
        today(),
    )


@router.get("/dashboards")
def own_dashboard(principal: PrincipalDep) -> Response:
    kind = {"admin": "executive", "finance": "executive", "manager": "manager"}.get(principal.role, "rep")
    return RedirectResponse(f"/dashboards/{kind}", status_code=303)


@router.get("/dashboards/{kind}")
def dashboard_page(
    request: Request,
    kind: str,
    principal: PrincipalDep,
    context: ContextDep,
    subject: str = "",
    period: str = "",
    as_of: str = "",
    commission: str = "1",
) -> Response:
    scope, board = _load(context.url, principal, kind, subject, period, as_of, commission)
    choices: list[dict[str, Any]] = []
    if board is None:
        with reading(context.url) as conn:
            choices = (
                metrics.managers(conn, principal, today())
                if kind == "manager"
                else _visible_payees(conn, principal)
            )
    query = _query(scope.subject, board, commission)
    return render(
        request,
        "dashboard_page.html",
        {
            "scope": scope,
            "board": board,
            "choices": choices,
            "kind": kind,
            "query": query,
            "panels": [_view(p, kind, query) for p in board.panels] if board else [],
            "others": _other_dashboards(principal),
        },
    )


def _visible_payees(conn: Any, principal: Principal) -> list[dict[str, Any]]:
    page = access.list_payees(conn, principal, today(), limit=access.MAX_LIMIT)
    return [{"payee_id": p["payee_id"], "name": p["name"]} for p in page.items]


def _other_dashboards(principal: Principal) -> list[tuple[str, str]]:
    kinds = {
        "admin": ("executive", "manager", "rep"),
        "finance": ("executive", "manager", "rep"),
        "manager": ("manager", "rep"),
    }.get(principal.role, ("rep",))
    return [(k, LABELS[k]) for k in kinds]


def _query(subject: str | None, board: Dashboard | None, commission: str) -> str:
    from urllib.parse import urlencode

    if board is None:
        return ""
    params = {"subject": subject or "", "period": board.window.label, "as_of": board.as_of.isoformat()}
    if commission == "0":
        params["commission"] = "0"
    return urlencode({k: v for k, v in params.items() if v})


# -- exports ---------------------------------------------------------------------------------------


def _file_name(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", "-".join(p for p in parts if p)).strip("-")


@router.get("/dashboards/{kind}/dashboard.xlsx")
def dashboard_xlsx(
    kind: str,
    principal: PrincipalDep,
    context: ContextDep,
    subject: str = "",
    period: str = "",
    as_of: str = "",
    commission: str = "1",
) -> Response:
    scope, board = _load(context.url, principal, kind, subject, period, as_of, commission)
    if board is None:
        raise AttainError("choose whose dashboard to export (subject)", code=access.BAD_PARAMETER)
    body = workbook(board.panels, f"{scope.title}, {board.window.label}, data as of {board.as_of}")
    name = _file_name("dashboard", kind, scope.subject or "", board.window.label) + ".xlsx"
    return Response(body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/dashboards/{kind}/{panel}.{fmt}")
def panel_export(
    kind: str,
    panel: str,
    fmt: str,
    principal: PrincipalDep,
    context: ContextDep,
    subject: str = "",
    period: str = "",
    as_of: str = "",
    commission: str = "1",
) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise access.not_found("export format", fmt)
    scope, board = _load(context.url, principal, kind, subject, period, as_of, commission)
    if board is None:
        raise AttainError("choose whose dashboard to export (subject)", code=access.BAD_PARAMETER)
    try:
        chosen = board.panel(panel)
    except KeyError:
        raise access.not_found("panel", panel) from None
    name = _file_name(kind, scope.subject or "", panel, board.window.label) + f".{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        return Response(panel_csv(chosen), media_type="text/csv; charset=utf-8", headers=disposition)
    return Response(workbook([chosen], scope.title), media_type=XLSX, headers=disposition)


# -- what a panel looks like -----------------------------------------------------------------------


def show(value: Any, unit: str) -> str:
    """A figure for the page: money at its currency's places, ratios as percents, counts whole."""
    if value is None:
        return "—"
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        number = Decimal(value)
        if unit == "ratio":
            return f"{number * 100:,.1f}%"
        code = unit.removesuffix("/day")
        if code in MINOR_UNITS:  # money in a named currency (USD, KWD/day): at its places
            return f"{number:,.{MINOR_UNITS[code]}f}"
        if unit in ("days", "score"):
            return f"{number:,.1f}"
        if unit == "count" or number == number.to_integral_value():
            return f"{number:,.0f}"
        return f"{number:,}"
    return str(value)


def _view(panel: Panel, kind: str, query: str) -> dict[str, Any]:
    suffix = f"?{query}" if query else ""
    return {
        "panel": panel,
        "chart": _chart(panel, kind),
        "csv": f"/dashboards/{kind}/{panel.key}.csv{suffix}",
        "xlsx": f"/dashboards/{kind}/{panel.key}.xlsx{suffix}",
        "cells": [[_cell(row, c.key, c.unit) for c in panel.columns] for row in panel.rows],
        "headers": [_header(c.label, c.unit) for c in panel.columns],
    }


def _header(label: str, unit: str) -> str:
    """A column heading with its currency when the whole column is in one (``Revenue (EUR)``)."""
    if unit.removesuffix("/day") in MINOR_UNITS and unit not in label:
        return f"{label} ({unit})"
    return label


ROW_UNIT = ("value", "previous", "change")
"""Columns whose unit is the row's own (the headline: one metric per row)."""


def _cell(row: dict[str, Any], key: str, unit: str) -> tuple[str, bool]:
    """The shown text of a cell and whether it is a number (right-aligned); an amount in the row's
    ``currency`` (unit ``money``) at that currency's places with its code next to it."""
    if key in ROW_UNIT and "unit" in row:
        unit = str(row["unit"])
    value = row.get(key)
    if unit == "money":
        return show_money(value, row.get("currency")), isinstance(value, Decimal | int)
    return show(value, unit), isinstance(value, Decimal | int)


def show_money(value: Any, currency: str | None) -> str:
    """``value`` at ``currency``'s minor unit followed by its code (``4,000.000 KWD``); "—" for none."""
    if value is None:
        return "—"
    places = minor_unit(currency)
    text = f"{Decimal(value):,.{places}f}"
    return f"{text} {currency}" if currency else text


def _chart(panel: Panel, kind: str) -> Markup | None:
    chart = panel.chart
    if chart is None or not panel.rows:
        return None
    labels = {c.key: c.label for c in panel.columns}
    units = {c.key: c.unit for c in panel.columns}
    values = [
        {"x": str(row.get(chart.x)), "series": labels.get(y, y), "value": row[y]}
        for row in panel.rows
        for y in chart.y
        if isinstance(row.get(y), Decimal | int)
    ]
    if not values:
        return None
    fmt = ".0%" if units.get(chart.y[0]) == "ratio" else ",.0f"
    spec = _spec(chart.kind, values, labels.get(chart.x, chart.x), fmt, len(chart.y) > 1, chart.rule)
    if units.get(chart.x) == "date" and chart.kind == "line":  # days on a time axis, not 90 labels
        spec["layer"][0]["encoding"]["x"].update({"type": "temporal", "sort": "ascending"})
    return chart_html(spec, f"{kind}-{panel.key}", panel.title)


def _spec(
    kind: str, values: list[dict[str, Any]], x_title: str, fmt: str, series: bool, rule: Decimal | None
) -> dict[str, Any]:
    axis = {"field": "value", "type": "quantitative", "title": None,
            "axis": {"format": fmt, **({"tickMinStep": 1} if fmt == ",.0f" else {})}}
    tooltip = [
        {"field": "x", "title": x_title},
        {"field": "series"},
        {"field": "value", "type": "quantitative", "format": fmt if fmt == ".0%" else ",.2f"},
    ]
    if kind == "funnel":
        steps = {
            "y": {"field": "x", "type": "nominal", "sort": None, "title": None},
            "x": axis,
            "tooltip": tooltip,
        }
        return {
            "data": {"values": values},
            "mark": {"type": "bar"},
            "encoding": steps,
            "height": 40 * len(values),
        }
    encoding: dict[str, Any] = {
        "x": {"field": "x", "type": "ordinal", "sort": None, "title": x_title},
        "y": axis,
        "tooltip": tooltip,
    }
    if series:
        encoding["color"] = {"field": "series", "type": "nominal", "title": None}
        if kind == "bar":
            encoding["xOffset"] = {"field": "series"}
    mark = {"type": "line", "point": len(values) <= 40} if kind == "line" else {"type": "bar"}
    layer: list[dict[str, Any]] = [{"mark": mark, "encoding": encoding}]
    if rule is not None:
        layer.append(
            {
                "mark": {"type": "rule", "strokeDash": [4, 4]},
                "encoding": {"y": {"datum": rule, "type": "quantitative"}},
            }
        )
    return {"data": {"values": values}, "layer": layer, "height": 240}
