"""Pay runs: calculate and pay periods from the store, record plan versions, options and an input fingerprint.

``run_payouts`` is the use case behind ``attain run``: it locks the periods it touches (two runs of
one period are serialized), reads the inputs, published plans, the ledger (paid/locked periods) and
approved adjustments, runs the engine over the pay window and the pay stage, and writes the run, its
outputs, payout lines, draw balances and holds in ONE unit of work: a run is visible whole or not at
all (a failed run leaves only its failure record). Periods it calculated become ``calculated`` and
their approvals of older runs stop counting.

Reading runs (``list_runs``, ``get_run``, ``diff``) takes the acting principal: runs hold every
payee's pay, so only roles with ``runs.read`` (finance, admin) see them (AUTH004 otherwise); a run id
that does not exist is PAY040. The command line passes ``access.COMMAND_LINE``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, insert, select, update

from attain.core.errors import AttainError, Issue
from attain.engine import CalcOptions, InputTables, calculate
from attain.payouts import Ledger, PayResult, pay
from attain.payouts.codes import PAY040
from attain.payouts.diff import RunRecords, diff_runs
from attain.payouts.ledger import ADJUSTMENT_SCHEMA, BALANCE_SCHEMA, LINE_SCHEMA
from attain.payouts.periods import PayWindow, pay_calendar, pay_window
from attain.payouts.subset import inputs_for
from attain.plans.schema import PlanDocument
from attain.services.access_scope import Principal, require
from attain.services.calc import default_calc_options, published_plans
from attain.services.run_locks import DEFAULT_LEASE_SECONDS, period_locks, renew
from attain.store.arrow_io import bulk_insert, read_arrow
from attain.store.audit import record
from attain.store.db import reading, transaction
from attain.store.runs import write_run_outputs
from attain.store.tables import (
    adjustment,
    approval,
    calc_run,
    payout,
    payout_balance,
    payout_hold,
    period_status,
    run_credit,
    run_measure,
)

Progress = Callable[[str], None]
CLOSED = ("paid", "locked")


@dataclass(frozen=True)
class RunOutcome:
    """What a pay run did: its id, periods, fingerprint and a summary of its payout lines."""

    run_id: int
    periods: list[str]
    fingerprint: str
    payees: int
    lines: int
    totals: dict[str, Decimal]
    issues: list[Issue] = field(default_factory=list)
    same_inputs_as: int | None = None


# -- periods and fingerprint --------------------------------------------------------------------


def default_periods(plans: list[PlanDocument], inputs: InputTables, year: int | None) -> list[str]:
    """Every pay period of ``year`` (default: the fiscal year of the latest transaction)."""
    calendar, kind = pay_calendar(plans)
    if year is None:
        dates = inputs["transaction"].column("date")
        latest = pc.max(dates).as_py() if len(dates) else None
        if latest is None:
            raise AttainError("no transactions and no period given: say --year or --period", code=PAY040)
        year = calendar.fiscal_year_of(latest)
    return [p.label for p in calendar.periods(year, kind)]


def _table_hash(table: pa.Table) -> str:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return hashlib.sha256(sink.getvalue()).hexdigest()


def fingerprint(
    inputs: InputTables,
    plans: list[PlanDocument],
    ledger: Ledger,
    adjustments: pa.Table,
    options: dict[str, Any],
) -> tuple[str, dict[str, str]]:
    """sha256 of everything a run reads (input tables, plan documents, ledger, adjustments, options)."""
    parts = {f"input:{name}": _table_hash(inputs[name]) for name in sorted(inputs)}
    for doc in sorted(plans, key=lambda d: (d.plan, d.version)):
        parts[f"plan:{doc.plan}@{doc.version}"] = hashlib.sha256(doc.model_dump_json().encode()).hexdigest()
    parts["ledger"] = hashlib.sha256(
        (
            ",".join(sorted(ledger.locked_periods)) + _table_hash(ledger.lines) + _table_hash(ledger.balances)
        ).encode()
    ).hexdigest()
    parts["adjustments"] = _table_hash(adjustments)
    parts["options"] = hashlib.sha256(repr(sorted(options.items())).encode()).hexdigest()
    total = hashlib.sha256("".join(f"{k}={v};" for k, v in sorted(parts.items())).encode()).hexdigest()
    return total, parts


# -- the ledger and adjustments -----------------------------------------------------------------


def current_runs(conn: Connection) -> dict[str, tuple[str, int | None]]:
    """period_label -> (status, run id of its current payout lines)."""
    rows = conn.execute(select(period_status.c.period_label, period_status.c.status, period_status.c.run_id))
    return {r.period_label: (r.status, r.run_id) for r in rows}


def read_lines(conn: Connection, run_id: int, period_label: str | None = None) -> pa.Table:
    """Payout lines of a run (optionally one period), in the pay stage's line layout."""
    where = payout.c.run_id == run_id
    if period_label is not None:
        where = where & (payout.c.period_label == period_label)
    columns = [payout.c[n] for n in LINE_SCHEMA.names]
    data = read_arrow(conn, columns, where=where, order_by=[payout.c.line_no])
    return data.select(LINE_SCHEMA.names).cast(LINE_SCHEMA)


