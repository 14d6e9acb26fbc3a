"""Plan modeling on a tiny company: a draft flat rate against the live tiered plan, by hand."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from attain.core.errors import AttainError
from attain.engine import InputTables
from attain.planning.modeling import compare, scenario_plans
from tests.engine.builders import company, plan

RULES = [{"id": "team", "kind": "split"}, {"id": "managers", "kind": "rollup"}]
LIVE = plan(RULES, [{"id": "commission", "kind": "tiered", "measure": "bookings",
                     "tiers": [{"from": 0, "to": 2000, "rate": "5%"}, {"from": 2000, "rate": "10%"}]}])
DRAFT = plan(RULES, [{"id": "commission", "kind": "tiered", "measure": "bookings",
                      "tiers": [{"from": 0, "rate": "10%"}]}], version=2, effective_from="2025-06-01")


def inputs() -> InputTables:
    people = ("ann", "bob", "mia")
    deals = [("t1", "2025-01-10", "1000.00", "ann", None), ("t2", "2025-02-10", "3000.00", "ann", "o2"),
             ("t3", "2025-04-05", "500.00", "bob", None)]
    return company(
        payee=[{"payee_id": p, "name": p.title()} for p in people],
        reporting_line=[{"payee_id": p, "manager_id": "mia", "valid_from": "2024-01-01"} for p in people[:2]],
        transaction=[{"transaction_id": t, "kind": "booking", "date": d, "amount": a, "owner_id": o,
                      "opportunity_id": opp} for t, d, a, o, opp in deals],
        opportunity_split=[{"opportunity_id": "o2", "payee_id": "ann", "percent": "60"},
                           {"opportunity_id": "o2", "payee_id": "bob", "percent": "40"}],
        plan_assignment=[{"payee_id": p, "plan_id": "ae", "valid_from": "2025-01-01",
                          "target_incentive": "10000"} for p in people],
        quota=[{"assignee_kind": "payee", "assignee_id": p, "measure": "bookings",
                "period_start": "2025-01-01", "period_end": "2025-03-31", "amount": "2000",
                "currency": "USD", "version": "1"} for p in people[:2]],
    )


def test_draft_against_live_in_q1() -> None:
    result = compare(inputs(), [LIVE], {"flat10": [DRAFT]}, ["2025-Q1"])
    live, draft = result.scenarios
    # live: ann 2,800 -> 100 + 80 = 180; bob 1,200 x 5% = 60; mia 4,000 -> 100 + 200 = 300
    assert live.payouts == {"ann": D(180), "bob": D(60), "mia": D(300)}
    assert draft.payouts == {"ann": D(280), "bob": D(120), "mia": D(400)}
    assert (live.cost, draft.cost, live.revenue) == (D(540), D(800), D(4000))
    assert (live.cost_share, draft.cost_share) == (D("0.135"), D("0.2"))
    assert (live.at_quota, live.with_quota) == (1, 2)  # ann 140%, bob 60%
    assert [c.delta for c in result.changes["flat10"]] == [D(100), D(60), D(100)]
    assert len(result.gainers("flat10")) == 3 and not result.losers("flat10")
    assert live.percentile(D("0.5")) == D(180) and draft.percentile(D("0.9")) == D(400)
    assert draft.cost_by_plan == {"ae": D(800)}


def test_a_draft_must_replace_a_live_plan() -> None:
    other = DRAFT.model_copy(update={"plan": "se"})
    with pytest.raises(AttainError) as caught:
        scenario_plans([LIVE], [other])
    assert caught.value.code == "PLNG008"


def test_draft_governs_from_the_first_live_version() -> None:
    (only,) = scenario_plans([LIVE], [DRAFT])
    assert str(only.effective_from) == "2025-01-01" and only.version == 2
