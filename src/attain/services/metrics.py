"""Metrics service: read the store as Arrow, compute the catalog and the dashboards with ``attain.analytics``.

``analysis_tables`` reads the entity tables the analytics need (one consistent snapshot);
``metrics_report`` computes catalog metrics for a breakdown and period. ``dashboard`` builds the
executive, manager or rep dashboard for a signed-in principal: the scope (everyone, a manager's
hierarchy as of today, one rep) is decided here from ``attain.services.access`` and applied to
the analysis facts through a ``scoped`` cursor, so a page can never show more than its viewer may
see. The facts are built once per data snapshot and kept (``snapshot``): a store fingerprint
(row counts, newest ids and update times of the tables read) tells when to rebuild them. The
analytics package never touches the database itself: this module hands it Arrow tables.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, func, literal, select, union_all

from attain.analytics import dashboards
from attain.analytics.amounts import Commissions
from attain.analytics.compute import MetricValue, Window, compute_metrics, parse_period
from attain.analytics.views import NEEDED, OPTIONAL, connect, scoped
from attain.core.entities import ENTITIES
from attain.core.errors import AttainError
from attain.services import access
from attain.services.access import Principal
from attain.store.db import reading
from attain.store.repos import load_entity, load_inputs
from attain.store.tables import ENTITY_TABLES, plan_version

ANALYSIS_ENTITIES = (*NEEDED, *OPTIONAL, "plan_assignment", "territory")
"""The entities the analytics read (views, funnel, forecasts and the what-if commission)."""


def analysis_tables(target: str | Engine, entities: Sequence[str] = ANALYSIS_ENTITIES) -> dict[str, pa.Table]:
    """The named entity tables from the store as Arrow, read in one snapshot."""
    with reading(target) as conn:
        return {name: load_entity(conn, name) for name in dict.fromkeys(entities)}


def metrics_report(
    target: str | Engine | dict[str, pa.Table],
    by: str | None = None,
    period: str | None = None,
    names: Sequence[str] | None = None,
) -> list[MetricValue]:
    """Catalog metrics from the store (or from already-read tables) by ``by`` for ``period``."""
    tables = target if isinstance(target, dict) else analysis_tables(target)
    con = connect(tables)
    try:
        return compute_metrics(con, by, period, names)
    finally:
        con.close()


# -- one prepared snapshot per store ---------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """The store's analysis tables as read once, and a DuckDB connection with their facts built."""

    fingerprint: tuple[Any, ...]
    tables: dict[str, pa.Table]
    con: duckdb.DuckDBPyConnection


_SNAPSHOTS: dict[str, Snapshot] = {}
_BUILT: dict[tuple[Any, ...], dashboards.Dashboard] = {}
BUILT_KEPT = 32
"""Dashboards kept as computed (per snapshot, scope, period, cut-off): a page and its downloads agree."""
_LOCK = threading.Lock()


def fingerprint(conn: Connection, entities: Sequence[str] = ANALYSIS_ENTITIES) -> tuple[Any, ...]:
    """Row count, newest id and newest update time of every table read, and the plan versions and
    their statuses (the expected commission runs the published plans): changes whenever data does."""
    parts = [
        select(
            literal(name),
            func.count(),
            func.max(ENTITY_TABLES[name].c.id),
            func.max(ENTITY_TABLES[name].c.updated_at),
        )
        for name in dict.fromkeys(entities)
    ]
    plans = plan_version.c
    parts.append(
        select(literal("plan_version"), func.count(), func.max(plans.id), func.max(plans.published_at))
    )
    parts.append(
        select(literal("published"), func.count(), func.max(plans.id), literal(None)).where(
            plans.status == "published"
        )
    )
    return tuple(tuple(row) for row in conn.execute(union_all(*parts)))


def snapshot(url: str) -> Snapshot:
    """The prepared facts of the store at ``url``, rebuilt only when its fingerprint changed."""
    with reading(url) as conn:
        mark = fingerprint(conn, tuple(ENTITIES))
    with _LOCK:
        kept = _SNAPSHOTS.get(url)
        if kept is not None and kept.fingerprint == mark:
            return kept
        with reading(url) as conn:
            mark = fingerprint(conn, tuple(ENTITIES))
            tables = load_inputs(conn)  # every entity: the expected commission runs the engine on them
        fresh = Snapshot(mark, tables, connect(tables))
        if kept is not None:
            kept.con.close()
        _SNAPSHOTS[url] = fresh
        return fresh