def read_balances(conn: Connection, run_id: int, period_label: str | None = None) -> pa.Table:
    where = payout_balance.c.run_id == run_id
    if period_label is not None:
        where = where & (payout_balance.c.period_label == period_label)
    columns = [payout_balance.c[n] for n in BALANCE_SCHEMA.names]
    return read_arrow(conn, columns, where=where, order_by=[payout_balance.c.id]).cast(BALANCE_SCHEMA)


def load_ledger(conn: Connection, window: PayWindow) -> Ledger:
    """Lines and balances of the window's paid/locked periods; balances of the last closed one before it."""
    status = current_runs(conn)
    closed = {label: run for label, (state, run) in status.items() if state in CLOSED and run is not None}
    in_window = [label for label in window.labels if label in closed]
    lines = [read_lines(conn, closed[label], label) for label in in_window]
    balances = [read_balances(conn, closed[label], label) for label in in_window]
    before = sorted(label for label in closed if _is_before(window, label))
    opening = read_balances(conn, closed[before[-1]], before[-1]) if before else BALANCE_SCHEMA.empty_table()
    return Ledger(
        frozenset(in_window),
        pa.concat_tables([LINE_SCHEMA.empty_table(), *lines]),
        pa.concat_tables([BALANCE_SCHEMA.empty_table(), *balances]),
        opening,
    )


def _is_before(window: PayWindow, label: str) -> bool:
    try:
        return window.index(label) < 0
    except ValueError:
        return False


def approved_adjustments(conn: Connection) -> pa.Table:
    """Approved adjustments in the pay stage's layout (ids as text)."""
    rows = conn.execute(select(adjustment).where(adjustment.c.approved_by.is_not(None))).mappings().all()
    return pa.Table.from_pylist(
        [
            {
                "adjustment_id": str(r["id"]),
                "payee_id": r["payee_id"],
                "period_label": r["period_label"],
                "amount": Decimal(r["amount"]),
                "currency": r["currency"],
                "reason": r["reason"],
            }
            for r in rows
        ],
        ADJUSTMENT_SCHEMA,
    )


# -- the run ------------------------------------------------------------------------------------


