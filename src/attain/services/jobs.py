"""Background pay runs with progress: start a run and return at once, then read its job record.

``start_run_job`` writes a job record (table ``calc_job``, state ``queued``) and runs
``attain.services.runs.run_payouts`` on a worker thread; the run's progress callback moves the record
through its stages (state ``running``, a stage name and a percent), and the end leaves ``succeeded``
with the run id or ``failed`` with the error code and text. A failed run leaves nothing behind but its
failure record (``run_payouts`` writes a run whole or not at all). Two jobs on one period are
serialized by the run service's period locks (``runs.period_locks``), not here: the second job waits,
and says so.

The worker's host and pid are on the record, and a heartbeat thread stamps ``heartbeat_at`` every
``HEARTBEAT_SECONDS`` while the job is unfinished. A job is lost (``DESK001``, recorded as failed the
first time someone reads it) when its process ran on this host and is gone (or its pid was reused),
or, for a job of another host, when its heartbeat is older than ``STALE_AFTER``. State changes
(queued, running, succeeded, failed) are also audited (entity ``run_job``); the audit log is not
where the job is read from.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import OperationalError

from attain.core.errors import AttainError, register
from attain.core.money import minor_unit
from attain.core.periods import CALENDAR
from attain.services import access
from attain.services.access import Principal
from attain.store.audit import record
from attain.store.db import reading, transaction
from attain.store.tables import calc_job, run_lock

JOB_LOST = register("DESK001", "the server stopped while this background run was in progress: start it again")
JOB_CRASHED = register("DESK002", "the background run failed with an unexpected error (see the job's error)")

ENTITY = "run_job"
KIND = "pay_run"
FINISHED = ("succeeded", "failed")
UNFINISHED = ("queued", "running")
HEARTBEAT_SECONDS = 5.0
"""How often a working job stamps its heartbeat."""
STALE_AFTER = dt.timedelta(seconds=60)
"""A job silent for longer than this is lost, wherever its process ran."""
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")
HOST = socket.gethostname()

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
    """A background run as the run page shows it (times as ISO text, UTC)."""

    job_id: str
    state: str
    stage: str
    percent: int
    periods: list[str]
    actor: str
    queued_at: str
    host: str
    pid: int
    heartbeat_at: str
    kind: str = KIND
    payees: list[str] | None = None
    started_at: str | None = None
    finished_at: str | None = None
    run_id: int | None = None
    error: str | None = None
    code: str | None = None
    summary: str | None = None

    @property
    def done(self) -> bool:
        return self.state in FINISHED

    @property
    def process(self) -> str:
        """Where the job runs: ``host:pid``."""
        return f"{self.host}:{self.pid}"


def percent_of(stage: str, before: int) -> int:
    """The percent a stage stands for (never going back); each pay period nudges it forward."""
    for prefix, value in STAGE_PERCENT:
        if stage.startswith(prefix):
            if prefix == "pay" and before >= value:
                return min(before + 2, 86)
            return max(before, value)
    return before


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _text(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat(timespec="milliseconds")


def _job_of(row: Any) -> Job:
    """The job a ``calc_job`` row records."""
    return Job(
        job_id=row.id,
        state=row.state,
        stage=row.stage,
        percent=int(row.percent),
        periods=list(row.periods),
        actor=row.requested_by,
        queued_at=_text(row.requested_at) or "",
        host=row.host,
        pid=int(row.pid),
        heartbeat_at=_text(row.heartbeat_at) or "",
        kind=row.kind,
        payees=None if row.payees is None else list(row.payees),
        started_at=_text(row.started_at),
        finished_at=_text(row.finished_at),
        run_id=row.run_id,
        error=row.error_text,
        code=row.error_code,
        summary=row.summary,
    )


def _audit(conn: Connection, job: Job, action: str) -> None:
    after = {"state": job.state, "stage": job.stage, "periods": job.periods, "run_id": job.run_id,
             "code": job.code, "error": job.error}
    record(conn, job.actor, action, ENTITY, job.job_id, None, after)


def _change(target: str | Engine, job: Job, audit_as: str | None = None, **values: Any) -> None:
    """Write ``values`` onto the job's record (and audit a state change) in one transaction."""
    with transaction(target, job.actor) as conn:
        conn.execute(update(calc_job).where(calc_job.c.id == job.job_id).values(**values))
        if audit_as is not None:
            _audit(conn, job, audit_as)


