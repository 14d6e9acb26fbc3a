"""Run locks have a lease: a dead run's lock expires and is taken over (audited), a live one is renewed."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from attain.core.errors import AttainError
from attain.engine import calculate
from attain.services import run_locks, runs
from attain.services.run_locks import acquire, lock_holders, make_token, period_locks
from attain.services.runs import run_payouts
from attain.store.db import reading, transaction
from attain.store.tables import audit_log, calc_run, payout, run_lock
from tests.services.payout_company import load_company

PERIOD = "2017-02"


def leave_a_dead_lock(url: str, label: str, silent_for: float, lease: float = 60.0) -> str:
    """What a run that died (killed, machine lost) leaves behind: a lock row nobody renews."""
    token = make_token(lease)
    renewed = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=silent_for)
    with transaction(url, "crashed run") as conn:
        conn.execute(
            insert(run_lock).values(period_label=label, token=token, actor="crashed run", acquired_at=renewed)
        )
    return token


def audit(url: str, action: str) -> list[dict[str, Any]]:
    with reading(url) as conn:
        rows = conn.execute(
            select(audit_log.c.actor, audit_log.c.key, audit_log.c.before, audit_log.c.after).where(
                (audit_log.c.entity == "run_lock") & (audit_log.c.action == action)
            )
        )
        return [dict(r._mapping) for r in rows]


def test_a_new_run_takes_over_the_expired_lock_of_a_dead_run(migrated_url: str) -> None:
    load_company(migrated_url)
    dead = leave_a_dead_lock(migrated_url, PERIOD, silent_for=120, lease=60)
    outcome = run_payouts(migrated_url, periods=[PERIOD], actor="analyst", wait_seconds=5)
    assert outcome.lines > 0
    taken = audit(migrated_url, "lock_taken_over")
    assert len(taken) == 1 and taken[0]["actor"] == "analyst" and taken[0]["key"] == PERIOD
    assert taken[0]["before"]["token"] == dead and taken[0]["before"]["actor"] == "crashed run"
    with reading(migrated_url) as conn:  # and the run released the lock it took over
        assert conn.execute(select(func.count()).select_from(run_lock)).scalar_one() == 0


def test_a_lock_inside_its_lease_is_not_taken_over_and_the_refusal_names_its_holder(
    migrated_url: str,
) -> None:
    load_company(migrated_url)
    leave_a_dead_lock(migrated_url, PERIOD, silent_for=10, lease=60)
    with pytest.raises(AttainError) as refused:
        run_payouts(migrated_url, periods=[PERIOD], actor="analyst", wait_seconds=0.3)
    assert refused.value.code == "PAY032"
    assert "crashed run" in str(refused.value) and "lease expires in" in str(refused.value)
    assert audit(migrated_url, "lock_taken_over") == []


def test_a_working_run_renews_its_lease_so_nobody_takes_it_over(migrated_url: str) -> None:
    with period_locks(migrated_url, [PERIOD], "long run", lease_seconds=0.6) as token:
        first = lock_holders(migrated_url)[0].renewed_at
        time.sleep(1.5)  # longer than the lease: only the heartbeat keeps it
        assert not acquire(migrated_url, PERIOD, make_token(60), "intruder")
        held = lock_holders(migrated_url)
        assert held[0].token == token and held[0].renewed_at > first
    assert lock_holders(migrated_url) == []
    assert [a["actor"] for a in audit(migrated_url, "lock_released")] == ["long run"]


def test_lock_holders_show_who_holds_what_since_when_and_until_when(migrated_url: str) -> None:
    leave_a_dead_lock(migrated_url, "2017-01", silent_for=300, lease=60)
    with period_locks(migrated_url, [PERIOD], "alice", lease_seconds=90):
        held = {lock.period_label: lock for lock in lock_holders(migrated_url)}
    dead, live = held["2017-01"], held[PERIOD]
    assert dead.actor == "crashed run" and dead.expired() and dead.since is None
    assert live.actor == "alice" and not live.expired() and live.lease_seconds == 90
    assert live.pid is not None and live.host and live.since is not None
    assert "alice (pid" in live.describe() and "expires in" in live.describe()
    assert "expired" in dead.describe()


def test_a_run_that_lost_its_lock_stores_nothing(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run frozen longer than its lease (no heartbeat) is taken over; it must not store its results."""
    load_company(migrated_url)
    monkeypatch.setattr(run_locks.Heartbeat, "_beat", lambda self: None)  # the process froze
    real = calculate
    intruder = make_token(60)

    def slow_calculate(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.5)
        assert acquire(migrated_url, PERIOD, intruder, "second run")  # the lease (0.2 s) ran out
        return real(*args, **kwargs)

    monkeypatch.setattr(runs, "calculate", slow_calculate)
    with pytest.raises(AttainError) as lost:
        run_payouts(migrated_url, periods=[PERIOD], actor="frozen run", lease_seconds=0.2)
    assert lost.value.code == "PAY035"
    with reading(migrated_url) as conn:
        assert conn.execute(select(func.count()).select_from(payout)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(calc_run)).scalar_one() == 0
        assert conn.execute(select(run_lock.c.token)).scalars().all() == [intruder]  # still the intruder's


def test_only_one_of_two_runs_racing_for_an_expired_lock_gets_it(migrated_url: str) -> None:
    leave_a_dead_lock(migrated_url, PERIOD, silent_for=120, lease=60)
    won: list[bool] = []
    start = threading.Barrier(2)

    def race(name: str) -> None:
        start.wait()
        won.append(acquire(migrated_url, PERIOD, make_token(60), name))

    racers = [threading.Thread(target=race, args=(n,)) for n in ("one", "two")]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert sorted(won) == [False, True]
    assert len(audit(migrated_url, "lock_taken_over")) == 1
