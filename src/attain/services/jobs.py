"""Background pay runs with progress: start a run and return at once, then read its job record.

``start_run_job`` writes a job record (state ``queued``) and runs ``attain.services.runs.run_payouts``
on a worker thread; the run's progress callback moves the record through its stages (state
``running``, a stage name and a percent), and the end leaves ``succeeded`` with the run id or
``failed`` with the error code and text. A failed run leaves nothing behind but its failure record
(``run_payouts`` writes a run whole or not at all). Two jobs on one period are serialized by the run
service's period locks (``runs.period_locks``), not here: the second job waits, and says so.

Job records live in the audit log (entity ``run_job``, one entry per state change, the newest entry
is the record), so every worker process and the audit page see the same history without a table
of their own. A job whose process ended without finishing it is reported failed (``DESK001``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from attain.core.errors import AttainError, register
from attain.core.money import MINOR_UNITS
from attain.core.periods import CALENDAR
from attain.services import access
from attain.services.access import Principal
from attain.store.audit import record
from attain.store.db import reading, transaction
from attain.store.tables import audit_log, run_lock

JOB_LOST = register("DESK001", "the server stopped while this background run was in progress: start it again")
JOB_CRASHED = register("DESK002", "the background run failed with an unexpected error (see the job's error)")

ENTITY = "run_job"
FINISHED = ("succeeded", "failed")
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")
_PROCESS = f"{socket.gethostname()}:{os.getpid()}"

STAGE_PERCENT: tuple[tuple[str, int], ...] = (
    ("waiting", 2),
    ("inputs", 5),
    ("credit", 15),
    ("measure", 30),
    ("earn", 45),
    ("outputs", 60),
    ("pay: releases", 65),
    ("pay: outputs", 88),
    ("pay", 70),
    ("store", 92),
)
"""How far a run is when the engine or the pay stage announces a stage (by prefix, first match)."""

Runner = Callable[..., Any]


@dataclass(frozen=True)
class Job:
    """A background run as the run page shows it."""

    job_id: str
    state: str
    stage: str
    percent: int
    periods: list[str]
    actor: str
    process: str
    queued_at: str
    started_at: str | None = None
    finished_at: str | None = None
    run_id: int | None = None
    error: str | None = None
    code: str | None = None
    summary: str | None = None

    @property
    def done(self) -> bool:
        return self.state in FINISHED


def percent_of(stage: str, before: int) -> int:
    """The percent a stage stands for (never going back); each pay period nudges it forward."""
    for prefix, value in STAGE_PERCENT:
        if stage.startswith(prefix):
            if prefix == "pay" and before >= value:
                return min(before + 2, 86)
            return max(before, value)
    return before


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _save(target: str | Engine, job: Job, action: str) -> None:
    with transaction(target, job.actor) as conn:
        record(conn, job.actor, action, ENTITY, job.job_id, None, asdict(job))


def _load(target: str | Engine, job_id: str) -> Job | None:
    if not _JOB_ID.match(job_id):
        return None
    with reading(target) as conn:
        row = conn.execute(
            select(audit_log.c.after)
            .where(audit_log.c.entity == ENTITY, audit_log.c.key == job_id)
            .order_by(audit_log.c.id.desc())
            .limit(1)
        ).first()
    return None if row is None or row.after is None else Job(**dict(row.after))


def _alive(process: str) -> bool:
    """False only when ``process`` ran on this host and that pid is gone (elsewhere: unknown, so True)."""
    host, _, pid = process.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def get_job(target: str | Engine, principal: Principal, job_id: str) -> Job:
    """The job's newest record (``AUTH007`` when unknown); a job whose process died reads as failed."""
    access.require(principal, "runs.read")
    job = _load(target, job_id)
    if job is None:
        raise access.not_found("background run", job_id)
    if not job.done and not _alive(job.process):
        return replace(job, state="failed", code=JOB_LOST, error=f"[{JOB_LOST}] the server stopped mid-run")
    return job


def waiting_on(target: str | Engine, job: Job) -> list[str]:
    """The job's periods that another run holds locked right now (while this job waits for them)."""
    if job.done or job.stage != "waiting":
        return []
    with reading(target) as conn:
        rows = conn.execute(select(run_lock.c.period_label).where(run_lock.c.period_label.in_(job.periods)))
        return sorted(str(r.period_label) for r in rows)


def list_jobs(target: str | Engine, principal: Principal, limit: int = 10) -> list[Job]:
    """The newest background runs (newest first), each as its latest record."""
    access.require(principal, "runs.read")
    with reading(target) as conn:
        keys = conn.execute(
            select(audit_log.c.key)
            .where(audit_log.c.entity == ENTITY, audit_log.c.action == "queued")
            .order_by(audit_log.c.id.desc())
            .limit(limit)
        ).scalars()
        job_ids = [str(key) for key in keys]
    return [get_job(target, principal, job_id) for job_id in job_ids]