# -- who sees what ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardScope:
    """The payees a dashboard shows (None = everyone) and whose dashboard it is."""

    kind: str
    subject: str | None
    payee_ids: list[str] | None
    title: str


def team_ids(conn: Connection, manager_id: str, day: dt.date) -> list[str]:
    """The manager and everyone below them in the hierarchy on ``day``."""
    rows = conn.execute(access.team(), access.scope_params(Principal(0, "", "manager", manager_id), day))
    return sorted(str(r[0]) for r in rows)


def managers(conn: Connection, principal: Principal, day: dt.date) -> list[dict[str, Any]]:
    """The managers (payees someone reports to on ``day``) the principal may see, by name."""
    lines, who = access.lines_in_force(), access.payee_table.c
    query = (
        select(who.payee_id, who.name)
        .where(
            who.payee_id.in_(select(lines.c.manager_id)), access.payee_filter(who.payee_id, principal.scope)
        )
        .order_by(who.name, who.payee_id)
    )
    return [dict(r._mapping) for r in conn.execute(query, access.scope_params(principal, day))]


def dashboard_scope(
    conn: Connection, principal: Principal, kind: str, subject: str | None, day: dt.date
) -> DashboardScope:
    """What ``principal`` may see on dashboard ``kind`` about ``subject`` (a manager or a rep id).

    Executive: admin and finance only, everyone. Manager: a manager sees their own team (or a team
    below them), admin and finance any team. Rep: a rep sees themselves, a manager their reports,
    admin and finance anyone. Anything else is ``NOT_FOUND``, like a page that does not exist."""
    if kind not in dashboards.KINDS:
        raise access.not_found("dashboard", kind)
    if kind == "executive":
        if principal.scope is not access.Scope.ALL:
            raise access.not_found("dashboard", kind)
        return DashboardScope(kind, None, None, "Executive dashboard")
    if kind == "manager" and principal.role == "rep":
        raise access.not_found("dashboard", kind)
    chosen = subject or principal.payee_id
    if chosen is None:
        return DashboardScope(kind, None, [], "Choose whose dashboard to open")
    access.ensure_payee_visible(conn, principal, chosen, day)
    name = conn.execute(
        select(access.payee_table.c.name).where(access.payee_table.c.payee_id == chosen)
    ).scalar()
    if kind == "manager":
        return DashboardScope(kind, chosen, team_ids(conn, chosen, day), f"Team of {name or chosen}")
    return DashboardScope(kind, chosen, [chosen], f"Dashboard of {name or chosen}")


# -- dashboards ------------------------------------------------------------------------------------


def default_window(as_of: dt.date) -> Window:
    """The calendar quarter containing ``as_of``."""
    return parse_period(f"{as_of.year}-Q{(as_of.month - 1) // 3 + 1}")


def dashboard(
    url: str,
    principal: Principal,
    kind: str,
    subject: str | None = None,
    period: str | None = None,
    as_of: dt.date | None = None,
    commission: bool = True,
    today: dt.date | None = None,
) -> tuple[DashboardScope, dashboards.Dashboard | None]:
    """The dashboard ``kind`` as ``principal`` may see it (None until a subject is chosen).

    ``as_of`` defaults to the newest data on or before today; ``period`` to its quarter. With
    ``commission`` the forecast panels carry the expected commission from the published plans."""
    day = today or dt.date.today()
    with reading(url) as conn:
        scope = dashboard_scope(conn, principal, kind, subject, day)
    if scope.kind != "executive" and scope.subject is None:
        return scope, None
    prepared = snapshot(url)
    cursor = scoped(prepared.con, scope.payee_ids)
    try:
        cutoff = as_of or _company_data_date(prepared, day)
        window = parse_period(period) if period else default_window(cutoff)
        ids = None if scope.payee_ids is None else tuple(scope.payee_ids)
        key = (url, prepared.fingerprint, scope.kind, scope.subject, ids, window.label, cutoff, commission)
        with _LOCK:
            kept = _BUILT.get(key)
        if kept is not None:
            return scope, kept
        board = _build(url, prepared, cursor, scope, window, cutoff, commission)
        with _LOCK:
            _BUILT[key] = board
            while len(_BUILT) > BUILT_KEPT:
                _BUILT.pop(next(iter(_BUILT)))
        return scope, board
    finally:
        cursor.close()


