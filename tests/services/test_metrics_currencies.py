"""The dashboards' expected commission prices each currency's pipeline through the plans in it
(SQLite and PostgreSQL).

The two-currency company of tests/api/test_currencies_api.py (Mia M1 manages Khalid K1, on ``gulf``:
3.5% of his dinar bookings, and Uma U1, on ``gulf`` and ``states``: 2% of her dollar bookings and a
5 USD SPIFF a deal; January quotas in KWD), with opportunities. At the cut-off 2017-01-15 two deals
have closed (O1 won after 40 days, O2 lost after 20): the win rate is 1/2, and a deal open for 30 days
closes within the 16 days left in January for sure (of the closed deals older than 30 days, all
closed by 46), so each open deal weighs half its list price:

  O3 Uma, open, a 2,000.000 KWD product   -> 1,000.000 KWD through gulf  -> 35.000 KWD
  O4 Uma, open, a 1,000.00 USD product    ->   500.00 USD through states -> 10.00 + 5.00 SPIFF = 15.00 USD
  O5 Khalid, open, a 100.00 EUR product   ->    50.00 EUR: no plan of Khalid's pays in EUR, left out
  Khalid's booking D1 (2017-01-10, 1,000.105 KWD) -> 35.003675 -> 35.004 KWD

Before, Uma's plans in two currencies made the whole panel's expected commission ANA012.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from attain.analytics.panels import Panel
from attain.services import metrics
from tests.api.test_currencies_api import COMPANY
from tests.payouts.test_fils_end_to_end import ADA
from tests.services.test_two_currency_pages import DINAR_DEALS, STATES
from tests.support.store_company import load_csv_company

CUTOFF = date(2017, 1, 15)
DEALS = {
    **COMPANY,
    "product": "product_id,name,list_price,currency\nPK,Dinar kit,2000.000,KWD\nPU,Dollar kit,1000.00,USD\n"
               "PE,Euro kit,100.00,EUR\n",
    "opportunity": "opportunity_id,owner_id,product_id,status,amount,currency,engage_date,close_date\n"
                   "O1,K1,PK,won,1000.105,KWD,2016-12-01,2017-01-10\n"
                   "O2,U1,PU,lost,,USD,2016-12-01,2016-12-21\n"
                   "O3,U1,PK,open,,KWD,2016-12-16,\n"
                   "O4,U1,PU,open,,USD,2016-12-16,\n"
                   "O5,K1,PE,open,,EUR,2016-12-16,\n",
}


@pytest.fixture
def deals_url(migrated_url: str, tmp_path: Path) -> str:
    load_csv_company(migrated_url, tmp_path, DEALS, (("gulf", DINAR_DEALS), ("states", STATES)))
    return migrated_url


def _forecast(url: str, kind: str, subject: str | None = None) -> Panel:
    _, board = metrics.dashboard(url, ADA, kind, subject, period="2017-01", as_of=CUTOFF)
    assert board is not None
    return board.panel("forecast_by_rep" if kind == "manager" else "forecast_by_team")


def test_each_currencys_pipeline_is_priced_through_the_plans_in_it(deals_url: str) -> None:
    panel = _forecast(deals_url, "manager", "M1")
    rows = {(r["who"], r["currency"]): r for r in panel.rows}
    assert set(rows) == {("K1", "KWD"), ("K1", "EUR"), ("U1", "KWD"), ("U1", "USD")}
    assert rows["U1", "KWD"]["pipeline"] == Decimal("1000.000")
    assert rows["U1", "USD"]["pipeline"] == Decimal("500.00")
    assert str(rows["U1", "KWD"]["commission"]) == "35.000"  # 1,000.000 x 3.5%, to the fils
    assert rows["U1", "USD"]["commission"] == Decimal("15.00")  # the KWD deal earns no dollar SPIFF
    assert rows["K1", "KWD"]["commission"] == Decimal("35.004")
    assert rows["K1", "EUR"]["pipeline"] == Decimal("50.00") and rows["K1", "EUR"]["commission"] == 0
    assert not any("ANA012" in note for note in panel.notes)
    assert ("Expected commission leaves out Khalid Kuwait's open opportunities in EUR (O5): no plan of "
            "theirs pays in EUR.") in panel.notes


def test_the_team_gets_its_reps_commission_per_currency(deals_url: str) -> None:
    panel = _forecast(deals_url, "executive")
    rows = {r["currency"]: r for r in panel.rows}
    assert set(rows) == {"EUR", "KWD", "USD"}
    assert rows["KWD"]["commission"] == Decimal("70.004")  # 35.004 + 35.000, never with the dollars
    assert rows["USD"]["commission"] == Decimal("15.00") and rows["EUR"]["commission"] == 0
    assert any(note.startswith("Expected commission leaves out Khalid Kuwait's") for note in panel.notes)
