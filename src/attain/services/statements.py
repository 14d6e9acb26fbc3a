"""Payee statements per period: payout lines, earnings by component, deals, attainment (with a chart),
draws and balances, holds, clawbacks, adjustments and year to date; HTML (Jinja2) and PDF (WeasyPrint).

The data comes from the period's current run (``period_status.run_id``; else the latest run with
lines for the period). ``render_statements`` reads a whole period once and renders every payee.

Every entry point takes the acting principal and checks it here, not only in the pages: a rep reads
their own statements, a manager those of their hierarchy as of today, finance and admin everyone's;
a payee outside the scope is not found (AUTH007), exactly like one that does not exist, and a role
without pay (planner) is refused (AUTH004). The command line passes ``access.COMMAND_LINE``.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import Connection, Engine, literal, select

from attain.core.errors import AttainError
from attain.core.money import minor_unit
from attain.payouts.codes import PAY040
from attain.services.access_scope import Principal, ensure_pay_visible, pay_scope
from attain.services.home import RunViews, payout_of_run
from attain.store.db import reading
from attain.store.tables import (
    ENTITY_TABLES,
    calc_run,
    payout,
    payout_balance,
    payout_hold,
    period_status,
    run_component_total,
    run_credit,
    run_earning,
    run_measure,
)

ZERO = Decimal(0)
payee = ENTITY_TABLES["payee"]


@dataclass(frozen=True)
class PeriodBundle:
    """Everything the statements of one period need, grouped by payee."""

    run_id: int
    period_label: str
    status: str
    rows: dict[str, dict[str, list[dict[str, Any]]]]
    names: dict[str, tuple[str, str]]


def current_run(conn: Connection, period_label: str) -> tuple[int, str]:
    """(run id, status) whose lines a period shows."""
    row = conn.execute(
        select(period_status.c.run_id, period_status.c.status).where(
            period_status.c.period_label == period_label
        )
    ).first()
    if row is not None and row.run_id is not None:
        return int(row.run_id), str(row.status)
    latest = conn.execute(
        select(payout.c.run_id)
        .where(payout.c.period_label == period_label)
        .order_by(payout.c.run_id.desc())
        .limit(1)
    ).first()
    if latest is None:
        raise AttainError(
            f"no run has payout lines for {period_label}: run `attain run --period {period_label}` first",
            code=PAY040,
        )
    return int(latest.run_id), "open"


def _grouped(conn: Connection, query: Any) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in conn.execute(query).mappings():
        grouped[row["payee_id"]].append(dict(row))
    return grouped


def load_period(
    conn: Connection,
    principal: Principal,
    period_label: str,
    payees: list[str] | None = None,
    day: dt.date | None = None,
) -> PeriodBundle:
    """Read one period's statement data for every payee ``principal`` may see (or ``payees``, each of
    which must be in the scope on ``day``, default today) in a few bulk queries."""
    payees = pay_scope(conn, principal, payees, day or dt.date.today())
    run_id, status = current_run(conn, period_label)

    def q(table: Any, *columns: Any, same_period: bool = True) -> Any:
        of_run = table.c.run_id == run_id
        if table is payout and payees is not None:  # a few payees: by the (payee, period) index
            of_run = payout_of_run(literal(run_id))
        query = select(*(columns or (table,))).where(of_run)
        if same_period:
            query = query.where(table.c.period_label == period_label)
        if payees is not None:
            query = query.where(table.c.payee_id.in_(payees))
        return query.order_by(table.c.id)

    earning_cols = [
        run_earning.c[n]
        for n in (
            "payee_id",
            "component_id",
            "transaction_id",
            "credit_id",
            "rate_or_factor",
            "tier_rate",
            "amount",
        )
    ]
    rows = {
        "lines": _grouped(conn, q(payout)),
        "components": _grouped(conn, q(run_component_total)),
        "measures": _grouped(conn, q(run_measure)),
        "history": _grouped(
            conn,
            q(
                run_measure,
                run_measure.c.payee_id,
                run_measure.c.period_label,
                run_measure.c.measure_id,
                run_measure.c.attainment_to_date,
                same_period=False,
            ),
        ),
        "ytd": _grouped(
            conn,
            q(
                run_component_total,
                run_component_total.c.payee_id,
                run_component_total.c.period_label,
                run_component_total.c.amount,
                run_component_total.c.currency,
                same_period=False,
            ),
        ),
        "ytd_lines": _grouped(
            conn,
            q(payout, payout.c.payee_id, payout.c.period_label, payout.c.amount_rounded, same_period=False),
        ),
        "balances": _grouped(conn, q(payout_balance)),
        "holds": _grouped(conn, q(payout_hold)),
        "earnings": _grouped(
            conn, q(run_earning, *earning_cols).where(run_earning.c.transaction_id.is_not(None))
        ),
        "credits": _grouped(
            conn,
            q(
                run_credit,
                run_credit.c.payee_id,
                run_credit.c.credit_id,
                run_credit.c.date,
                run_credit.c.credit,
            ),
        ),
    }
    who = select(payee.c.payee_id, payee.c.name, payee.c.currency)
    if payees is not None:
        who = who.where(payee.c.payee_id.in_(payees))
    names = {r.payee_id: (r.name, r.currency or "USD") for r in conn.execute(who)}
    return PeriodBundle(run_id, period_label, status, rows, names)


def _deals(earnings: list[dict[str, Any]], credits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = {c["credit_id"]: c for c in credits}
    deals = []
    for e in earnings:
        credit = by_id.get(e["credit_id"], {})
        deals.append(
            {
                "transaction_id": e["transaction_id"],
                "component_id": e["component_id"],
                "date": credit.get("date"),
                "credit": credit.get("credit", ZERO),
                "rate": e["rate_or_factor"] if e["rate_or_factor"] is not None else e["tier_rate"],
                "amount": e["amount"],
            }
        )
    return deals


def statement_data(bundle: PeriodBundle, payee_id: str) -> dict[str, Any]:
    """One payee's statement as plain data (what the template shows)."""
    rows = {name: table.get(payee_id, []) for name, table in bundle.rows.items()}
    if not rows["lines"] and not rows["components"]:
        raise AttainError(
            f"nothing calculated for {payee_id} in {bundle.period_label} (run {bundle.run_id})", code=PAY040
        )
    name, currency = bundle.names.get(payee_id, (payee_id, "USD"))
    lines = [{**line, "line_id": line["id"]} for line in rows["lines"]]
    current = bundle.period_label
    return {
        "payee_id": payee_id,
        "payee_name": name,
        "period_label": current,
        "run_id": bundle.run_id,
        "period_status": bundle.status,
        "currency": lines[0]["currency"] if lines else currency,
        "lines": lines,
        "total": sum((line["amount_rounded"] for line in lines), ZERO),
        "components": rows["components"],
        "measures": rows["measures"],
        "balances": rows["balances"],
        "holds": rows["holds"],
        "deals": _deals(rows["earnings"], rows["credits"]),
        "ytd_earned": sum((r["amount"] for r in rows["ytd"] if r["period_label"] <= current), ZERO),
        "plan_currency": rows["ytd"][0]["currency"] if rows["ytd"] else currency,
        "ytd_paid": sum(
            (r["amount_rounded"] for r in rows["ytd_lines"] if r["period_label"] <= current), ZERO
        ),
        "history": [r for r in rows["history"] if r["period_label"] <= current],
    }


