"""Catalog semantics on a hand-made company small enough to check by hand."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from attain.analytics.catalog import MEASURES, METRICS
from attain.analytics.compute import MetricValue, compute_metrics, parse_period
from attain.analytics.views import connect
from attain.core.errors import AttainError

MONEY = pa.decimal128(18, 2)


def opportunity(rows: list[tuple[str, str, str, str, str | None, str | None, date | None]]) -> pa.Table:
    ids, owners, statuses, stages, amounts, engaged, closed = zip(*rows, strict=True)
    return pa.table({
        "opportunity_id": pa.array(ids), "owner_id": pa.array(owners),
        "product_id": pa.array(["P"] * len(ids)),
        "account_id": pa.array([f"A{i}" for i in range(len(ids))]), "stage": pa.array(stages),
        "status": pa.array(statuses),
        "amount": pa.array([Decimal(a) if a else None for a in amounts], MONEY),
        "created_date": pa.array([None] * len(ids), pa.date32()),
        "engage_date": pa.array([date.fromisoformat(e) if e else None for e in engaged], pa.date32()),
        "close_date": pa.array(list(closed), pa.date32()),
    })


@pytest.fixture
def tiny() -> dict[str, pa.Table]:
    deals = opportunity([
        ("o1", "ann", "won", "Won", "100.10", "2017-01-01", date(2017, 1, 11)),
        ("o2", "ann", "lost", "Lost", "0", "2017-01-01", date(2017, 2, 1)),
        ("o3", "bob", "won", "Won", "300.00", "2017-03-01", date(2017, 4, 10)),
        ("o4", "bob", "open", "Engaging", None, "2017-03-01", None),
    ])
    return {
        "opportunity": deals,
        "activity": pa.table({
            "activity_id": ["a1", "a2"], "payee_id": ["ann", "ann"], "kind": ["call", "call"],
            "occurred_at": pa.array([datetime(2017, 1, 2, 9), datetime(2017, 4, 2, 9)], pa.timestamp("us")),
            "account_id": pa.array([None, None], pa.string()), "opportunity_id": ["o1", "o2"],
        }),
        "quota": pa.table({
            "assignee_kind": ["payee", "payee", "payee"], "assignee_id": ["ann", "bob", "mia"],
            "measure": ["bookings"] * 3,
            "period_start": pa.array([date(2017, 1, 1)] * 3, pa.date32()),
            "period_end": pa.array([date(2017, 3, 31)] * 3, pa.date32()),
            "amount": pa.array([Decimal(200), Decimal(200), Decimal(400)], MONEY), "version": [1, 1, 1],
        }),
        "payee": pa.table({"payee_id": ["ann", "bob", "mia"], "office_id": ["East", "West", "East"]}),
        "reporting_line": pa.table({"payee_id": ["ann", "bob"], "manager_id": ["mia", "mia"],
                                    "valid_from": pa.array([date(2016, 1, 1)] * 2, pa.date32())}),
        "product": pa.table({"product_id": ["P"], "list_price": pa.array([Decimal("55.50")], MONEY)}),
        "account": pa.table({"account_id": ["A0"], "sector": ["retail"]}),
    }


def values(tables: dict[str, pa.Table], by: str | None = None, period: str | None = None,
           names: list[str] | None = None) -> dict[tuple[str, str], MetricValue]:
    rows = compute_metrics(connect(tables), by, period, names)
    return {(r.slice, r.metric): r for r in rows}


def test_hand_computed_company(tiny: dict[str, pa.Table]) -> None:
    got = values(tiny)
    assert got[("all", "revenue")].value == Decimal("400.10")
    assert got[("all", "win_rate")].value == Decimal("0.6666666667")
    assert got[("all", "average_deal_size")].value == Decimal("200.05")
    assert got[("all", "median_deal_size")].value == Decimal("200.05")
    assert got[("all", "open_pipeline")].value == Decimal("55.50")
    assert got[("all", "sales_cycle_days")].value == Decimal(25)  # (10 + 40) / 2
    assert got[("all", "quota")].value == Decimal(400)  # mia is a manager: her quota is not added
    assert got[("all", "sales_growth")].value is None  # no period, no previous period


def test_period_previous_period_and_coverage(tiny: dict[str, pa.Table]) -> None:
    got = values(tiny, by="payee", period="2017-Q2")
    bob = got[("bob", "revenue")]
    assert (bob.value, bob.previous, bob.change) == (Decimal(300), Decimal(0), Decimal(300))
    assert got[("bob", "sales_growth")].value is None  # previous was 0
    q1 = values(tiny, by="payee", period="2017-Q1")
    assert q1[("ann", "pipeline_coverage")].value == 0  # no open deal, 99.90 of quota left
    assert q1[("bob", "pipeline_coverage")].value == Decimal("0.2775")  # 55.50 / 200
    assert q1[("ann", "quota_attainment")].value == Decimal("0.5005")


def test_percentile_respects_direction(tiny: dict[str, pa.Table]) -> None:
    got = values(tiny, by="payee", names=["revenue", "sales_cycle_days"])
    assert got[("bob", "revenue")].percentile == 1
    assert got[("ann", "revenue")].percentile == 0
    assert got[("ann", "sales_cycle_days")].percentile == 1  # shorter is better


def test_manager_and_office_breakdowns(tiny: dict[str, pa.Table]) -> None:
    got = values(tiny, by="office,manager", names=["won_deals", "calls"])
    assert got[("East / mia", "won_deals")].value == 1
    assert got[("West / mia", "won_deals")].value == 1
    assert got[("East / mia", "calls")].value == 2


@pytest.mark.parametrize("text", ["2017-Q5", "17", "2017-13", "2017-03-01..2017-01-01", "soon"])
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(AttainError) as caught:
        parse_period(text)
    assert caught.value.code == "ANA001"


def test_previous_periods() -> None:
    assert parse_period("2017-Q1").previous().label == "2016-Q4"
    assert parse_period("2017-01").previous().label == "2016-12"
    assert parse_period("2017").previous().start == date(2016, 1, 1)
    custom = parse_period("2017-01-11..2017-01-20").previous()
    assert (custom.start, custom.end) == (date(2017, 1, 1), date(2017, 1, 10))


def test_unknown_breakdown_and_metric(tiny: dict[str, pa.Table]) -> None:
    with pytest.raises(AttainError) as caught:
        values(tiny, by="planet")
    assert caught.value.code == "ANA002"
    with pytest.raises(AttainError) as caught:
        values(tiny, names=["happiness"])
    assert caught.value.code == "ANA002"


def test_catalog_formulas_name_known_measures() -> None:
    import re

    known = {m.name for m in MEASURES}
    for entry in METRICS:
        used = re.findall(r"\{(?:prev\.)?(\w+)\}", f"{entry.numerator} {entry.denominator or ''}")
        assert used and set(used) <= known, entry.name
    assert len({m.name for m in METRICS}) == len(METRICS)


def test_analytics_imports_no_web_framework_orm_or_driver() -> None:
    import importlib

    layers = importlib.import_module("tests.test_layers")  # the contract of the pure layers
    assert layers._violations("analytics", layers.FORBIDDEN) == []