def _load(conn: Connection, job_id: str) -> Job | None:
    if not _JOB_ID.match(job_id):
        return None
    row = conn.execute(select(calc_job).where(calc_job.c.id == job_id)).first()
    return None if row is None else _job_of(row)


def _process_gone(pid: int) -> bool:
    """True when no process ``pid`` runs on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _process_started(pid: int) -> dt.datetime | None:
    """When process ``pid`` of this host started (Linux ``/proc``; None where that cannot be read)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/stat", encoding="ascii") as machine:
            boot = next(int(line.split()[1]) for line in machine if line.startswith("btime "))
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return dt.datetime.fromtimestamp(boot + ticks / os.sysconf("SC_CLK_TCK"), dt.UTC)


def is_lost(job: Job, now: dt.datetime | None = None) -> bool:
    """An unfinished job whose worker is gone.

    On this host the process tells: its pid is gone, or now belongs to a process started after the
    job was requested (a reused pid). A live worker is never lost for being silent: on SQLite a pay
    run's store transaction holds the write lock, so heartbeats wait. Elsewhere (PostgreSQL, several
    hosts) the heartbeat tells: silent for longer than ``STALE_AFTER``.
    """
    if job.done:
        return False
    if job.host == HOST:
        if _process_gone(job.pid):
            return True
        started = _process_started(job.pid)
        requested = dt.datetime.fromisoformat(job.queued_at)
        return started is not None and started > requested + dt.timedelta(seconds=1)
    return (now or _now()) - dt.datetime.fromisoformat(job.heartbeat_at) > STALE_AFTER


_TICK = dt.timedelta(milliseconds=1)
"""The precision of the times a ``Job`` carries."""


def _record_lost(target: str | Engine, job: Job) -> Job:
    """Record a lost job as failed (once, and only if it has not beaten since it was read)."""
    lost = replace(job, state="failed", code=JOB_LOST, error=f"[{JOB_LOST}] the server stopped mid-run",
                   finished_at=_text(_now()))
    try:
        return _write_lost(target, job, lost)
    except OperationalError:  # the database is busy (a run storing on SQLite): report it, record later
        return lost


def _write_lost(target: str | Engine, job: Job, lost: Job) -> Job:
    with transaction(target, "system") as conn:
        changed = conn.execute(
            update(calc_job)
            .where(calc_job.c.id == job.job_id, calc_job.c.state.in_(UNFINISHED),
                   calc_job.c.heartbeat_at < dt.datetime.fromisoformat(job.heartbeat_at) + _TICK)
            .values(state="failed", error_code=JOB_LOST, error_text=lost.error, finished_at=_now())
        ).rowcount
        if changed:
            _audit(conn, lost, "failed")
        found = _load(conn, job.job_id)
    return found if found is not None else lost


def _checked(target: str | Engine, job: Job) -> Job:
    return _record_lost(target, job) if is_lost(job) else job


def get_job(target: str | Engine, principal: Principal, job_id: str) -> Job:
    """The job's record (``AUTH007`` when unknown); a lost job is recorded and read as failed."""
    access.require(principal, "runs.read")
    with reading(target) as conn:
        job = _load(conn, job_id)
    if job is None:
        raise access.not_found("background run", job_id)
    return _checked(target, job)


def waiting_on(target: str | Engine, job: Job) -> list[str]:
    """The job's periods that another run holds locked right now (while this job waits for them)."""
    if job.done or job.stage != "waiting":
        return []
    with reading(target) as conn:
        rows = conn.execute(select(run_lock.c.period_label).where(run_lock.c.period_label.in_(job.periods)))
        return sorted(str(r.period_label) for r in rows)


def list_jobs(target: str | Engine, principal: Principal, limit: int = 10, offset: int = 0) -> list[Job]:
    """The newest background runs (newest first), each as its record."""
    access.require(principal, "runs.read")
    access.check_window(limit, offset)
    with reading(target) as conn:
        rows = conn.execute(
            select(calc_job)
            .order_by(calc_job.c.requested_at.desc(), calc_job.c.id)
            .limit(limit)
            .offset(offset)
        ).all()
    return [_checked(target, _job_of(row)) for row in rows]


def count_jobs(target: str | Engine, principal: Principal) -> int:
    """How many background runs were ever requested."""
    access.require(principal, "runs.read")
    with reading(target) as conn:
        return int(conn.execute(select(func.count()).select_from(calc_job)).scalar_one())


