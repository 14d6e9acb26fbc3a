"""Run locks with a lease: one run per pay period at a time, and a dead run's lock expires.

A run holds one ``run_lock`` row per period it calculates. While it works, a heartbeat renews the
lease (``acquired_at`` is the time of the last renewal); a run that died stops renewing, and once
its lease has run out a new run of the period takes the lock over, with an audit entry naming the
run it replaced. A run whose lock was taken over (it stalled longer than its lease) finds out when it
renews and refuses to store its results (PAY035), so two runs of a period never interleave.

The lease a holder asked for, its host and process are kept in the lock's token
(``id=...;lease=...;host=...;pid=...``): the holder decides how long it may stay silent, not
whoever wants the lock next.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from attain.core.errors import AttainError
from attain.payouts.codes import PAY032, PAY035
from attain.store.audit import record
from attain.store.db import reading, transaction
from attain.store.tables import audit_log, run_lock

DEFAULT_LEASE_SECONDS = 120.0
"""How long a run may go without renewing its lock before another run may take it over."""
LOCK_POLL_SECONDS = 0.5
log = logging.getLogger(__name__)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class RunLock:
    """Who holds a period's lock: actor, host and process, since when, last renewal and lease."""

    period_label: str
    actor: str
    token: str
    renewed_at: dt.datetime
    lease_seconds: float
    host: str
    pid: int | None
    since: dt.datetime | None = None

    @property
    def expires_at(self) -> dt.datetime:
        return self.renewed_at + dt.timedelta(seconds=self.lease_seconds)

    def expired(self, now: dt.datetime | None = None) -> bool:
        return (now or _now()) > self.expires_at

    def describe(self, now: dt.datetime | None = None) -> str:
        now = now or _now()
        left = (self.expires_at - now).total_seconds()
        state = f"lease expires in {left:.0f} s" if left >= 0 else f"lease expired {-left:.0f} s ago"
        where = f" (pid {self.pid} on {self.host})" if self.pid is not None else ""
        return f"{self.actor}{where}, renewed {(now - self.renewed_at).total_seconds():.0f} s ago, {state}"


def make_token(lease_seconds: float) -> str:
    """A new holder's token: a unique id, the lease it asks for, its host and process id."""
    return f"id={uuid.uuid4().hex};lease={lease_seconds:g};host={socket.gethostname()};pid={os.getpid()}"


def _fields(token: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in token.split(";") if "=" in part)


def lease_of(token: str) -> float:
    """The lease the holder asked for (tokens written before leases existed get the default)."""
    try:
        return float(_fields(token)["lease"])
    except (KeyError, ValueError):
        return DEFAULT_LEASE_SECONDS


def _as_lock(row: object, since: dt.datetime | None = None) -> RunLock:
    token: str = row.token  # type: ignore[attr-defined]
    fields = _fields(token)
    pid = fields.get("pid", "")
    return RunLock(
        row.period_label,  # type: ignore[attr-defined]
        row.actor,  # type: ignore[attr-defined]
        token,
        _aware(row.acquired_at),  # type: ignore[attr-defined]
        lease_of(token),
        fields.get("host", "?"),
        int(pid) if pid.isdigit() else None,
        since,
    )


def _since(conn: Connection, label: str, token: str) -> dt.datetime | None:
    """When the holder took the lock (its audit entry), if it was audited."""
    rows = conn.execute(
        select(audit_log.c.at, audit_log.c.after)
        .where(
            (audit_log.c.entity == "run_lock")
            & (audit_log.c.key == label)
            & audit_log.c.action.in_(("lock_acquired", "lock_taken_over"))
        )
        .order_by(audit_log.c.id.desc())
        .limit(20)
    )
    for row in rows:
        if isinstance(row.after, dict) and row.after.get("token") == token:
            return _aware(row.at)
    return None


def lock_holders(target: str | Engine) -> list[RunLock]:
    """Every period lock held now (or left behind by a dead run), with who holds it and its lease."""
    with reading(target) as conn:
        rows = conn.execute(select(run_lock).order_by(run_lock.c.period_label)).all()
        return [_as_lock(row, _since(conn, row.period_label, row.token)) for row in rows]


def _holder(target: str | Engine, label: str) -> RunLock | None:
    with reading(target) as conn:
        row = conn.execute(select(run_lock).where(run_lock.c.period_label == label)).first()
        return None if row is None else _as_lock(row)


