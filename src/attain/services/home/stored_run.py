"""The stored run a pay page reads: the payee's newest run, its periods, and the memo of what never changes.

Every pay page reads the newest *succeeded* calculation run that has payout lines for the payee
(``access.latest_results`` picks the same run). The current period is the newest period of the run
whose start is on or before ``day`` (the newest period of the run when all of them lie in the future).

A stored run never changes, so what a page shows from it is kept in ``RUN_VIEWS`` per (database, run,
its finish time, payee, period) and read from the store once. A new run is a new key: nothing has to be
invalidated. What is kept is only ever handed out after the scope check of the asking principal.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Integer, Select, String, bindparam, select

from attain.services import access
from attain.store.tables import calc_run, payout, run_measure

ZERO = Decimal(0)
RUN = bindparam("run_id", type_=Integer())
PAYEE = bindparam("payee_id", type_=String())


@dataclass(frozen=True, slots=True)
class Period:
    """The pay period the home page is about."""

    label: str
    start: dt.date
    end: dt.date


T = TypeVar("T")


class RunViews:
    """A bounded, thread-safe memo of what never changes for a stored run (least recently used out)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value kept for ``key``, computed (outside the lock) and kept when missing."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


RUN_VIEWS = RunViews(4096)
"""Rep-home data per (database, run, finished at, payee, period): a few kB each."""
STATEMENTS_PAID = "statement periods"
"""The last part of the ``RUN_VIEWS`` key of a payee's paid periods (a period label never reads so)."""


@cache
def _newest_stamp() -> Select[Any]:
    newest = access._result_statements()[0].scalar_subquery()
    return select(calc_run.c.id, calc_run.c.finished_at).where(calc_run.c.id == newest)


def run_key(conn: Connection, payee_id: str) -> tuple[str, int, Any] | None:
    """(database, run id, finished at) of the payee's newest run: the key of what is kept about it."""
    row = conn.execute(_newest_stamp(), {"payee_id": payee_id}).first()
    if row is None:
        return None
    return (conn.engine.url.render_as_string(hide_password=False), int(row.id), row.finished_at)


def newest_run(conn: Connection, payee_id: str) -> int | None:
    """The newest succeeded run with payout lines for the payee (the one every page shows)."""
    newest = conn.execute(access._result_statements()[0], {"payee_id": payee_id}).scalar_one()
    return None if newest is None else int(newest)


@cache
def _periods() -> Select[Any]:
    m = run_measure.c
    return (
        select(m.period_label, m.period_start, m.period_end)
        .distinct()
        .where(m.run_id == RUN, m.payee_id == PAYEE)
        .order_by(m.period_start, m.period_label)
    )


def run_periods(conn: Connection, run_id: int, payee_id: str) -> list[Period]:
    """The run's periods of the payee, oldest first."""
    return [
        Period(r.period_label, r.period_start, r.period_end)
        for r in conn.execute(_periods(), {"run_id": run_id, "payee_id": payee_id})
    ]


def period_on(periods: list[Period], day: dt.date) -> Period | None:
    """The newest of ``periods`` started on or before ``day`` (else the newest one)."""
    started = [p for p in periods if p.start <= day]
    return (started or periods)[-1] if periods else None


def current_period(conn: Connection, run_id: int, payee_id: str, day: dt.date) -> Period | None:
    """The newest period of the run started on or before ``day`` (else the run's newest period)."""
    return period_on(run_periods(conn, run_id, payee_id), day)


def elapsed_share(period: Period, day: dt.date) -> Decimal | None:
    """Share of the period's days gone by on ``day`` (inclusive); None outside the period."""
    if not period.start <= day <= period.end:
        return None
    days = (period.end - period.start).days + 1
    return Decimal((day - period.start).days + 1) / Decimal(days)


def payout_of_run(run_id: ColumnElement[int]) -> ColumnElement[bool]:
    """``payout.run_id = :run_id``; with an equality on the payee too, the (payee, run, period) index
    (migration 0006) finds the payee's lines of that run without reading the run's other lines."""
    return payout.c.run_id == run_id


def run_of(conn: Connection, run_id: int) -> dict[str, Any] | None:
    """The run's status and times (for "calculated on ..." notes)."""
    row = conn.execute(
        select(calc_run.c.id, calc_run.c.status, calc_run.c.finished_at).where(calc_run.c.id == run_id)
    ).first()
    return None if row is None else dict(row._mapping)