def _labels(periods: list[str]) -> list[str]:
    labels = sorted({label.strip() for label in periods if label.strip()})
    if not labels:
        raise AttainError("give at least one period label (e.g. 2017-Q1)", code=access.BAD_PARAMETER)
    for label in labels:
        try:
            CALENDAR.parse(label)
        except ValueError as exc:
            raise AttainError(f"{label}: {exc}", code=access.BAD_PARAMETER) from exc
    return labels


def _queue(target: str, principal: Principal, labels: list[str], payees: list[str] | None) -> Job:
    now = _now()
    job = Job(uuid.uuid4().hex, "queued", "queued", 0, labels, principal.username, _text(now) or "",
              HOST, os.getpid(), _text(now) or "", payees=payees)
    values = {"id": job.job_id, "kind": KIND, "periods": labels, "payees": payees, "state": "queued",
              "stage": "queued", "percent": 0, "requested_by": job.actor, "requested_at": now,
              "host": HOST, "pid": job.pid, "heartbeat_at": now}
    with transaction(target, principal.actor) as conn:
        conn.execute(insert(calc_job).values(values))
        _audit(conn, job, "queued")
    return job


def start_run_job(
    target: str,
    principal: Principal,
    periods: list[str],
    *,
    payees: list[str] | None = None,
    runner: Runner | None = None,
    wait_seconds: float = 600.0,
) -> Job:
    """Queue a pay run of ``periods`` (``payees``: default everyone) on a worker thread; return at once."""
    access.require(principal, "runs.start")
    labels = _labels(periods)
    chosen = sorted({p.strip() for p in payees or [] if p.strip()}) or None
    job = _queue(target, principal, labels, chosen)
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


class Heartbeat:
    """Stamps the job's ``heartbeat_at`` every ``HEARTBEAT_SECONDS`` until stopped (never raises)."""

    def __init__(self, target: str, job_id: str, every: float | None = None) -> None:
        self._target, self._job_id = target, job_id
        self._every = HEARTBEAT_SECONDS if every is None else every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{job_id[:8]}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(self._every):
            try:
                beat(self._target, self._job_id)
            except Exception:  # a busy database skips one beat; the next one catches up
                continue


def beat(target: str | Engine, job_id: str) -> None:
    """One sign of life of an unfinished job."""
    with transaction(target, "system") as conn:
        conn.execute(
            update(calc_job)
            .where(calc_job.c.id == job_id, calc_job.c.state.in_(UNFINISHED))
            .values(heartbeat_at=_now())
        )


def _work(target: str, job: Job, runner: Runner | None, wait_seconds: float) -> None:
    """The worker thread: run with a heartbeat, report each stage, record how it ended (never raises)."""
    with Heartbeat(target, job.job_id):
        _run(target, job, runner, wait_seconds)


def _run(target: str, job: Job, runner: Runner | None, wait_seconds: float) -> None:
    from attain.services import runs

    began = _now()
    current = replace(job, state="running", started_at=_text(began))
    stage = "waiting" if _held_by_another_run(target, current) else "inputs"
    state = {"job": replace(current, stage=stage, percent=percent_of(stage, 0))}
    _change(target, state["job"], "running", state="running", started_at=began, stage=stage,
            percent=state["job"].percent, heartbeat_at=began)

    def progress(stage: str) -> None:
        now = state["job"]
        if stage == now.stage or (now.stage == "waiting" and _held_by_another_run(target, now)):
            return
        state["job"] = replace(now, stage=stage, percent=percent_of(stage, now.percent))
        _change(target, state["job"], stage=stage[:200], percent=state["job"].percent, heartbeat_at=_now())

    run = runner or runs.run_payouts
    try:
        outcome = run(target, periods=job.periods, payees=job.payees, actor=job.actor, progress=progress,
                      wait_seconds=wait_seconds)
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
    return f"{amount.quantize(Decimal(1).scaleb(-minor_unit(currency))):,f}"


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
    finished = _now()
    final = replace(
        job,
        state=ended,
        stage="done" if error is None else job.stage,
        percent=100 if error is None else job.percent,
        finished_at=_text(finished),
        run_id=run_id,
        summary=summary,
        error=None if error is None else error[:2000],
        code=code,
    )
    _change(target, final, ended, state=ended, stage=final.stage, percent=final.percent, finished_at=finished,
            run_id=run_id, summary=summary, error_text=final.error, error_code=code, heartbeat_at=finished)


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
