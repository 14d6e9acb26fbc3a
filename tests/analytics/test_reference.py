"""The metric catalog on the sample company reproduces the dataset README's reference aggregates exactly."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from attain.analytics.compute import MetricValue
from attain.services.metrics import metrics_report

REFERENCE_BY_MANAGER = {  # office, won, won value, engaging, lost, prospecting, win %
    "Melvin Marxen": ("Central", 882, Decimal(2_251_930), 215, 536, 296, Decimal("62.20")),
    "Summer Sewald": ("West", 828, Decimal(1_964_750), 414, 459, 0, Decimal("64.34")),
    "Dustin Brinkmann": ("Central", 747, Decimal(1_094_363), 193, 439, 204, Decimal("62.98")),
    "Rocco Neubert": ("East", 691, Decimal(1_960_545), 214, 422, 0, Decimal("62.08")),
    "Celia Rouche": ("West", 610, Decimal(1_603_897), 334, 352, 0, Decimal("63.41")),
    "Cara Losch": ("East", 480, Decimal(1_130_049), 219, 265, 0, Decimal("64.43")),
}


def by_metric(rows: list[MetricValue]) -> dict[tuple[str, str], MetricValue]:
    return {(row.slice, row.metric): row for row in rows}


@pytest.fixture(scope="module")
def company(sample_tables: dict[str, pa.Table]) -> dict[tuple[str, str], MetricValue]:
    return by_metric(metrics_report(sample_tables))


def value_of(row: MetricValue) -> Decimal:
    assert row.value is not None, row
    return row.value


def value(company: dict[tuple[str, str], MetricValue], name: str) -> Decimal:
    found = company[("all", name)].value
    assert found is not None, name
    return found


def test_won_lost_and_revenue(company: dict[tuple[str, str], MetricValue]) -> None:
    assert value(company, "won_deals") == 4238
    assert value(company, "lost_deals") == 2473
    assert value(company, "revenue") == Decimal("10005534")


def test_win_rate_is_won_over_closed(company: dict[tuple[str, str], MetricValue]) -> None:
    win_rate = company[("all", "win_rate")]
    assert (win_rate.numerator, win_rate.denominator) == (Decimal(4238), Decimal(6711))
    assert win_rate.value == (Decimal(4238) / Decimal(6711)).quantize(Decimal("1e-10"))
    assert win_rate.value.quantize(Decimal("1e-7")) == Decimal("0.6315005")
    assert value(company, "conversion_rate").quantize(Decimal("0.0001")) == Decimal("0.4816")


def test_deal_size(company: dict[tuple[str, str], MetricValue]) -> None:
    assert value(company, "average_deal_size").quantize(Decimal("0.0001")) == Decimal("2360.9094")
    assert value(company, "median_deal_size") == Decimal(1117)


def test_open_pipeline_priced_at_list_price(sample_tables: dict[str, pa.Table],
                                            company: dict[tuple[str, str], MetricValue]) -> None:
    assert value(company, "open_pipeline") == Decimal(4_966_215)
    stages = by_metric(metrics_report(sample_tables, by="stage", names=["open_pipeline"]))
    assert stages[("Engaging", "open_pipeline")].value == Decimal(3_892_229)
    assert stages[("Prospecting", "open_pipeline")].value == Decimal(1_073_986)


def test_sales_cycle(company: dict[tuple[str, str], MetricValue]) -> None:
    assert value(company, "sales_cycle_days").quantize(Decimal("0.001")) == Decimal("51.782")
    assert value(company, "median_sales_cycle_days") == 57


def test_every_manager_row(sample_tables: dict[str, pa.Table]) -> None:
    names = ["won_deals", "revenue", "lost_deals", "win_rate"]
    managers = by_metric(metrics_report(sample_tables, by="office,manager", names=names))
    stages = by_metric(metrics_report(sample_tables, by="manager,stage", names=["open_deals"]))
    for manager, (office, won, won_value, engaging, lost, prospecting, win) in REFERENCE_BY_MANAGER.items():
        key = f"{office} / {manager}"
        assert managers[(key, "won_deals")].value == won
        assert managers[(key, "revenue")].value == won_value
        assert managers[(key, "lost_deals")].value == lost
        assert (value_of(managers[(key, "win_rate")]) * 100).quantize(Decimal("0.01")) == win
        assert stages[(f"{manager} / Engaging", "open_deals")].value == engaging
        prospects = stages.get((f"{manager} / Prospecting", "open_deals"))
        assert (prospects.value if prospects else 0) == prospecting  # no row: the team has none
    assert len([k for k in managers if k[1] == "won_deals"]) == 6


def test_quota_attainment_uses_seller_quotas_only(company: dict[tuple[str, str], MetricValue]) -> None:
    attainment = company[("all", "quota_attainment")]
    assert attainment.numerator == Decimal(10_005_534)
    # 35 agents' quarterly quotas (team won value ÷ agents ÷ 4, rounded to 1,000), managers excluded
    assert attainment.denominator == Decimal(10_028_000)


def test_activity_counts_follow_the_synthetic_activities(company: dict[tuple[str, str], MetricValue]) -> None:
    assert value(company, "calls") == 8800  # one first call per deal
    assert value(company, "appointments_scheduled") == 8300  # every engaged deal
    assert value(company, "appointments_held") + value(company, "appointments_cancelled") == 8300
    assert value(company, "quotes_sent") == 6711  # every closed deal


def test_quarter_against_previous_quarter(sample_tables: dict[str, pa.Table]) -> None:
    rows = by_metric(metrics_report(sample_tables, by="manager", period="2017-Q3",
                                    names=["revenue", "sales_growth", "quota_attainment"]))
    melvin = rows[("Melvin Marxen", "revenue")]
    assert melvin.previous is not None and melvin.value is not None
    assert melvin.change == melvin.value - melvin.previous
    growth = rows[("Melvin Marxen", "sales_growth")]
    assert growth.value == ((melvin.value - melvin.previous) / melvin.previous).quantize(Decimal("1e-10"))
    assert rows[("Melvin Marxen", "revenue")].percentile == 1  # best Q3 of the six managers
    quarters = [by_metric(metrics_report(sample_tables, period=f"2017-Q{q}", names=["revenue"]))
                for q in (1, 2, 3, 4)]
    assert sum(value_of(q[("all", "revenue")]) for q in quarters) == Decimal(10_005_534)