def _try_insert(target: str | Engine, label: str, token: str, actor: str) -> bool:
    try:
        with transaction(target, actor) as conn:
            now = _now()
            conn.execute(
                insert(run_lock).values(period_label=label, token=token, actor=actor, acquired_at=now)
            )
            record(conn, actor, "lock_acquired", "run_lock", label, None, {"token": token, "at": now})
        return True
    except IntegrityError:
        return False


def _take_over(target: str | Engine, stale: RunLock, token: str, actor: str) -> bool:
    """Replace an expired lock (only if its holder has not renewed it meanwhile), audited."""
    cutoff = _now() - dt.timedelta(seconds=stale.lease_seconds)
    try:
        with transaction(target, actor) as conn:
            gone = conn.execute(
                delete(run_lock).where(
                    (run_lock.c.period_label == stale.period_label)
                    & (run_lock.c.token == stale.token)
                    & (run_lock.c.acquired_at < cutoff)
                )
            ).rowcount
            if gone != 1:
                return False
            now = _now()
            conn.execute(
                insert(run_lock).values(
                    period_label=stale.period_label, token=token, actor=actor, acquired_at=now
                )
            )
            before = {"token": stale.token, "actor": stale.actor, "renewed_at": stale.renewed_at}
            record(
                conn,
                actor,
                "lock_taken_over",
                "run_lock",
                stale.period_label,
                before,
                {"token": token, "at": now},
            )
        log.warning("took over the expired lock of %s from %s", stale.period_label, stale.describe())
        return True
    except IntegrityError:
        return False


def acquire(target: str | Engine, label: str, token: str, actor: str) -> bool:
    """Take the period's lock if it is free or its holder's lease has expired."""
    if _try_insert(target, label, token, actor):
        return True
    held = _holder(target, label)
    if held is None:
        return _try_insert(target, label, token, actor)
    return held.expired() and _take_over(target, held, token, actor)


def renew(conn: Connection, token: str, labels: list[str]) -> None:
    """Renew the lease inside ``conn``'s unit of work; PAY035 if another run took a period over."""
    held = conn.execute(update(run_lock).where(run_lock.c.token == token).values(acquired_at=_now())).rowcount
    if held != len(labels):
        raise AttainError(
            f"this run lost its lock on {', '.join(labels)}: it was silent longer than its lease and "
            "another run took the period over; nothing of this run was stored",
            code=PAY035,
        )


class Heartbeat:
    """A daemon thread renewing a run's lease every third of it while the run works."""

    def __init__(self, target: str | Engine, token: str, labels: list[str], actor: str) -> None:
        self.target, self.token, self.labels, self.actor = target, token, labels, actor
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="run-lock-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        interval = max(lease_of(self.token) / 3, 0.05)
        while not self._stop.wait(interval):
            try:
                with transaction(self.target, self.actor) as conn:
                    renew(conn, self.token, self.labels)
            except AttainError:
                self.lost.set()
                return
            except OperationalError as exc:  # busy store: the next beat tries again
                log.debug("run lock heartbeat deferred (store busy): %s", exc)


@contextmanager
def period_locks(
    target: str | Engine,
    labels: list[str],
    actor: str,
    wait_seconds: float = 600.0,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> Iterator[str]:
    """Hold a leased lock per period while the block runs (heartbeat renewed); PAY032 after waiting."""
    token = make_token(lease_seconds)
    deadline = time.monotonic() + wait_seconds
    taken: list[str] = []
    try:
        for label in sorted(labels):
            while not acquire(target, label, token, actor):
                if time.monotonic() > deadline:
                    held = _holder(target, label)
                    who = held.describe() if held else "another run"
                    raise AttainError(
                        f"period {label} is being calculated by {who}; try again later", code=PAY032
                    )
                time.sleep(LOCK_POLL_SECONDS)
            taken.append(label)
        with Heartbeat(target, token, taken, actor):
            yield token
    finally:
        if taken:
            _release(target, token, taken, actor)


def _release(target: str | Engine, token: str, labels: list[str], actor: str) -> None:
    try:
        with transaction(target, actor) as conn:
            conn.execute(delete(run_lock).where(run_lock.c.token == token))
            for label in labels:
                record(conn, actor, "lock_released", "run_lock", label, {"token": token}, None)
    except Exception as exc:  # the lease expires on its own: never hide the run's own outcome
        log.warning("could not release run locks %s: %s", labels, exc)
