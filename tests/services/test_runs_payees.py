"""A run for some payees calculates only what they need, and their numbers equal a run of everyone.

The synthetic company (splits between reps, managers rolled up three levels, 1% cancellations)
under a plan with split and roll-up credit, a marginal tier on the year, a recoverable draw for
everyone, a 10% holdback released two months later and 90-day clawbacks.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
import yaml
from sqlalchemy import select

from attain.engine import load_folder
from attain.payouts.subset import inputs_for, team_of
from attain.plans.schema import PlanDocument
from attain.services.calc import load_store_inputs, published_plans
from attain.services.runs import read_balances, read_lines, run_payouts
from attain.services.synthetic import generate_company
from attain.store.bulk import upsert
from attain.store.db import reading, transaction
from attain.store.plans import publish, save_draft
from attain.store.tables import payout_hold, period_status

MONTHS = ["2025-01", "2025-02", "2025-03", "2025-04"]
PLAN: dict[str, Any] = {
    "plan": "sales",
    "version": 1,
    "effective_from": "2025-01-01",
    "pay_period": "month",
    "credit_rules": [
        {"id": "owner_or_team", "kind": "split", "fallback_to_owner": True},
        {"id": "managers", "kind": "rollup", "levels": 3},
    ],
    "measures": [{"id": "bookings"}],
    "components": [
        {
            "id": "commission",
            "kind": "tiered",
            "measure": "bookings",
            "rating": "marginal",
            "evaluation": "cumulative",
            "tier_period": "year",
            "tiers": [{"from": 0, "to": 300000, "rate": "2%"}, {"from": 300000, "rate": "4%"}],
        }
    ],
    "payout": {
        "draws": [
            {"id": "ramp", "kind": "recoverable_draw", "amount": 1500, "max_recovery_per_period": 1000}
        ],
        "schedules": [
            {"id": "holdback", "installments": [{"share": "90%"}, {"share": "10%", "delay_periods": 2}]}
        ],
        "clawback": {"window_days": 90},
    },
}


def one_row_per_split(splits: pa.Table) -> pa.Table:
    grouped = splits.group_by(["opportunity_id", "payee_id"]).aggregate([("percent", "sum"), ("role", "min")])
    return pa.table(
        {
            "opportunity_id": grouped.column("opportunity_id"),
            "payee_id": grouped.column("payee_id"),
            "role": grouped.column("role_min"),
            "percent": grouped.column("percent_sum"),
        }
    ).cast(splits.schema)


@pytest.fixture(scope="module")
def company_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    from attain.store.db import upgrade

    folder = tmp_path_factory.mktemp("company")
    inputs = load_folder(generate_company(folder / "data", payees=150, transactions=3000, year=2025))
    url = f"sqlite:///{folder / 'attain.db'}"
    upgrade(url)
    with transaction(url, "test") as conn:
        for name in inputs:
            table = inputs[name] if name != "opportunity_split" else one_row_per_split(inputs[name])
            if table.num_rows:
                keep = [c for c in table.column_names if c not in ("source_file", "source_line")]
                upsert(conn, name, table.select(keep), batch_id=None, actor="test")
        save_draft(conn, "sales", 1, yaml.safe_dump(PLAN), actor="test")
        publish(conn, "sales", 1, actor="test")
    return url


def picked(url: str) -> list[str]:
    """A second-level manager (roll-ups of a team of teams), a rep with split deals, a rep with a clawback."""
    inputs = load_store_inputs(url)
    lines = inputs["reporting_line"]
    managers = set(lines.column("manager_id").to_pylist())
    second = sorted(m for m in managers if set(team_of(inputs, [m]).to_pylist()) & managers - {m})[0]
    split_rep = sorted(inputs["opportunity_split"].column("payee_id").to_pylist())[0]
    deals = inputs["transaction"]
    cancelled = deals.filter(pc.equal(deals.column("kind"), "cancellation")).column("owner_id")
    return sorted({second, split_rep, cancelled[0].as_py()})


def by_payee(table: pa.Table, payees: list[str]) -> list[dict[str, Any]]:
    mine = table.filter(pc.is_in(table.column("payee_id"), value_set=pa.array(payees)))
    rows = [{k: v for k, v in r.items() if k not in ("line_no", "id", "run_id")} for r in mine.to_pylist()]
    return sorted(rows, key=lambda r: sorted((k, str(v)) for k, v in r.items()))


def holds(url: str, run_id: int, payees: list[str]) -> pa.Table:
    with reading(url) as conn:
        rows = conn.execute(
            select(*(c for c in payout_hold.c if c.name not in ("id", "run_id"))).where(
                (payout_hold.c.run_id == run_id) & payout_hold.c.payee_id.in_(payees)
            )
        )
        return pa.Table.from_pylist([dict(r._mapping) for r in rows])


def test_a_payee_run_pays_the_selected_payees_exactly_as_a_run_of_everyone(company_store: str) -> None:
    payees = picked(company_store)
    everyone = run_payouts(company_store, periods=MONTHS, actor="test")
    some = run_payouts(company_store, periods=MONTHS, payees=payees, actor="test")
    assert some.payees == len(payees) and 0 < some.lines < everyone.lines
    with reading(company_store) as conn:
        full, part = read_lines(conn, everyone.run_id), read_lines(conn, some.run_id)
        assert set(part.column("payee_id").to_pylist()) == set(payees)
        assert by_payee(part, payees) == by_payee(full, payees)
        assert by_payee(read_balances(conn, some.run_id), payees) == by_payee(
            read_balances(conn, everyone.run_id), payees
        )
        current = dict(conn.execute(select(period_status.c.period_label, period_status.c.run_id)).all())
    assert by_payee(holds(company_store, some.run_id, payees), payees) == by_payee(
        holds(company_store, everyone.run_id, payees), payees
    )
    assert set(current.values()) == {everyone.run_id}  # a payee run is a check run


def test_a_payee_run_calculates_only_the_deals_of_the_payee_and_their_team(company_store: str) -> None:
    inputs = load_store_inputs(company_store)
    plans: list[PlanDocument] = published_plans(company_store)
    rep = picked(company_store)[1]
    needed = inputs_for(inputs, plans, [rep])["transaction"]
    assert 0 < needed.num_rows < inputs["transaction"].num_rows / 10
    owned = pc.sum(pc.equal(inputs["transaction"].column("owner_id"), rep)).as_py()
    assert needed.num_rows >= owned
    top = inputs["reporting_line"].column("manager_id")[0].as_py()
    assert len(team_of(inputs, [top])) > 1


def test_a_plan_naming_a_team_member_in_an_overlay_keeps_every_deal(company_store: str) -> None:
    inputs = load_store_inputs(company_store)
    rep = picked(company_store)[1]
    doc = PlanDocument.model_validate(
        {**PLAN, "credit_rules": [*PLAN["credit_rules"], {"id": "sme", "kind": "overlay", "payees": [rep]}]}
    )
    assert inputs_for(inputs, [doc], [rep])["transaction"].num_rows == inputs["transaction"].num_rows


def test_invoices_payments_and_reversals_of_a_kept_deal_are_kept_too() -> None:
    from attain.payouts.subset import with_linked

    deals = pa.table(
        {
            "transaction_id": ["D1", "I1", "C1", "X1", "D0"],
            "kind": ["booking", "invoice", "cancellation", "booking", "booking"],
            "opportunity_id": ["O1", "O1", None, "O2", None],
            "reverses_id": [None, None, "D1", None, None],
            "owner_id": ["R1", None, "R9", "R9", "R9"],
        }
    )
    kept = with_linked(deals, pa.chunked_array([[True, False, False, False, False]]))
    assert kept.to_pylist() == [True, True, True, False, False]
    cancelled_original = with_linked(deals, pa.chunked_array([[False, False, True, False, False]]))
    assert cancelled_original.to_pylist() == [True, True, True, False, False]  # and the original's invoice