def run_payouts(
    target: str | Engine,
    *,
    periods: list[str] | None = None,
    year: int | None = None,
    payees: list[str] | None = None,
    actor: str = "system",
    options: CalcOptions | None = None,
    progress: Progress | None = None,
    wait_seconds: float = 600.0,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> RunOutcome:
    """Calculate and pay ``periods`` (or a fiscal ``year``) for everyone (or ``payees``) and store the run."""
    say = progress or (lambda _s: None)
    options = options or default_calc_options()
    say("inputs")
    plans = published_plans(target)
    if not plans:
        raise AttainError("no published plan: publish one with `attain plan publish`", code=PAY040)
    from attain.services.spark_staging import staged_store_inputs  # imports calc: not at the top

    inputs = staged_store_inputs(target, options)  # Spark: the store staged to Parquet via ADBC
    labels = periods or default_periods(plans, inputs, year)
    window = pay_window(plans, labels)
    locked = sorted(window.requested)
    with period_locks(target, locked, actor, wait_seconds, lease_seconds) as token:
        with reading(target) as conn:
            ledger = load_ledger(conn, window)
            adjustments = approved_adjustments(conn)
        settings = {"threads": options.threads, "payees": sorted(payees or []), "periods": sorted(labels)}
        total, parts = fingerprint(inputs, plans, ledger, adjustments, settings)
        engine_inputs, options = _for_payees(inputs, plans, payees, options)
        try:
            result = calculate(engine_inputs, plans, window.labels, options, say)
            paid = pay(
                result,
                plans,
                engine_inputs,
                labels,
                ledger=ledger,
                adjustments=adjustments,
                threads=options.threads,
                memory_limit=options.memory_limit,
                progress=say,
            )
        except Exception as exc:
            _record_failure(target, actor, labels, settings, total, plans, exc)
            raise
        if payees:
            paid = _only(paid, payees)
        say("store")
        with transaction(target, actor) as conn:
            renew(conn, token, locked)  # PAY035 (nothing stored) if another run took a period over
            run_id = _store_run(conn, actor, labels, settings, total, parts, plans, result, paid)
            if not payees:
                _mark_calculated(conn, run_id, sorted(window.requested - ledger.locked_periods), actor)
            same = _same_inputs_as(conn, run_id, total)
            renew(conn, token, locked)
    return RunOutcome(
        run_id,
        labels,
        total,
        len(set(paid.lines.column("payee_id").to_pylist())),
        paid.lines.num_rows,
        _totals(paid),
        paid.issues,
        same,
    )


def _for_payees(
    inputs: InputTables, plans: list[PlanDocument], payees: list[str] | None, options: CalcOptions
) -> tuple[InputTables, CalcOptions]:
    """A run for some payees calculates only the transactions that can credit them or their teams,
    with the same options a run of everyone would use (explanations follow the whole company's size)."""
    if not payees:
        return inputs, options
    whole = options.explains(inputs["transaction"].num_rows)
    return inputs_for(inputs, plans, payees), replace(options, explanations=whole)


def _only(paid: PayResult, payees: list[str]) -> PayResult:
    keep = pa.array(payees)

    def mine(table: pa.Table) -> pa.Table:
        return table.filter(pc.is_in(table.column("payee_id"), value_set=keep))

    return PayResult(mine(paid.lines), mine(paid.balances), mine(paid.holds), paid.issues)


def _totals(paid: PayResult) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for row in paid.lines.select(["currency", "amount_rounded"]).to_pylist():
        totals[row["currency"]] = totals.get(row["currency"], Decimal(0)) + row["amount_rounded"]
    return totals


def _plan_versions(plans: list[PlanDocument]) -> dict[str, list[int]]:
    return {doc.plan: sorted(d.version for d in plans if d.plan == doc.plan) for doc in plans}


def _record_failure(
    target: str | Engine,
    actor: str,
    labels: list[str],
    settings: dict[str, Any],
    total: str,
    plans: list[PlanDocument],
    exc: Exception,
) -> None:
    values = {
        "status": "failed",
        "periods": labels,
        "options": settings,
        "input_fingerprint": total,
        "plan_versions": _plan_versions(plans),
        "created_by": actor,
        "error": str(exc)[:2000],
        "started_at": dt.datetime.now(dt.UTC),
        "finished_at": dt.datetime.now(dt.UTC),
    }
    with transaction(target, actor) as conn:
        run_id = conn.execute(insert(calc_run).values(values).returning(calc_run.c.id)).scalar_one()
        record(conn, actor, "failed", "calc_run", str(run_id), None, values)


def _store_run(
    conn: Connection,
    actor: str,
    labels: list[str],
    settings: dict[str, Any],
    total: str,
    parts: dict[str, str],
    plans: list[PlanDocument],
    result: Any,
    paid: PayResult,
) -> int:
    now = dt.datetime.now(dt.UTC)
    values = {
        "status": "succeeded",
        "periods": labels,
        "options": {**settings, "input_hashes": parts},
        "input_fingerprint": total,
        "plan_versions": _plan_versions(plans),
        "created_by": actor,
        "started_at": now,
        "finished_at": now,
    }
    run_id = int(conn.execute(insert(calc_run).values(values).returning(calc_run.c.id)).scalar_one())
    written = write_run_outputs(conn, run_id, result, actor=actor)
    ids = pa.array([run_id] * paid.lines.num_rows, pa.int64())
    lines = paid.lines.append_column("run_id", ids)
    written["payout_lines"] = bulk_insert(conn, payout, lines)
    extras = (("balances", payout_balance, paid.balances), ("holds", payout_hold, paid.holds))
    for name, table, data in extras:
        written[name] = bulk_insert(
            conn, table, data.append_column("run_id", pa.array([run_id] * data.num_rows, pa.int64()))
        )
    record(
        conn,
        actor,
        "succeeded",
        "calc_run",
        str(run_id),
        None,
        {**values, "written": written, "issues": len(paid.issues) + len(result.issues)},
    )
    return run_id


def _mark_calculated(conn: Connection, run_id: int, labels: list[str], actor: str) -> None:
    """These periods now show this run's lines; approvals of earlier runs no longer count."""
    now = dt.datetime.now(dt.UTC)
    existing = current_runs(conn)
    for label in labels:
        before = existing.get(label)
        after = {"status": "calculated", "run_id": run_id}
        if before is None:
            conn.execute(
                insert(period_status).values(period_label=label, changed_by=actor, changed_at=now, **after)
            )
        else:
            conn.execute(
                update(period_status)
                .where(period_status.c.period_label == label)
                .values(changed_by=actor, changed_at=now, **after)
            )
        record(
            conn,
            actor,
            "calculated",
            "period_status",
            label,
            None if before is None else {"status": before[0], "run_id": before[1]},
            after,
        )
    if labels:
        stale = (approval.c.period_label.in_(labels)) & (approval.c.run_id != run_id) & approval.c.valid
        conn.execute(update(approval).where(stale).values(valid=False))


def _same_inputs_as(conn: Connection, run_id: int, total: str) -> int | None:
    row = conn.execute(
        select(calc_run.c.id)
        .where(
            (calc_run.c.input_fingerprint == total)
            & (calc_run.c.status == "succeeded")
            & (calc_run.c.id < run_id)
        )
        .order_by(calc_run.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else int(row.id)


def list_runs(target: str | Engine, principal: Principal, limit: int = 20) -> list[dict[str, Any]]:
    """The latest runs, newest first (finance and admin)."""
    require(principal, "runs.read")
    with reading(target) as conn:
        rows = conn.execute(select(calc_run).order_by(calc_run.c.id.desc()).limit(limit)).mappings().all()
        return [dict(r) for r in rows]


def get_run(conn: Connection, principal: Principal, run_id: int) -> dict[str, Any]:
    """One run's record (finance and admin); PAY040 when there is no such run."""
    require(principal, "runs.read")
    return _run(conn, run_id)


def _run(conn: Connection, run_id: int) -> dict[str, Any]:
    row = conn.execute(select(calc_run).where(calc_run.c.id == run_id)).mappings().first()
    if row is None:
        raise AttainError(f"no run {run_id}", code=PAY040)
    return dict(row)


# -- diff ---------------------------------------------------------------------------------------


def _records(conn: Connection, run_id: int) -> RunRecords:
    run = _run(conn, run_id)
    lines = read_arrow(
        conn,
        [payout.c[n] for n in ("payee_id", "period_label", "plan_id", "kind", "currency", "amount_rounded")],
        where=payout.c.run_id == run_id,
    )
    credits = read_arrow(
        conn,
        [run_credit.c[n] for n in ("payee_id", "period_label", "transaction_id", "rule_kind", "credit")],
        where=run_credit.c.run_id == run_id,
    )
    measures = read_arrow(
        conn,
        [run_measure.c[n] for n in ("payee_id", "period_label", "measure_id", "quota")],
        where=run_measure.c.run_id == run_id,
    )
    return RunRecords(lines, credits, measures, dict(run["plan_versions"] or {}))


def previous_run(conn: Connection, run_id: int) -> int:
    """The latest successful run before ``run_id`` that shares one of its periods."""
    periods = set(_run(conn, run_id)["periods"] or [])
    rows = conn.execute(
        select(calc_run.c.id, calc_run.c.periods)
        .where((calc_run.c.id < run_id) & (calc_run.c.status == "succeeded"))
        .order_by(calc_run.c.id.desc())
    )
    for row in rows:
        if periods & set(row.periods or []):
            return int(row.id)
    raise AttainError(f"no earlier run shares a period with run {run_id}: say --against", code=PAY040)


def diff(
    target: str | Engine, principal: Principal, run_id: int, against: int | None = None
) -> tuple[int, pa.Table]:
    """(older run id, one row per payee x period whose payout changed, with the reasons); finance, admin."""
    require(principal, "runs.read")
    with reading(target) as conn:
        older = against if against is not None else previous_run(conn, run_id)
        new, old = _records(conn, run_id), _records(conn, older)
        shared = sorted(
            set(_run(conn, run_id)["periods"] or []) & set(_run(conn, older)["periods"] or [])
        )
    return older, diff_runs(new, old, shared or None)
