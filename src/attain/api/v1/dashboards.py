"""The dashboards as JSON: ``GET /api/v1/dashboards/{kind}`` (executive, manager, rep), panels with rows.

The same computation and the same scoping as the web pages (``attain.services.metrics.dashboard``
with the caller's principal): the executive dashboard is for admin and finance, a manager sees their
team (or a team below them), a rep themselves; anything else answers 404 ``AUTH007`` like a missing
page, a bad ``period`` 400 ``ANA001``, a bad ``as_of`` a client error with the parameter code.
Money and ratios are exact decimal strings (never floats), counts integers, dates ISO; each column
carries its unit.

The forecast panels' **expected commission** is in the currency of the reps' plans, and amounts in
two currencies are never added (``commission_in_currencies``): each row names its
``commission_currency`` (the column's unit is that one currency, or ``currency`` when rows differ);
a rep whose plans pay in several currencies, or a team panel over plans in several currencies, has
``commission`` null (a note says why) instead of a cross-currency sum.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from attain.analytics.compute import Window
from attain.analytics.panels import Panel
from attain.api.deps import ContextDep, PrincipalDep, today
from attain.core.errors import AttainError
from attain.services import access, metrics
from attain.services.calc import published_plans
from attain.services.deal_currency import payee_plan_currencies
from attain.services.metrics import DashboardScope

router = APIRouter(tags=["dashboards"])

Cell = str | int | bool | None
COMMISSION = "commission"
PER_ROW = "currency"
"""The commission column's unit when rows are in different currencies: read each row's currency."""


class ColumnOut(BaseModel):
    key: str
    label: str
    unit: str


class ChartOut(BaseModel):
    kind: str
    x: str
    y: list[str]
    rule: Decimal | None = None


class PanelOut(BaseModel):
    key: str
    title: str
    columns: list[ColumnOut]
    rows: list[dict[str, Cell]]
    chart: ChartOut | None = None
    notes: list[str] = []


class DashboardOut(BaseModel):
    kind: str
    title: str
    subject: str | None
    period: str | None
    period_start: dt.date | None
    period_end: dt.date | None
    as_of: dt.date | None
    panels: list[PanelOut]


def cell(value: Any) -> Cell:
    """A row value as JSON: decimals as exact strings, dates ISO, counts as integers."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def panel_out(panel: Panel) -> PanelOut:
    chart = panel.chart
    return PanelOut(
        key=panel.key,
        title=panel.title,
        columns=[ColumnOut(key=c.key, label=c.label, unit=c.unit) for c in panel.columns],
        rows=[{key: cell(value) for key, value in row.items()} for row in panel.rows],
        chart=None
        if chart is None
        else ChartOut(kind=chart.kind, x=chart.x, y=list(chart.y), rule=chart.rule),
        notes=list(panel.notes),
    )


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise AttainError("as_of must be a date (YYYY-MM-DD)", code=access.BAD_PARAMETER) from exc


@router.get("/dashboards/{kind}", response_model=DashboardOut)
def dashboard(
    kind: str,
    principal: PrincipalDep,
    context: ContextDep,
    subject: str | None = None,
    period: str | None = None,
    as_of: str | None = None,
    commission: bool = True,
) -> DashboardOut:
    """A dashboard (``executive``, ``manager`` or ``rep``) as the caller may see it.

    ``subject``: the manager (``manager``) or rep (``rep``) whose dashboard it is (default: the
    caller's own payee); ``period``: ``YYYY``, ``YYYY-Qn``, ``YYYY-MM`` or ``FROM..TO`` (default: the
    quarter of the data date); ``as_of``: the data cut-off (default: the newest data on or before
    today); ``commission=false`` skips the expected commission (the engine run). Without a subject
    (an account not linked to a payee) the answer has no panels."""
    scope, board = metrics.dashboard(
        context.url, principal, kind, subject or None, (period or "").strip() or None,
        _date((as_of or "").strip()), commission, today(),
    )
    if board is None:
        return DashboardOut(kind=kind, title=scope.title, subject=scope.subject, period=None,
                            period_start=None, period_end=None, as_of=None, panels=[])
    return DashboardOut(
        kind=kind,
        title=scope.title,
        subject=scope.subject,
        period=board.window.label,
        period_start=board.window.start,
        period_end=board.window.end,
        as_of=board.as_of,
        panels=commission_in_currencies(
            [panel_out(p) for p in board.panels],
            lambda: commission_currencies(context.url, scope, board.window),
        ),
    )


def commission_currencies(url: str, scope: DashboardScope, window: Window) -> dict[str, set[str]]:
    """The plan currencies of each payee in scope during the window (the expected commission's)."""
    tables = metrics.snapshot(url).tables
    ids = scope.payee_ids if scope.payee_ids is not None else tables["payee"]["payee_id"].to_pylist()
    return payee_plan_currencies(tables, published_plans(url), ids, window)


def commission_in_currencies(
    panels: list[PanelOut], currencies: Callable[[], dict[str, set[str]]]
) -> list[PanelOut]:
    """The forecast panels with their expected commission per currency (``currencies`` is asked only
    when a panel has a commission): a rep row in their plans' one currency, a team row in the one
    currency of all the plans in scope; with several, null and a note, never a cross-currency sum."""
    found: dict[str, set[str]] | None = None
    kept = []
    for panel in panels:
        if panel.key.startswith("forecast_by_") and any(row.get(COMMISSION) is not None
                                                        for row in panel.rows):
            found = currencies() if found is None else found
            panel = _commission_per_currency(panel, found)
        kept.append(panel)
    return kept


def _commission_per_currency(panel: PanelOut, currencies: dict[str, set[str]]) -> PanelOut:
    per_rep = panel.key == "forecast_by_rep"
    every = set().union(*currencies.values()) if currencies else set()
    rows, notes = [], list(panel.notes)
    for row in panel.rows:
        own = currencies.get(str(row.get("who")), set()) if per_rep else every
        one = next(iter(own)) if len(own) == 1 else None
        rows.append({**row, COMMISSION: row.get(COMMISSION) if len(own) <= 1 else None,
                     "commission_currency": one})
        if len(own) > 1 and per_rep:
            notes.append(f"Expected commission of {row.get('name')} not added up: their plans pay in "
                         f"{' and '.join(sorted(own))}.")
    if len(every) > 1 and not per_rep:
        notes.append("Expected commission not added up per team: the plans pay in "
                     f"{' and '.join(sorted(every))}.")
    shown = {row["commission_currency"] for row in rows if row[COMMISSION] is not None} - {None}
    unit = next(iter(shown)) if len(shown) == 1 else PER_ROW
    columns = [c.model_copy(update={"unit": unit}) if c.key == COMMISSION else c for c in panel.columns]
    columns.append(ColumnOut(key="commission_currency", label="Commission currency", unit="text"))
    return panel.model_copy(update={"rows": rows, "columns": columns, "notes": notes})
