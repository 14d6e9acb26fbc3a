"""The activity funnel: inversion arithmetic, the carried shortfall, alerts, and the what-if commission."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest

from attain.analytics.compute import parse_period
from attain.analytics.funnel import (
    FunnelRatios,
    alerts,
    required_activity,
    target_weeks,
    weekly_targets,
    working_days,
)
from attain.services.calc import published_plans
from attain.services.forecast import activity_plan, store_tables, what_if


def test_inverting_a_funnel_rounds_every_step_up() -> None:
    ratios = FunnelRatios("ann", "mia", calls=100, appointments=50, quotes=25, orders=10,
                          won_value=Decimal("10000"))
    need = required_activity(ratios, Decimal("10500"), days_left=20)
    # 10,500 ÷ 1,000 per order = 10.5 → 11 orders; ÷ 0.4 → 27.5 → 28 quotes;
    # ÷ 0.5 → 56 appointments; ÷ 0.5 → 112 calls
    assert (need.orders, need.quotes, need.appointments, need.calls) == (11, 28, 56, 112)
    assert need.calls_per_day == Decimal("5.6")
    assert "5.6 calls a day" in need.sentence()
    assert required_activity(ratios, Decimal(0), 20).calls == 0
    assert required_activity(FunnelRatios("new", None, 0, 0, 0, 0, Decimal(0)), Decimal(5), 20).calls is None


def test_working_days_and_target_weeks() -> None:
    assert working_days(date(2017, 10, 2), date(2017, 10, 15)) == 10  # two full weeks
    assert working_days(date(2017, 10, 7), date(2017, 10, 8)) == 0  # a weekend
    weeks = target_weeks(parse_period("2017-Q4"))  # starts on a Sunday: the first week is the next one
    assert weeks[0] == date(2017, 10, 2) and weeks[-1] == date(2017, 12, 25) and len(weeks) == 13


def test_shortfall_is_carried_forward_and_cleared_by_overdelivery() -> None:
    con = duckdb.connect()
    calls = [date(2017, 10, 2)] * 3 + [date(2017, 10, 9)] * 12 + [date(2017, 10, 16)] * 5
    con.register("act", pa.table({"payee_id": ["ann"] * len(calls), "manager_id": ["mia"] * len(calls),
                                  "kind": ["call"] * len(calls), "day": pa.array(calls, pa.date32())}))
    rows = weekly_targets(con, parse_period("2017-10-02..2017-10-22"), {"ann": 5})
    got = [(r["weekly"], r["carried_in"], r["calls"], r["carry_out"]) for r in rows]
    # owed 2 after week 1; 12 calls clear it (no credit banked); week 3 is exactly on target
    assert got == [(5, 0, 3, 2), (5, 2, 12, 0), (5, 0, 5, 0)]
    assert alerts(rows) == ["mia: 1 of 1 reps are below 70% of their call target in the week of 2017-10-02"]


@pytest.fixture(scope="module")
def store(sample_url: str) -> dict[str, pa.Table]:
    return store_tables(sample_url)


def test_activity_plan_on_the_sample_company(store: dict[str, pa.Table]) -> None:
    plan = activity_plan(store, "2017-Q4", date(2017, 11, 1))
    anna = next(n for n in plan.needs if n.who == "Anna Snelling")
    assert anna.working_days == 43 and anna.calls is not None and anna.calls_per_day is not None
    assert anna.calls_per_day * anna.working_days >= anna.calls
    no_deals = next(n for n in plan.needs if n.who == "Carl Lin")  # one of the 5 agents without deals
    assert no_deals.calls is None
    assert len({row["week"] for row in plan.weeks}) == 13
    for row in plan.weeks:
        assert row["carry_out"] == max(0, row["carried_in"] + row["weekly"] - row["calls"])


def test_what_if_commission_comes_from_the_plan(sample_url: str, store: dict[str, pa.Table]) -> None:
    plans = published_plans(sample_url)
    base, more = (what_if(store, plans, ["Anna Snelling"], "2017-Q4", date(2017, 11, 1), calls_per_day=rate)
                  for rate in (Decimal(1), Decimal(3)))
    assert base[0].commission_actual == more[0].commission_actual > 0
    assert more[0].revenue > base[0].revenue > 0
    assert more[0].commission_added > base[0].commission_added > 0
    # the marginal rates are 3%, 5% and 8%: added commission lies between 3% and 8% of added revenue
    assert Decimal("0.03") * base[0].revenue <= base[0].commission_added <= Decimal("0.08") * base[0].revenue


def test_the_sample_companys_what_if_keeps_its_figures(sample_url: str, store: dict[str, pa.Table]) -> None:
    """MavenTech is all USD: learning within the booking currency (USD) gives the documented figures
    (docs/forecasting.md): Anna at 3 calls a day from 2017-11-01, 129 calls -> 55.03 orders -> 73,681.32."""
    plans = published_plans(sample_url)
    (anna,) = what_if(store, plans, ["Anna Snelling"], "2017-Q4", date(2017, 11, 1), calls_per_day=Decimal(3))
    assert (anna.calls, anna.orders) == (Decimal("129.00"), Decimal("55.03"))
    assert anna.revenue == Decimal("73681.32")
    cent = Decimal("0.01")
    paid = (anna.commission_actual.quantize(cent), anna.commission_expected.quantize(cent))
    assert paid == (Decimal("462.48"), Decimal("4927.79"))