def start_run_job(
    target: str,
    principal: Principal,
    periods: list[str],
    *,
    runner: Runner | None = None,
    wait_seconds: float = 600.0,
) -> Job:
    """Queue a pay run of ``periods`` on a worker thread and return its job record at once."""
    access.require(principal, "runs.start")
    labels = sorted({label.strip() for label in periods if label.strip()})
    if not labels:
        raise AttainError("give at least one period label (e.g. 2017-Q1)", code=access.BAD_PARAMETER)
    for label in labels:
        try:
            CALENDAR.parse(label)
        except ValueError as exc:
            raise AttainError(f"{label}: {exc}", code=access.BAD_PARAMETER) from exc
    job = Job(uuid.uuid4().hex, "queued", "queued", 0, labels, principal.username, _PROCESS, _now())
    _save(target, job, "queued")
    worker = threading.Thread(
        target=_work, args=(target, job, runner, wait_seconds), name=f"run-job-{job.job_id[:8]}", daemon=True
    )
    worker.start()
    return job


def _held_by_another_run(target: str, job: Job) -> bool:
    """True while a lock on one of the job's periods, taken before the job started, is still held."""
    started = dt.datetime.fromisoformat(job.started_at or job.queued_at)
    with reading(target) as conn:
        row = conn.execute(
            select(run_lock.c.period_label).where(
                run_lock.c.period_label.in_(job.periods), run_lock.c.acquired_at <= started
            )
        ).first()
    return row is not None


def _work(target: str, job: Job, runner: Runner | None, wait_seconds: float) -> None:
    """The worker thread: run, report each stage, record how it ended (never raises)."""
    from attain.services import runs

    current = replace(job, state="running", started_at=_now())
    stage = "waiting" if _held_by_another_run(target, current) else "inputs"
    state = {"job": replace(current, stage=stage, percent=percent_of(stage, 0))}
    _save(target, state["job"], "running")

    def progress(stage: str) -> None:
        now = state["job"]
        if stage == now.stage or (now.stage == "waiting" and _held_by_another_run(target, now)):
            return
        state["job"] = replace(now, stage=stage, percent=percent_of(stage, now.percent))
        _save(target, state["job"], "stage")

    run = runner or runs.run_payouts
    try:
        outcome = run(
            target, periods=job.periods, actor=job.actor, progress=progress, wait_seconds=wait_seconds
        )
    except AttainError as error:
        _finish(target, state["job"], error=str(error), code=error.code)
        return
    except Exception as error:  # a crash is reported on the job, never lost in a thread
        _finish(target, state["job"], error=f"{type(error).__name__}: {error}", code=JOB_CRASHED)
        return
    totals = ", ".join(
        f"{_paid_text(amount, currency)} {currency}" for currency, amount in sorted(outcome.totals.items())
    )
    summary = f"{outcome.lines} payout lines for {outcome.payees} payees ({totals or 'nothing paid'})"
    _finish(target, state["job"], run_id=outcome.run_id, summary=summary)


def _paid_text(amount: Decimal, currency: str) -> str:
    """A total of paid (already rounded) lines at the currency's minor unit: '672,834.85'."""
    return f"{amount.quantize(Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2))):,f}"


def _finish(
    target: str,
    job: Job,
    *,
    run_id: int | None = None,
    summary: str | None = None,
    error: str | None = None,
    code: str | None = None,
) -> None:
    ended = "failed" if error is not None else "succeeded"
    final = replace(
        job,
        state=ended,
        stage="done" if error is None else job.stage,
        percent=100 if error is None else job.percent,
        finished_at=_now(),
        run_id=run_id,
        summary=summary,
        error=None if error is None else error[:2000],
        code=code,
    )
    _save(target, final, ended)


def run_totals(target: str | Engine, principal: Principal, run_id: int) -> list[dict[str, Any]]:
    """What a run paid, per period, line kind and currency (exact sums, in Arrow: never a float SUM)."""
    import pyarrow.compute as pc

    from attain.store.arrow_io import read_arrow
    from attain.store.tables import payout

    access.require(principal, "runs.read")
    with reading(target) as conn:
        lines = read_arrow(
            conn,
            [payout.c.period_label, payout.c.kind, payout.c.currency, payout.c.amount_rounded],
            where=payout.c.run_id == run_id,
        )
    if lines.num_rows == 0:
        return []
    kinds = pc.fill_null(lines.column("kind"), "other")
    lines = lines.set_column(lines.schema.get_field_index("kind"), "kind", kinds)
    summed = lines.group_by(["period_label", "kind", "currency"]).aggregate(
        [("amount_rounded", "sum"), ("amount_rounded", "count")]
    )
    rows = [
        {
            "period_label": r["period_label"],
            "kind": r["kind"],
            "currency": r["currency"],
            "amount": r["amount_rounded_sum"],
            "lines": r["amount_rounded_count"],
        }
        for r in summed.to_pylist()
    ]
    return sorted(rows, key=lambda r: (r["period_label"], r["kind"], r["currency"]))