def _company_data_date(prepared: Snapshot, day: dt.date) -> dt.date:
    """The company's data date (every scope shows the same "as of", even a rep with no recent deal)."""
    everyone = scoped(prepared.con, None)
    try:
        return dashboards.data_as_of(everyone, day)
    finally:
        everyone.close()


def _build(
    url: str,
    prepared: Snapshot,
    cursor: duckdb.DuckDBPyConnection,
    scope: DashboardScope,
    window: Window,
    cutoff: dt.date,
    commission: bool,
) -> dashboards.Dashboard:
    if scope.kind == "rep":
        return dashboards.rep(cursor, window, cutoff, scope.title)
    cost, notes = (
        (None, []) if not commission else expected_commission(url, prepared, cursor, scope, window, cutoff)
    )
    board = (
        dashboards.executive(cursor, window, cutoff, cost)
        if scope.kind == "executive"
        else dashboards.manager(cursor, window, cutoff, cost, scope.title)
    )
    for panel in board.panels:
        if panel.key.startswith("forecast_by_") and notes:
            if cost is None:  # the reason replaces the panel's generic "not calculated"
                kept = [n for n in panel.notes if not n.startswith("Expected commission not calculated")]
                panel.notes[:] = [*notes, *kept]
            else:
                panel.notes.extend(notes)
    return board


def expected_commission(
    url: str,
    prepared: Snapshot,
    cursor: duckdb.DuckDBPyConnection,
    scope: DashboardScope,
    window: Window,
    cutoff: dt.date,
) -> tuple[Commissions | None, list[str]]:
    """Commission per rep and currency for the period through the published plans, on actual
    bookings to ``cutoff`` plus each rep's weighted pipeline in each currency as one booking through
    the rep's plans in that currency (``attain.services.forecast.pipeline_commission``), and the notes
    naming the open opportunities left out (in a currency no plan of their rep pays in). One rep's
    pipeline never stops the others' commission; None (and why) only when no commission can be
    calculated at all (no published plans, an engine error)."""
    from attain.analytics.forecast import forecast_by_currency
    from attain.services.calc import published_plans
    from attain.services.forecast import left_out_notes, pipeline_commission

    plans = published_plans(url)
    if not plans:
        return None, ["Expected commission not calculated: no published plans."]
    cut = min(max(cutoff, window.start), window.end)
    pipeline: dict[str, dict[str | None, Decimal]] = {}
    for row in forecast_by_currency(cursor, window.start, window.end, cut):
        pipeline.setdefault(row["payee_id"], {})[row["currency"]] = row["pipeline"]
    tables = scope_tables(prepared.tables, scope.payee_ids)
    try:
        priced = pipeline_commission(tables, plans, window, cut + dt.timedelta(days=1), pipeline)
    except AttainError as error:
        return None, [f"Expected commission not calculated: {error.code} {error}"]
    return priced.commission, left_out_notes(cursor, priced.left_out, window, cut)


def scope_tables(tables: dict[str, pa.Table], payee_ids: list[str] | None) -> dict[str, pa.Table]:
    """The engine's inputs limited to the payees in scope (their bookings and plan assignments)."""
    if payee_ids is None:
        return tables
    ids = pa.array(payee_ids, pa.string())
    kept = dict(tables)
    kept["transaction"] = tables["transaction"].filter(pc.is_in(tables["transaction"]["owner_id"], ids))
    kept["plan_assignment"] = tables["plan_assignment"].filter(
        pc.is_in(tables["plan_assignment"]["payee_id"], ids)
    )
    return kept


# -- sample company: survey answers ----------------------------------------------------------------


def seed_demo_surveys(url: str, actor: str = "demo") -> Any:
    """Import the sample company's synthetic survey answers (``attain.analytics.surveys``) through the
    public ``survey`` importer; idempotent (an upsert on ``survey_id``). Returns the import report."""
    import tempfile
    from pathlib import Path

    import pyarrow.csv as pacsv

    from attain.analytics.surveys import demo_surveys
    from attain.services.imports import import_file

    con = connect(analysis_tables(url))
    try:
        rows = demo_surveys(con)
    finally:
        con.close()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "survey.csv"
        pacsv.write_csv(rows, path)
        return import_file(url, "survey", path, actor=actor)