def attainment_chart(history: list[dict[str, Any]], image: bool = False) -> str:
    """A small bar chart of attainment to date by period (Vega-Lite, no browser): inline SVG, or with
    ``image`` a PNG ``<img>`` (WeasyPrint lays a PNG out much faster than a vector chart).

    Drawing costs tens of milliseconds, and a stored run's history never changes: the chart is kept
    per distinct history (``CHART_CACHE`` of them), so a statement opened again is not redrawn."""
    bars = tuple(
        (str(r["period_label"]), str(r["measure_id"]), str(r["attainment_to_date"]))
        for r in history
        if r["attainment_to_date"] is not None
    )
    return _chart(bars, image) if bars else ""


CHART_CACHE = 2048
"""Charts kept in memory (each a few kB of SVG or PNG)."""


@lru_cache(maxsize=CHART_CACHE)
def _chart(bars: tuple[tuple[str, str, str], ...], image: bool) -> str:
    import vl_convert

    values = [
        {
            "period": period,
            "measure": measure,
            "attainment": float(Decimal(attainment) * 100),  # chart geometry only, never money
        }
        for period, measure, attainment in bars
    ]
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 200,
        "height": 90,
        "title": "Attainment to date (%)",
        "data": {"values": values},
        "mark": {"type": "bar", "color": "#3b6ea8"},
        "encoding": {
            "x": {"field": "period", "type": "ordinal", "title": None},
            "y": {"field": "attainment", "type": "quantitative", "title": None},
            "xOffset": {"field": "measure"},
        },
    }
    if not image:
        return str(vl_convert.vegalite_to_svg(spec))
    png = base64.b64encode(vl_convert.vegalite_to_png(spec, scale=2)).decode("ascii")
    return f'<img alt="attainment to date" style="width: 70mm" src="data:image/png;base64,{png}">'


