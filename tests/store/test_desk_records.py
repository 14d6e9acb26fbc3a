"""The desk's records hold their rules in the database itself (SQLite and PostgreSQL): one decision per
adjustment even when two deciders race, job states and percents and thread kinds are constrained,
threads and decisions go with their dispute or adjustment, and an approval recorded before decisions
had a table still reads as approved."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from attain.core.errors import AttainError
from attain.services import adjustments, disputes
from attain.services.access import Principal
from attain.store.db import reading, transaction
from attain.store.tables import (
    adjustment,
    adjustment_decision,
    calc_job,
    calc_run,
    dispute,
    dispute_message,
    payout,
)

FINANCE = Principal(2, "finance", "finance")
ADMIN = Principal(1, "admin", "admin")
NOW = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)


def _adjustment(url: str, author: str = "finance") -> int:
    """An adjustment recorded below the role check (the records' rules are what is tested here)."""
    with transaction(url, author) as conn:
        return adjustments._add_adjustment(
            conn,
            payee_id="RAY",
            period_label="2024-Q1",
            amount="10.00",
            currency="USD",
            reason="test",
            author=author,
        )


def _decision(adjustment_id: int, status: str, by: str) -> dict[str, Any]:
    return {"adjustment_id": adjustment_id, "status": status, "decided_by": by, "decided_at": NOW}


def test_an_adjustment_has_one_decision_at_most(migrated_url: str) -> None:
    adj = _adjustment(migrated_url)
    with transaction(migrated_url) as conn:
        conn.execute(insert(adjustment_decision).values(_decision(adj, "approved", "admin")))
    with pytest.raises(IntegrityError), transaction(migrated_url) as conn:
        conn.execute(insert(adjustment_decision).values(_decision(adj, "rejected", "boss")))
    other = _adjustment(migrated_url)
    with pytest.raises(IntegrityError), transaction(migrated_url) as conn:
        conn.execute(insert(adjustment_decision).values(_decision(other, "maybe", "admin")))


def test_two_deciders_racing_leave_one_decision(migrated_url: str) -> None:
    adj = _adjustment(migrated_url)
    barrier, outcomes = threading.Barrier(2), []

    def decide(who: str, status: str) -> None:
        barrier.wait()
        try:
            with transaction(migrated_url, who) as conn:
                adjustments._decide(conn, adj, who, status, "race")
            outcomes.append(status)
        except AttainError as error:
            outcomes.append(error.code)

    threads = [
        threading.Thread(target=decide, args=args) for args in (("admin", "approved"), ("boss", "rejected"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2 and set(outcomes) in ({"approved", "DESK003"}, {"rejected", "DESK003"})
    with reading(migrated_url) as conn:
        rows = conn.execute(
            select(adjustment_decision).where(adjustment_decision.c.adjustment_id == adj)
        ).all()
        approved_by = conn.execute(select(adjustment.c.approved_by).where(adjustment.c.id == adj)).scalar()
    assert len(rows) == 1 and rows[0].status in outcomes
    assert approved_by == ("admin" if rows[0].status == "approved" else None)  # pay runs read approved_by


def test_an_approval_without_a_decision_row_reads_as_approved(migrated_url: str) -> None:
    adj = _adjustment(migrated_url)
    with transaction(migrated_url) as conn:
        conn.execute(
            adjustment.update().where(adjustment.c.id == adj).values(approved_by="admin", approved_at=NOW)
        )
    found = adjustments.desk_get(migrated_url, FINANCE, adj)
    assert (found["status"], found["approved_by"], found["decided_by"]) == ("approved", "admin", None)
    assert [step["action"] for step in found["history"]] == ["create", "approve"]
    assert adj in {row["id"] for row in adjustments.desk_list(migrated_url, FINANCE, status="approved").items}
    with pytest.raises(AttainError) as twice:
        adjustments.desk_decide(migrated_url, ADMIN, adj, approve=False, comment="no")
    assert twice.value.code == adjustments.ALREADY_DECIDED


def _job(**values: Any) -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex,
        "periods": ["2024-Q1"],
        "state": "running",
        "stage": "credit",
        "percent": 15,
        "requested_by": "admin",
        "requested_at": NOW,
        "host": "h",
        "pid": 1,
        "heartbeat_at": NOW,
        **values,
    }


@pytest.mark.parametrize("bad", [{"state": "lost"}, {"percent": 101}, {"percent": -1}, {"pid": None}])
def test_a_job_record_keeps_to_its_states_and_percent(migrated_url: str, bad: dict[str, Any]) -> None:
    with transaction(migrated_url) as conn:
        conn.execute(insert(calc_job).values(_job()))
    with pytest.raises(IntegrityError), transaction(migrated_url) as conn:
        conn.execute(insert(calc_job).values(_job(**bad)))


def _dispute(url: str) -> int:
    """A dispute raised by 'ray' (a name, not a user here) on a payout line of a run of RAY's."""
    with transaction(url) as conn:
        run_id = conn.execute(
            insert(calc_run)
            .values(status="succeeded", periods=["2024-Q1"], created_by="t")
            .returning(calc_run.c.id)
        ).scalar_one()
        line = {
            "run_id": run_id,
            "payee_id": "RAY",
            "period_label": "2024-Q1",
            "currency": "USD",
            "amount": Decimal("10"),
            "amount_rounded": Decimal("10.00"),
        }
        payout_id = conn.execute(insert(payout).values(line).returning(payout.c.id)).scalar_one()
    return disputes._raise(url, int(payout_id), "why?", raised_by="ray", payee_id="RAY")


def test_a_thread_keeps_its_kinds_and_goes_with_its_dispute(migrated_url: str) -> None:
    dispute_id = _dispute(migrated_url)
    with transaction(migrated_url, "finance") as conn:  # below the desk's role check: the thread's records
        disputes._assign(conn, dispute_id, "finance", "finance", None)
    with reading(migrated_url) as conn:
        thread = disputes.thread(conn, dispute_id)
    assert [(t["kind"], t["actor"], t["role"], t["text"]) for t in thread] == [
        ("message", "ray", "payee", "why?"),  # not a user of the app: speaks as the payee
        ("assignment", "finance", "desk", "assigned to finance"),
    ]
    with pytest.raises(IntegrityError), transaction(migrated_url) as conn:
        conn.execute(
            insert(dispute_message).values(
                dispute_id=dispute_id, author="x", role="rep", kind="note", text="?", created_at=NOW
            )
        )
    with transaction(migrated_url) as conn:
        conn.execute(delete(dispute).where(dispute.c.id == dispute_id))
        left = conn.execute(
            select(dispute_message.c.id).where(dispute_message.c.dispute_id == dispute_id)
        ).all()
    assert left == []
