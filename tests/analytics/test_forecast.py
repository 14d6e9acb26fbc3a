"""Forecasts: the error measures by hand, the baselines against the catalog, every method at a cut-off."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest

from attain.analytics import forecast as fc
from attain.analytics.views import connect
from attain.services.forecast import forecast_report
from attain.services.metrics import metrics_report


def test_wape_mape_and_bias_by_hand() -> None:
    points = [fc.BacktestPoint("m", date(2017, 1, 31), "2017-02", Decimal(110), Decimal(100)),
              fc.BacktestPoint("m", date(2017, 2, 28), "2017-03", Decimal(150), Decimal(300))]
    (score,) = fc.accuracy(points)
    assert score.wape == Decimal("0.4000")  # (10 + 150) / 400
    assert score.mape == Decimal("0.3000")  # (0.1 + 0.5) / 2
    assert score.bias == Decimal("-0.3500")  # (10 - 150) / 400
    assert not score.baseline


def test_calendar_helpers() -> None:
    assert fc.month_after(date(2017, 12, 31)) == (date(2018, 1, 1), date(2018, 1, 31))
    assert fc.month_after(date(2017, 1, 15)) == (date(2017, 2, 1), date(2017, 2, 28))
    assert fc.month_ends(date(2017, 5, 1), date(2017, 7, 3)) == [date(2017, 5, 31), date(2017, 6, 30),
                                                               date(2017, 7, 31)]


@pytest.fixture(scope="module")
def con(sample_tables: dict[str, pa.Table]) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect(sample_tables)
    yield connection
    connection.close()


def test_naive_baselines_are_catalog_revenue(con: duckdb.DuckDBPyConnection,
                                             sample_tables: dict[str, pa.Table]) -> None:
    horizon = fc.month_after(date(2017, 8, 31))
    august = metrics_report(sample_tables, period="2017-08", names=["revenue"])[0].value
    june = metrics_report(sample_tables, period="2017-06", names=["revenue"])[0].value
    assert fc.last_month(con, date(2017, 8, 31), horizon) == august
    assert fc.seasonal_naive(con, date(2017, 8, 31), horizon) == june  # three months before September


def test_every_method_forecasts_from_what_was_known(con: duckdb.DuckDBPyConnection) -> None:
    cutoff = date(2017, 8, 31)
    horizon = fc.month_after(cutoff)
    open_deals = fc.open_at_sql(f"DATE '{cutoff}'")
    row = con.execute(f"SELECT sum(value) FROM ({open_deals})").fetchone()
    assert row is not None
    open_value = Decimal(row[0])
    for method in fc.METHODS:
        value = fc.METHOD_FUNCTIONS[method](con, cutoff, horizon)
        assert value > 0, method
        if method in ("pipeline_x_win_rate", "stage_weighted", "ml_win_probability"):
            assert value < open_value, method  # a probability-weighted share of the open pipeline


def test_forecast_against_quota_adds_up(sample_tables: dict[str, pa.Table]) -> None:
    reps = forecast_report(sample_tables, "2017-Q4", date(2017, 11, 15), by="payee")
    teams = forecast_report(sample_tables, "2017-Q4", date(2017, 11, 15), by="manager")
    (company,) = forecast_report(sample_tables, "2017-Q4", date(2017, 11, 15), by="company")
    assert len(teams) == 6 and len(reps) == 35
    assert company.quota == sum(t.quota for t in teams) == Decimal(2_507_000)
    assert company.forecast == sum(r.forecast for r in reps) == company.won + company.pipeline
    won_to_date = metrics_report(sample_tables, period="2017-10-01..2017-11-15", names=["revenue"])[0].value
    assert company.won == won_to_date
    assert company.attainment == (company.forecast / company.quota).quantize(Decimal("0.0001"))


def test_forecast_commission_is_the_plans_on_expected_bookings(sample_url: str,
                                                               sample_tables: dict[str, pa.Table]) -> None:
    from attain.services.calc import published_plans
    from attain.services.forecast import store_tables

    plans = published_plans(sample_url)
    tables = store_tables(sample_url)
    teams = forecast_report(tables, "2017-Q4", date(2017, 11, 15), plans, by="manager")
    (company,) = forecast_report(tables, "2017-Q4", date(2017, 11, 15), plans, by="company")
    assert company.commission is not None and company.commission > 0
    assert company.commission == sum(t.commission or 0 for t in teams)
    # at least the 3% first-tier rate on the forecast revenue, at most the 8% accelerator rate
    assert Decimal("0.03") * company.forecast <= company.commission <= Decimal("0.08") * company.forecast