def money(value: Decimal | int | str | None, currency: str | None = None) -> str:
    """'1,234.50' (USD), '35.004' (KWD), '1,235' (JPY): an amount as paid, rounded half-even to the
    currency's minor unit (2 places when the currency is not given or not known), never via a float."""
    if value is None:
        return ""
    places = minor_unit(currency)
    return f"{Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN):,f}"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("attain.payouts", "templates"), autoescape=select_autoescape())
    env.globals["money"] = money
    env.globals["pct"] = lambda v: "" if v is None else f"{Decimal(v) * 100:.1f}%"
    return env


def render_html(data: dict[str, Any], for_pdf: bool = False) -> str:
    return (
        _environment()
        .get_template("statement.html")
        .render(s={**data, "chart_svg": attainment_chart(data["history"], image=for_pdf)})
    )


def to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=html).write_pdf())


STATEMENTS = RunViews(512)
"""HTML statements already rendered, per (database, run, its finish time, period status, payee, period)."""


def _statement_key(conn: Connection, period_label: str) -> tuple[Any, ...] | None:
    """What a period's statements depend on: the run they show (and when it finished) and the status."""
    found = conn.execute(
        select(period_status.c.run_id, period_status.c.status, calc_run.c.finished_at)
        .join(calc_run, calc_run.c.id == period_status.c.run_id)
        .where(period_status.c.period_label == period_label)
    ).first()
    if found is None:
        return None  # no current run recorded: the latest run with lines, read every time
    url = conn.engine.url.render_as_string(hide_password=False)
    return (url, int(found.run_id), found.finished_at, str(found.status))


def statement_html(target: str | Engine, principal: Principal, payee_id: str, period_label: str) -> str:
    """One payee's HTML statement as ``principal`` may read it; a statement of a recorded run is
    rendered once and kept (the scope is checked on every call, before the cache)."""
    with reading(target) as conn:
        ensure_pay_visible(conn, principal, payee_id, dt.date.today())
        key = _statement_key(conn, period_label)

        def render() -> str:
            bundle = load_period(conn, principal, period_label, [payee_id])
            return render_html(statement_data(bundle, payee_id))

        return render() if key is None else STATEMENTS.get((*key, payee_id, period_label), render)


def statement_pdf(target: str | Engine, principal: Principal, payee_id: str, period_label: str) -> bytes:
    """One payee's PDF statement as ``principal`` may read it."""
    with reading(target) as conn:
        ensure_pay_visible(conn, principal, payee_id, dt.date.today())
        bundle = load_period(conn, principal, period_label, [payee_id])
    return to_pdf(render_html(statement_data(bundle, payee_id), for_pdf=True))


def render_statements(
    target: str | Engine,
    principal: Principal,
    period_label: str,
    out_dir: Path,
    *,
    payees: list[str] | None = None,
    pdf: bool = True,
    limit: int | None = None,
) -> list[Path]:
    """Every payee's statement of a period that ``principal`` may read (or ``payees``) into ``out_dir``
    (PDF, or HTML with ``pdf=False``)."""
    with reading(target) as conn:
        bundle = load_period(conn, principal, period_label, payees)
    out_dir.mkdir(parents=True, exist_ok=True)
    who = sorted(set(bundle.rows["lines"]) | set(bundle.rows["components"]))[:limit]
    written = []
    for payee_id in who:
        html = render_html(statement_data(bundle, payee_id), for_pdf=pdf)
        path = out_dir / f"{payee_id}-{period_label}.{'pdf' if pdf else 'html'}".replace(" ", "_").replace(
            "/", "_"
        )
        if pdf:
            path.write_bytes(to_pdf(html))
        else:
            path.write_text(html, encoding="utf-8")
        written.append(path)
    return written
