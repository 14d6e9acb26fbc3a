"""Property, through the store: over any sequence of runs, closes, late deals and adjustments, no payout
line of a locked period ever changes, and what every period's current lines pay adds up to the pure
pay stage's conservation rule (earned − held ± adjustments ± draw balances)."""

from __future__ import annotations

import tempfile
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from attain.services import adjustments, approvals
from attain.services.access import Principal
from attain.services.runs import read_balances, run_payouts
from attain.store.db import dispose_engine, reading, upgrade
from attain.store.tables import payout, period_status, run_component_total
from tests.services.payout_company import deal, load_company, put

MONTHS = ["2017-01", "2017-02", "2017-03"]
ADA = Principal(1, "ada", "admin")
FIN = Principal(3, "fin", "finance")

late_deal = st.tuples(st.sampled_from(["R1", "R2", "R3"]), st.integers(0, 2), st.integers(-2_000, 9_000))
step = st.tuples(st.lists(late_deal, max_size=2), st.integers(-200, 200), st.booleans())


def close(url: str, label: str, run_id: int) -> None:
    approvals.submit_for_review(url, ADA, label)
    approvals.decide(url, ADA, label, run_id, approve=True)
    approvals.decide(url, FIN, label, run_id, approve=True)
    approvals.mark_paid(url, FIN, label)
    approvals.lock(url, FIN, label)


def snapshot(url: str, label: str) -> list[dict[str, Any]]:
    """Every line a period's current run holds for it, all columns."""
    with reading(url) as conn:
        run_id = conn.execute(
            select(period_status.c.run_id).where(period_status.c.period_label == label)
        ).scalar_one()
        rows = conn.execute(
            select(payout)
            .where((payout.c.run_id == run_id) & (payout.c.period_label == label))
            .order_by(payout.c.id)
        )
        return [dict(r) for r in rows.mappings()]


def paid_everywhere(url: str) -> Decimal:
    """What the current lines of all periods pay (locked ones from the run that was locked)."""
    return sum((Decimal(r["amount_rounded"]) for label in MONTHS for r in snapshot(url, label)), Decimal(0))


def earned(url: str, run_id: int) -> Decimal:
    """Component totals of the run, summed exactly (SQLite's SUM of a NUMERIC column is a float)."""
    with reading(url) as conn:
        amounts = conn.execute(
            select(run_component_total.c.amount).where(run_component_total.c.run_id == run_id)
        ).scalars()
        return sum((Decimal(a) for a in amounts), Decimal(0))


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=2, max_size=3))
def test_locked_lines_never_change_over_any_sequence_of_runs(steps: list[tuple[Any, int, bool]]) -> None:
    with tempfile.TemporaryDirectory(prefix="attain-history-") as folder:
        url = f"sqlite:///{folder}/attain.db"
        try:
            upgrade(url)
            load_company(url)
            locked: dict[str, list[dict[str, Any]]] = {}
            adjusted = Decimal(0)
            for number, (late, adjustment, close_next) in enumerate(steps):
                outcome = run_payouts(url, periods=MONTHS, actor="analyst")
                written = {
                    r["period_label"] for label in MONTHS for r in _run_lines(url, outcome.run_id, label)
                }
                assert not written & set(locked)  # a run never writes a locked period
                for label, lines in locked.items():
                    assert snapshot(url, label) == lines  # and never changes what was locked
                _books_balance(url, outcome.run_id, adjusted)
                open_ = [m for m in MONTHS if m not in locked]
                if close_next and len(open_) > 1:
                    close(url, open_[0], outcome.run_id)
                    locked[open_[0]] = snapshot(url, open_[0])
                deals = [
                    deal(f"L{number}{i}", p, date(2017, m + 1, 25), amount)
                    for i, (p, m, amount) in enumerate(late)
                ]
                if deals:
                    put(url, "transaction", deals)
                if adjustment:
                    made = adjustments.desk_create(
                        url,
                        ADA,
                        payee_id="R1",
                        period_label=MONTHS[-1],
                        amount=str(adjustment),
                        currency="USD",
                        reason="fix",
                    )
                    adjustments.desk_decide(url, FIN, made, approve=True)
                    adjusted += adjustment
        finally:
            dispose_engine(url)


def _run_lines(url: str, run_id: int, label: str) -> list[dict[str, Any]]:
    with reading(url) as conn:
        query = select(payout.c.period_label).where(
            (payout.c.run_id == run_id) & (payout.c.period_label == label)
        )
        return [dict(r) for r in conn.execute(query).mappings()]


def _books_balance(url: str, run_id: int, adjusted: Decimal) -> None:
    """No holds in this plan; R3's recoverable draw is the only other term: paid = earned + adjustments
    + what R3 still owes after the last month, to the cent (every amount here is whole cents)."""

    with reading(url) as conn:
        balances = read_balances(conn, run_id).to_pylist()
    owed = max(balances, key=lambda r: r["period_label"])["balance_after"]  # March is never locked
    assert paid_everywhere(url) == earned(url, run_id) + adjusted + owed
