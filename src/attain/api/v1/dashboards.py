"""The dashboards as JSON: ``GET /api/v1/dashboards/{kind}`` (executive, manager, rep), panels with rows.

The same computation and the same scoping as the web pages (``attain.services.metrics.dashboard``
with the caller's principal): the executive dashboard is for admin and finance, a manager sees their
team (or a team below them), a rep themselves; anything else answers 404 ``AUTH007`` like a missing
page, a bad ``period`` 400 ``ANA001``, a bad ``as_of`` a client error with the parameter code.
Money and ratios are exact decimal strings (never floats), counts integers, dates ISO; each column
carries its unit.

Money is in the currency its data names and amounts in two currencies are never added
(``attain.analytics.amounts``): a panel whose money columns are in the row's own currency (the
forecast panels: one row per rep or team and currency, with a ``currency`` column) gives those
columns the unit of that one currency when every row shares it (``KWD``), else ``currency`` (read
each row's ``currency``). The forecast rows also keep ``commission_currency`` (the currency of
``commission``; null when it is not calculated).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from attain.analytics.panels import Panel
from attain.api.deps import ContextDep, PrincipalDep, today
from attain.core.errors import AttainError
from attain.services import access, metrics

router = APIRouter(tags=["dashboards"])

Cell = str | int | bool | None
COMMISSION = "commission"
MONEY = "money"
"""A panel column's unit when its amounts are in the row's ``currency``."""
PER_ROW = "currency"
"""A money column's unit when rows are in different currencies: read each row's currency."""


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
        panels=[money_units(panel_out(p)) for p in board.panels],
    )


def money_units(panel: PanelOut) -> PanelOut:
    """The panel with its per-row money columns (unit ``money``) named by their currency: the rows'
    one ``currency``, else ``currency`` (read each row's); forecast rows name ``commission_currency``."""
    if not any(c.unit == MONEY for c in panel.columns):
        return panel
    codes = {row.get("currency") for row in panel.rows}
    unit = str(next(iter(codes))) if len(codes) == 1 and None not in codes else PER_ROW
    columns = [c.model_copy(update={"unit": unit}) if c.unit == MONEY else c for c in panel.columns]
    rows = panel.rows
    if any(c.key == COMMISSION for c in panel.columns):
        columns.append(ColumnOut(key="commission_currency", label="Commission currency", unit="text"))
        rows = [{**row, "commission_currency": row.get("currency") if row.get(COMMISSION) is not None
                 else None} for row in rows]
    return panel.model_copy(update={"rows": rows, "columns": columns})
