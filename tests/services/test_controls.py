"""The close of a period (review, manager then finance approval, paid, locked), disputes, adjustments,
statements and exports, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from attain.core.errors import AttainError
from attain.services import adjustments, approvals, disputes, exports, statements
from attain.services.access import COMMAND_LINE, Principal
from attain.services.runs import run_payouts
from attain.store.db import reading
from attain.store.tables import approval, audit_log, payout
from tests.services.payout_company import deal, load_company, put

ADA = Principal(1, "ada", "admin")
FIN = Principal(3, "fin", "finance")
RITA = Principal(4, "rita", "rep", "R1")
ROB = Principal(5, "rob", "rep", "R2")
MONA = Principal(6, "mona", "manager", "M1")
"""The company's users (tests/services/payout_company.py); the manager step is the admin's here:
mona has no team (a manager's team rule is tested in test_approvals_access.py)."""


def close(url: str, label: str, run_id: int) -> None:
    approvals.submit_for_review(url, ADA, label)
    approvals.decide(url, ADA, label, run_id, approve=True, comment="looks right")
    approvals.decide(url, FIN, label, run_id, approve=True)
    approvals.mark_paid(url, FIN, label)
    approvals.lock(url, FIN, label)


def lines(url: str, run_id: int, label: str) -> list[dict[str, Any]]:
    with reading(url) as conn:
        query = select(payout).where((payout.c.run_id == run_id) & (payout.c.period_label == label))
        return [dict(r) for r in conn.execute(query.order_by(payout.c.line_no)).mappings()]


def test_a_period_closes_in_order_and_a_locked_period_is_never_rewritten(migrated_url: str) -> None:
    url = migrated_url
    load_company(url)
    first = run_payouts(url, periods=["2017-01"])
    with pytest.raises(AttainError) as early:
        approvals.decide(url, ADA, "2017-01", first.run_id, approve=True)
    assert early.value.code == "PAY031"  # not in review yet
    approvals.submit_for_review(url, ADA, "2017-01")
    with pytest.raises(AttainError) as rep:
        approvals.decide(url, RITA, "2017-01", first.run_id, approve=True)
    assert rep.value.code == "PAY034"
    with pytest.raises(AttainError) as finance_first:
        approvals.decide(url, FIN, "2017-01", first.run_id, approve=True)
    assert finance_first.value.code == "PAY034"  # the manager approves first
    state = approvals.decide(url, ADA, "2017-01", first.run_id, approve=True)
    assert state.status == "in_review" and [a["step"] for a in state.approvals] == ["manager"]
    state = approvals.decide(url, FIN, "2017-01", first.run_id, approve=True)
    assert state.status == "approved"
    approvals.mark_paid(url, FIN, "2017-01")
    approvals.lock(url, FIN, "2017-01")
    january = lines(url, first.run_id, "2017-01")
    assert {r["status"] for r in january} == {"locked"}
    put(url, "transaction", [deal("T8", "R2", date(2017, 1, 28), 4_000)])  # a late January deal
    second = run_payouts(url, periods=["2017-01", "2017-02"])
    assert lines(url, second.run_id, "2017-01") == []  # locked: not rewritten
    assert lines(url, first.run_id, "2017-01") == january
    february = {(r["payee_id"], r["kind"]): r["amount_rounded"] for r in lines(url, second.run_id, "2017-02")}
    assert february[("R2", "true_up")] == Decimal("400.00")  # the late deal, settled in the open period
    assert approvals.period_state(url, ADA, "2017-01").status == "locked"
    with reading(url) as conn:
        changes = (
            conn.execute(
                select(audit_log.c.action)
                .where(audit_log.c.entity == "period_status")
                .where(audit_log.c.key == "2017-01")
                .order_by(audit_log.c.id)
            )
            .scalars()
            .all()
        )
    assert changes == ["calculated", "in_review", "approved", "paid", "locked"]


def test_an_approval_is_for_the_run_reviewed_and_a_newer_run_voids_it(migrated_url: str) -> None:
    url = migrated_url
    load_company(url)
    first = run_payouts(url, periods=["2017-02"])
    approvals.submit_for_review(url, ADA, "2017-02")
    approvals.decide(url, ADA, "2017-02", first.run_id, approve=True)
    second = run_payouts(url, periods=["2017-02"])
    assert approvals.period_state(url, ADA, "2017-02").status == "calculated"
    with reading(url) as conn:
        assert conn.execute(select(approval.c.valid)).scalars().all() == [False]
    approvals.submit_for_review(url, ADA, "2017-02")
    with pytest.raises(AttainError) as stale:
        approvals.decide(url, ADA, "2017-02", first.run_id, approve=True)
    assert stale.value.code == "PAY033"
    state = approvals.decide(
        url,
        ADA,
        "2017-02",
        second.run_id,
        approve=False,
        comment="R3's draw looks wrong",
    )
    assert state.status == "calculated"


def test_a_dispute_becomes_an_approved_adjustment_paid_in_the_next_open_period(migrated_url: str) -> None:
    url = migrated_url
    load_company(url)
    first = run_payouts(url, periods=["2017-01"])
    close(url, "2017-01", first.run_id)
    line = next(r for r in lines(url, first.run_id, "2017-01") if r["payee_id"] == "R1")
    with pytest.raises(AttainError) as not_mine:
        disputes.raise_own(url, ROB, int(line["id"]), "not mine")
    assert not_mine.value.code == "AUTH007"
    dispute_id = disputes.raise_own(url, RITA, int(line["id"]), "T1 was 11,000, not 10,000")
    with pytest.raises(AttainError) as manager:  # the desk is finance's and admin's
        disputes.desk_assign(url, MONA, dispute_id, "fin")
    assert manager.value.code == "AUTH004"
    disputes.desk_assign(url, ADA, dispute_id, "fin")
    disputes.desk_answer(url, FIN, dispute_id, "checking with the CRM")
    adjustment_id = disputes.desk_to_adjustment(
        url, FIN, dispute_id, amount="100.00", currency="USD", reason="T1 amount corrected",
        period_label="2017-01",
    )
    with pytest.raises(AttainError) as own:
        adjustments.desk_decide(url, FIN, adjustment_id, approve=True)
    assert own.value.code == "PAY043"
    adjustments.desk_decide(url, ADA, adjustment_id, approve=True)
    (row,) = disputes.visible_disputes(url, FIN).items
    assert row["status"] == "adjusted" and row["adjustment_id"] == adjustment_id
    assert row["created_at"] <= row["assigned_at"] <= row["answered_at"] <= row["resolved_at"]
    with pytest.raises(AttainError) as closed:
        disputes.desk_resolve(url, FIN, dispute_id, "again")
    assert closed.value.code == "PAY041"
    second = run_payouts(url, periods=["2017-02"])
    paid = [r for r in lines(url, second.run_id, "2017-02") if r["kind"] == "adjustment"]
    assert [(r["payee_id"], r["amount_rounded"], r["refers_to"]) for r in paid] == [
        ("R1", Decimal("100.00"), str(adjustment_id))
    ]


def test_statements_and_exports(migrated_url: str, tmp_path: Path) -> None:
    url = migrated_url
    load_company(url)
    run = run_payouts(url, periods=["2017-01", "2017-02"])
    html = statements.statement_html(url, COMMAND_LINE, "R3", "2017-02")
    assert "Ray Ramp" in html and "ramp" in html and "1,700.00" in html  # the draw balance owed after
    assert "<svg" in html  # the attainment chart
    assert statements.statement_pdf(url, COMMAND_LINE, "R1", "2017-02").startswith(b"%PDF")
    written = statements.render_statements(url, COMMAND_LINE, "2017-01", tmp_path / "st", pdf=False)
    assert sorted(p.name for p in written) == ["R1-2017-01.html", "R2-2017-01.html", "R3-2017-01.html"]
    payroll = exports.payroll_table(url, COMMAND_LINE, ["2017-01", "2017-02"]).to_pylist()
    by_key = {(r["payee_id"], r["period_label"]): r for r in payroll}
    assert by_key[("R3", "2017-02")]["gross_amount"] == Decimal("1000.00")
    assert by_key[("R3", "2017-02")]["draws"] == Decimal("700.00")
    assert str(by_key[("R1", "2017-01")]["pay_date"]) == "2017-01-31"
    mapped = exports.apply_layout(
        exports.payroll_table(url, COMMAND_LINE, ["2017-01"]),
        {"columns": {"Employee": "payee_id", "Code": {"value": "COMM"}, "Amount": "gross_amount"}},
    )
    assert mapped.column_names == ["Employee", "Code", "Amount"]
    with pytest.raises(AttainError) as bad:
        january = exports.payroll_table(url, COMMAND_LINE, ["2017-01"])
        exports.apply_layout(january, {"columns": {"X": "salary"}})
    assert bad.value.code == "PAY050"
    ledger = exports.ledger_table(url, COMMAND_LINE, ["2017-02"])
    assert set(ledger.column("run_id").to_pylist()) == {run.run_id}
    assert "1400 Draw advances" in ledger.column("gl_account").to_pylist()
