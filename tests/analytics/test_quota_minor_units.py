"""A period's quota is prorated at its own currency's minor unit: fils for KWD, whole yen for JPY.

  Ann: 365.005 KWD for 2017      -> 2017-Q1 (90 of 365 days)  = 90.00123...  -> 90.001 KWD (was 90.00)
  Bob: 171 JPY, 2017-01-01..07-19 (200 days) -> January (31)  = 26.505 exactly -> 27 JPY half-even
       (was 26.50 at the cent, shown as 26 yen: rounded twice)
  Cy:  300.00 USD for 2017       -> 2017-Q1                   = 73.9726...    -> 73.97 USD (as before)
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest

from attain.analytics import dashboards
from attain.analytics.compute import compute_metrics, parse_period
from attain.analytics.forecast import forecast_by_currency
from attain.analytics.views import NEEDED, conform, connect, quota_in

D = date.fromisoformat


def _company(quotas: list[tuple[str, str, str, str, str]], scale: int = 3) -> dict[str, pa.Table]:
    """Empty entities but ``quotas`` (payee, amount, currency, start, end) and their payees."""
    tables = {name: conform(name, None) for name in NEEDED}
    who, amounts, currencies, starts, ends = zip(*quotas, strict=True)
    tables["quota"] = pa.table({
        "assignee_kind": ["payee"] * len(quotas), "assignee_id": list(who),
        "measure": ["bookings"] * len(quotas),
        "period_start": pa.array([D(s) for s in starts], pa.date32()),
        "period_end": pa.array([D(e) for e in ends], pa.date32()),
        "amount": pa.array([Decimal(a) for a in amounts], pa.decimal128(18, scale)),
        "currency": list(currencies), "version": [1] * len(quotas)})
    tables["payee"] = pa.table({"payee_id": list(who), "name": [w.title() for w in who]})
    return tables


MIXED = [("ann", "365.005", "KWD", "2017-01-01", "2017-12-31"),
         ("bob", "171", "JPY", "2017-01-01", "2017-07-19"),
         ("cy", "300.00", "USD", "2017-01-01", "2017-12-31")]


def _quotas(con: duckdb.DuckDBPyConnection, period: str) -> dict[str, Decimal]:
    window = parse_period(period)
    quota, overlaps = quota_in(f"DATE '{window.start}'", f"DATE '{window.end}'")
    rows = con.execute(f"SELECT payee_id, {quota} FROM target WHERE {overlaps} GROUP BY 1").fetchall()
    return {who: Decimal(amount) for who, amount in rows}


def test_each_quota_is_prorated_at_its_currencys_minor_unit() -> None:
    con = connect(_company(MIXED))
    q1 = _quotas(con, "2017-Q1")
    assert q1["ann"] == Decimal("90.001") and q1["cy"] == Decimal("73.97")
    assert _quotas(con, "2017-01")["bob"] == Decimal(27)  # 26.505 half-even to the yen, not 26.50
    assert _quotas(con, "2017")["ann"] == Decimal("365.005")  # a quota inside the period counts whole


def test_the_forecast_panel_shows_the_prorated_quota_at_its_places() -> None:
    con = connect(_company(MIXED))
    rows = {r["who"]: r for r in dashboards.manager(con, parse_period("2017-01"), D("2017-01-15"))
            .panel("forecast_by_rep").rows}
    assert str(rows["bob"]["quota"]) == "27"  # never 26 (26.50 rounded again) nor 26.50
    assert str(rows["ann"]["quota"]) == "31.000"  # 365.005 x 31 / 365 = 31.000425, to the fils
    by_currency = {r["payee_id"]: r["quota"] for r in forecast_by_currency(
        con, D("2017-01-01"), D("2017-03-31"), D("2017-01-15"))}
    assert by_currency["ann"] == Decimal("90.001")


@pytest.mark.parametrize("currency", ["USD", "EUR"])
def test_a_company_of_cents_keeps_its_quotas_at_two_places(currency: str) -> None:
    con = connect(_company([("cy", "300.00", currency, "2017-01-01", "2017-12-31")], scale=2))
    assert str(_quotas(con, "2017-Q1")["cy"]) == "73.97"
    (quota,) = [v.value for v in compute_metrics(con, None, "2017-Q1", ["quota"])]
    assert str(quota) == "73.97"


def test_the_catalog_quota_metric_prorates_at_the_minor_unit() -> None:
    con = connect(_company([("ann", "365.005", "KWD", "2017-01-01", "2017-12-31")]))
    (quota,) = [v.value for v in compute_metrics(con, None, "2017-Q1", ["quota"])]
    assert quota == Decimal("90.001")
