"""Pay runs in the store: recorded whole or not at all, fingerprinted, serialized per period, diffed."""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from attain.core.errors import AttainError
from attain.services import runs
from attain.services.access import COMMAND_LINE
from attain.services.run_locks import period_locks
from attain.services.runs import diff, run_payouts
from attain.store.db import reading
from attain.store.tables import audit_log, calc_run, payout, period_status, run_lock
from tests.services.payout_company import DEALS, deal, load_company, publish_plan, put

PERIODS = ["2017-01", "2017-02"]


def totals(url: str, run_id: int) -> dict[tuple[str, str], Decimal]:
    with reading(url) as conn:
        rows = conn.execute(
            select(payout.c.payee_id, payout.c.period_label, func.sum(payout.c.amount_rounded))
            .where(payout.c.run_id == run_id)
            .group_by(payout.c.payee_id, payout.c.period_label)
        )
        return {(r[0], r[1]): Decimal(r[2]) for r in rows}


def test_a_run_stores_its_lines_versions_and_fingerprint(migrated_url: str) -> None:
    load_company(migrated_url)
    outcome = run_payouts(migrated_url, periods=PERIODS, actor="tester")
    assert totals(migrated_url, outcome.run_id) == {
        ("R1", "2017-01"): Decimal("1000.00"),
        ("R2", "2017-01"): Decimal("2000.00"),
        ("R1", "2017-02"): Decimal("500.00"),
        ("R3", "2017-01"): Decimal("1000.00"),  # draw, nothing earned
        ("R3", "2017-02"): Decimal("1000.00"),
    }  # 300 earned + 700 draw top-up
    with reading(migrated_url) as conn:
        run = conn.execute(select(calc_run).where(calc_run.c.id == outcome.run_id)).mappings().one()
        statuses = dict(conn.execute(select(period_status.c.period_label, period_status.c.status)).all())
    assert run["status"] == "succeeded" and run["plan_versions"] == {"pay_svc": [1]}
    assert (
        run["input_fingerprint"] == outcome.fingerprint
        and "input:transaction" in run["options"]["input_hashes"]
    )
    assert statuses == {"2017-01": "calculated", "2017-02": "calculated"}
    again = run_payouts(migrated_url, periods=PERIODS, actor="tester")
    assert again.fingerprint == outcome.fingerprint and again.same_inputs_as == outcome.run_id
    assert totals(migrated_url, again.run_id) == totals(migrated_url, outcome.run_id)


def test_a_failed_run_leaves_nothing_but_its_failure(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_company(migrated_url)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(runs, "pay", broken)
    with pytest.raises(RuntimeError):
        run_payouts(migrated_url, periods=PERIODS)
    with reading(migrated_url) as conn:
        assert conn.execute(select(func.count()).select_from(payout)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(period_status)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(run_lock)).scalar_one() == 0
        failed = conn.execute(select(calc_run.c.status, calc_run.c.error)).one()
    assert failed.status == "failed" and "disk full" in failed.error


def test_two_runs_of_a_period_are_serialized(sqlite_url: str) -> None:
    from attain.store.db import upgrade

    upgrade(sqlite_url)
    load_company(sqlite_url)
    with period_locks(sqlite_url, ["2017-02"], "other run"), pytest.raises(AttainError) as refused:
        run_payouts(sqlite_url, periods=["2017-02"], wait_seconds=0.5)
    assert refused.value.code == "PAY032"
    released = threading.Event()

    def hold() -> None:
        with period_locks(sqlite_url, ["2017-02"], "other run"):
            released.wait(5)
            time.sleep(1.0)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.5)
    released.set()
    started = time.monotonic()
    outcome = run_payouts(sqlite_url, periods=["2017-02"], wait_seconds=30)  # waits for the holder
    holder.join()
    assert time.monotonic() - started >= 0.5 and outcome.lines > 0


def test_diff_names_payees_amounts_and_reasons(migrated_url: str) -> None:
    load_company(migrated_url)
    first = run_payouts(migrated_url, periods=PERIODS)
    changed = [{**DEALS[0], "amount": Decimal(12_000)}, deal("T9", "R2", date(2017, 2, 20), 7_000)]
    put(migrated_url, "transaction", changed)
    second = run_payouts(migrated_url, periods=PERIODS)
    older, rows = diff(migrated_url, COMMAND_LINE, second.run_id)
    assert older == first.run_id
    by_key = {(r["payee_id"], r["period_label"]): r for r in rows.to_pylist()}
    assert set(by_key) == {("R1", "2017-01"), ("R2", "2017-02")}
    assert by_key[("R1", "2017-01")]["change"] == Decimal(200)
    assert "changed transactions: T1" in by_key[("R1", "2017-01")]["reasons"]
    assert by_key[("R2", "2017-02")]["change"] == Decimal(700)
    assert "new transactions: T9" in by_key[("R2", "2017-02")]["reasons"]
    publish_plan(migrated_url, version=2, rate="12%")
    third = run_payouts(migrated_url, periods=["2017-02"])
    _, rows = diff(migrated_url, COMMAND_LINE, third.run_id, second.run_id)
    assert all("plan change: pay_svc v1 -> v1,2" in r["reasons"] for r in rows.to_pylist())
    with reading(migrated_url) as conn:
        audited = conn.execute(
            select(func.count()).select_from(audit_log).where(audit_log.c.entity == "calc_run")
        ).scalar_one()
    assert audited >= 3


def test_a_payee_check_run_keeps_only_their_lines_and_leaves_the_period_alone(sqlite_url: str) -> None:
    from attain.store.db import upgrade

    upgrade(sqlite_url)
    load_company(sqlite_url)
    full = run_payouts(sqlite_url, periods=PERIODS)
    check = run_payouts(sqlite_url, periods=PERIODS, payees=["R1"])
    assert {k[0] for k in totals(sqlite_url, check.run_id)} == {"R1"}
    with reading(sqlite_url) as conn:
        current = set(conn.execute(select(period_status.c.run_id)).scalars())
    assert current == {full.run_id}


def test_without_periods_a_run_pays_the_year_of_the_latest_deal(sqlite_url: str) -> None:
    from attain.store.db import upgrade

    upgrade(sqlite_url)
    load_company(sqlite_url)
    outcome = run_payouts(sqlite_url)
    assert outcome.periods == [f"2017-{m:02d}" for m in range(1, 13)]
    assert outcome.totals == {"USD": Decimal("15500.00")}  # R1 1,500 + R2 2,000 + R3 12 x 1,000 (draw)
