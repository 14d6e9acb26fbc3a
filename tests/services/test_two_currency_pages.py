"""A payee on a KWD plan and a USD plan in one month sees each figure in its own plan's currency.

Uma (U1, paid in USD) is on ``gulf`` (KWD: 3.5% of her dinar bookings) and on ``states`` (USD: 2% of
her dollar bookings and a 5 USD SPIFF on every deal) in January 2017; Khalid (K1) is on ``gulf`` alone.
Her deals: D3 2,000.057 KWD and D4 1,000.25 USD.

  gulf commission   2,000.057 x 3.5% = 70.001995 KWD  -> 70.002 KWD
  states kicker     1,000.25  x 2%   = 20.005 USD     -> 20.00 USD (half-even: 0 is even)
  states SPIFF      5 USD on D3 and on D4

So D3 paid 70.002 KWD and 5.00 USD (two totals, never one number) and D4 25.00 USD (20.005 + 5; in
dinars it would read 25.005). Her dollar bookings are 1,000.25, where the first currency by code
(KWD) printed 1,000.250. Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from attain.services import access, home
from attain.services.runs import run_payouts
from attain.store.db import reading
from tests.payouts.test_fils_end_to_end import ADA
from tests.payouts.test_fils_end_to_end import PLAN as GULF
from tests.support.store_company import load_csv_company
from tests.web.test_money_places_templates import _render

DAY = date(2017, 1, 15)
DINAR_DEALS = GULF.replace("    kind: owner\n", "    kind: owner\n    transactions: \"currency = 'KWD'\"\n")
STATES = """
plan: states
version: 1
effective_from: 2017-01-01
currency: USD
pay_period: month
credit_rules:
  - id: owner
    kind: owner
measures:
  - id: dollar_bookings
    filter: "currency = 'USD'"
components:
  - id: kicker
    kind: rate
    measure: dollar_bookings
    rate: "2%"
  - id: deal_spiff
    kind: spiff
    amount: 5
    frequency: every_time
"""
FILES = {
    "payee": "payee_id,name,currency\nK1,Khalid Kuwait,KWD\nU1,Uma Usd,USD\n",
    "plan_assignment": "payee_id,plan_id,valid_from\nK1,gulf,2017-01-01\nU1,gulf,2017-01-01\n"
                       "U1,states,2017-01-01\n",
    "fx_rate": "from_currency,to_currency,date,rate\nKWD,USD,2016-12-31,3.2554\n",
    "transaction": "transaction_id,date,amount,currency,owner_id\nD1,2017-01-10,1000.105,KWD,K1\n"
                   "D3,2017-01-20,2000.057,KWD,U1\nD4,2017-01-25,1000.25,USD,U1\n",
}


@pytest.fixture
def two_plans_url(migrated_url: str, tmp_path: Path) -> str:
    """The company loaded, both plans published and January calculated and paid (one run)."""
    load_csv_company(migrated_url, tmp_path, FILES, (("gulf", DINAR_DEALS), ("states", STATES)))
    assert run_payouts(migrated_url, periods=["2017-01"], actor="fin").issues == []
    return migrated_url


def test_results_show_each_measure_in_its_plans_currency(two_plans_url: str) -> None:
    with reading(two_plans_url) as conn:
        results = access.latest_results(conn, ADA, "U1", DAY)
    assert [(m["measure_id"], m["currency"], m["value"]) for m in results["measures"]] == [
        ("bookings", "KWD", Decimal("2000.057")), ("dollar_bookings", "USD", Decimal("1000.25"))]
    page = _render("_results.html", results=results, payee={"currency": "USD"})
    assert ">2,000.057<" in page and ">1,000.25<" in page and "1,000.250" not in page


def test_the_rep_home_names_each_figures_currency(two_plans_url: str) -> None:
    with reading(two_plans_url) as conn:
        data = home.rep_home(conn, ADA, "U1", DAY)
    assert data["plan_currencies"] == ("KWD", "USD") and data["plan_currency"] is None
    assert {m["measure_id"]: m["currency"] for m in data["measures"]} == {"bookings": "KWD",
                                                                            "dollar_bookings": "USD"}
    deals = {d["transaction_id"]: d["commissions"] for d in data["deals"]}
    assert deals == {"D3": {"KWD": Decimal("70.001995"), "USD": Decimal(5)},
                     "D4": {"USD": Decimal("25.005")}}
    page = _render("rep_home.html", home=data, own=False)
    assert ">2,000.057<" in page and ">1,000.25<" in page and "1,000.250" not in page
    assert 'bookings <span class="muted">(KWD)</span>' in page
    assert '<td class="num">70.002 KWD<br>5.00 USD</td>' in page  # D3: one amount per currency
    assert '<td class="num">25.00 USD</td>' in page  # D4, to the cent (in dinars: 25.005)


def test_the_team_page_shows_each_measure_at_its_plans_places(two_plans_url: str) -> None:
    with reading(two_plans_url) as conn:
        team = home.team_overview(conn, ADA, DAY)
    assert {(r["payee_id"], r["measure_id"], r["currency"]) for r in team["rows"]} == {
        ("K1", "bookings", "KWD"), ("U1", "bookings", "KWD"), ("U1", "dollar_bookings", "USD")}
    page = _render("team.html", team=team, disputes=[], waiting=[],
                   principal=SimpleNamespace(role="admin", username="ada"))
    assert ">2,000.057<" in page and ">1,000.25<" in page and ">1,000.105<" in page
    assert "1,000.250" not in page


def test_a_deal_paid_in_two_currencies_has_a_total_per_currency(two_plans_url: str) -> None:
    with reading(two_plans_url) as conn:
        payee = access.payee_profile(conn, ADA, "U1", DAY)
        trace = home.explain_deal(conn, ADA, "U1", "D3", DAY)
        dollars = home.explain_deal(conn, ADA, "U1", "D4", DAY)
    assert trace["totals"] == {"KWD": Decimal("70.001995"), "USD": Decimal(5)}
    assert trace["plan_currency"] is None and dollars["plan_currency"] == "USD"
    assert {(e["component_id"], e["currency"]) for e in trace["earnings"]} == {("commission", "KWD"),
                                                                               ("deal_spiff", "USD")}
    page = _render("deal.html", payee=payee, trace=trace)
    assert "Why D3 paid 70.002 KWD and 5.00 USD" in page
    assert "Total in KWD" in page and "Total in USD" in page
    assert "Why D4 paid 25.00 USD" in _render("deal.html", payee=payee, trace=dollars)
