"""The API names each amount's currency and never adds two currencies into one number.

The two-currency company of tests/services/test_two_currency_pages.py: Uma (U1) is on ``gulf`` (KWD,
3.5% of her dinar bookings) and ``states`` (USD, 2% of her dollar bookings and a 5 USD SPIFF a deal)
in January 2017; Khalid (K1) on ``gulf`` alone. Both report to Mia (M1, on no plan) and have a
January quota, so the dashboards' forecast panels have a row for each.

  D3 (Uma, 2,000.057 KWD)  70.001995 KWD (commission) and 5 USD (SPIFF) -> totals 70.002 KWD, 5.00 USD
  D4 (Uma, 1,000.25 USD)   20.005 + 5 = 25.005 USD                      -> total 25.005, totals 25.00 USD
  D1 (Khalid, 1,000.105 KWD) 35.003675 KWD                              -> total 35.003675, totals 35.004 KWD

D3 has no single ``total``/``commission`` (null, never 75.001995) and answers 200. The expected
commission of January (all bookings are in) is 35.004 KWD for Khalid (35.003675 to the fils); Uma's
is 70.002 KWD and 30.00 USD on two rows (never 100.006995), and the team's 105.006 KWD and 30.00 USD.
Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from attain.api.app import create_app
from attain.services.runs import run_payouts
from attain.settings import Settings
from attain.store.db import transaction
from attain.store.tables import app_user
from tests.api.company import CHEAP_HASHER, PASSWORD
from tests.api.conftest import sign_in
from tests.services.test_two_currency_pages import DINAR_DEALS, FILES, STATES
from tests.support.store_company import load_csv_company

USERS = [("admin", "admin", None), ("uma", "rep", "U1"), ("khalid", "rep", "K1")]
COMPANY = {
    **FILES,
    "payee": FILES["payee"] + "M1,Mia Manager,USD\n",
    "reporting_line": "payee_id,manager_id,valid_from\nK1,M1,2016-01-01\nU1,M1,2016-01-01\n",
    "quota": "assignee_kind,assignee_id,measure,period_start,period_end,amount,currency,version\n"
             "payee,K1,bookings,2017-01-01,2017-01-31,5000.000,KWD,1\n"
             "payee,U1,bookings,2017-01-01,2017-01-31,4000.000,KWD,1\n",
}
JANUARY = {"period": "2017-01", "as_of": "2017-01-31"}


@pytest.fixture
def two_currency_url(migrated_url: str, tmp_path: Path) -> str:
    """The company loaded, both plans published, January calculated and paid; a user per payee."""
    load_csv_company(migrated_url, tmp_path, COMPANY, (("gulf", DINAR_DEALS), ("states", STATES)))
    with transaction(migrated_url, "test") as conn:
        password_hash = CHEAP_HASHER.hash(PASSWORD)
        conn.execute(insert(app_user), [{"username": u, "password_hash": password_hash, "role": r,
                                         "payee_id": p} for u, r, p in USERS])
    assert run_payouts(migrated_url, periods=["2017-01"], actor="fin").issues == []
    return migrated_url


@pytest.fixture
def api(two_currency_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A client signed in as the admin."""
    settings = Settings(home=tmp_path / "home", database_url=two_currency_url, secret_key="test-secret-key")
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield sign_in(client, "admin")


def _get(client: TestClient, path: str) -> dict[str, Any]:
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _totals(items: list[dict[str, Any]]) -> dict[str, str]:
    return {item["currency"]: item["amount"] for item in items}


def test_a_deal_in_two_currencies_has_a_total_per_currency_and_no_single_total(api: TestClient) -> None:
    trace = _get(api, "/api/v1/pay/U1/deals/D3")
    assert _totals(trace["totals"]) == {"KWD": "70.002", "USD": "5.00"}
    assert trace["total"] is None and trace["currency"] is None
    assert {(e["component_id"], e["currency"], Decimal(e["amount"])) for e in trace["earnings"]} == {
        ("commission", "KWD", Decimal("70.001995")), ("deal_spiff", "USD", Decimal(5))}


def test_a_deal_in_one_currency_keeps_its_total_and_names_the_currency(api: TestClient) -> None:
    dollars = _get(api, "/api/v1/pay/U1/deals/D4")
    assert Decimal(dollars["total"]) == Decimal("25.005") and dollars["currency"] == "USD"
    assert dollars["totals"] == [{"currency": "USD", "amount": "25.00"}]  # half-even to the cent
    assert {e["currency"] for e in dollars["earnings"]} == {"USD"}
    dinars = _get(api, "/api/v1/pay/K1/deals/D1")
    assert Decimal(dinars["total"]) == Decimal("35.003675") and dinars["currency"] == "KWD"
    assert dinars["totals"] == [{"currency": "KWD", "amount": "35.004"}]  # to the fils


def test_recent_deals_give_a_commission_per_currency(api: TestClient) -> None:
    body = _get(api, "/api/v1/pay/U1")
    assert body["plan_currencies"] == ["KWD", "USD"] and body["plan_currency"] is None
    deals = {d["transaction_id"]: d for d in body["deals"]}
    assert deals["D3"]["commission"] is None and deals["D3"]["commission_currency"] is None
    assert _totals(deals["D3"]["commissions"]) == {"KWD": "70.002", "USD": "5.00"}
    assert deals["D3"]["currency"] == "KWD" and Decimal(deals["D3"]["deal_amount"]) == Decimal("2000.057")
    assert Decimal(deals["D4"]["commission"]) == Decimal("25.005")
    assert deals["D4"]["commission_currency"] == "USD"
    assert deals["D4"]["commissions"] == [{"currency": "USD", "amount": "25.00"}]
    assert {m["measure_id"]: m["currency"] for m in body["measures"]} == {"bookings": "KWD",
                                                                          "dollar_bookings": "USD"}


def test_a_payee_on_one_plan_currency_gets_it_named(api: TestClient) -> None:
    body = _get(api, "/api/v1/pay/K1")
    assert body["plan_currencies"] == ["KWD"] and body["plan_currency"] == "KWD"
    (deal,) = body["deals"]
    assert Decimal(deal["commission"]) == Decimal("35.003675") and deal["commission_currency"] == "KWD"


def test_a_rep_reads_their_own_two_currency_deal(two_currency_url: str, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", database_url=two_currency_url, secret_key="test-secret-key")
    with TestClient(create_app(settings), follow_redirects=False) as client:
        uma = sign_in(client, "uma")
        assert _totals(_get(uma, "/api/v1/pay/U1/deals/D3")["totals"]) == {"KWD": "70.002", "USD": "5.00"}
        refused = uma.get("/api/v1/pay/K1/deals/D1")
        assert refused.status_code == 404 and refused.json()["code"] == "AUTH007"


def test_the_openapi_schema_publishes_totals_and_optional_single_amounts(api: TestClient) -> None:
    schemas = _get(api, "/api/v1/openapi.json")["components"]["schemas"]
    trace, deal = schemas["DealTrace"], schemas["DealOut"]
    for shape, single in ((trace, "total"), (deal, "commission")):
        assert {"type": "null"} in shape["properties"][single]["anyOf"]
    assert trace["properties"]["totals"]["items"] == {"$ref": "#/components/schemas/CurrencyAmount"}
    assert deal["properties"]["commissions"]["items"] == {"$ref": "#/components/schemas/CurrencyAmount"}
    assert set(schemas["CurrencyAmount"]["properties"]) == {"currency", "amount"}
    assert "currency" in schemas["EarningOut"]["properties"]


def _forecast(body: dict[str, Any], key: str) -> dict[str, Any]:
    panel: dict[str, Any] = next(p for p in body["panels"] if p["key"] == key)
    return panel


def test_expected_commission_per_rep_is_in_each_reps_currency(api: TestClient) -> None:
    body = _get(api, "/api/v1/dashboards/manager?subject=M1&period=2017-01&as_of=2017-01-31")
    panel = _forecast(body, "forecast_by_rep")
    rows = {(r["who"], r["currency"]): r for r in panel["rows"]}
    assert set(rows) == {("K1", "KWD"), ("U1", "KWD"), ("U1", "USD")}  # a row per rep and currency
    assert rows["K1", "KWD"]["commission"] == "35.004" and rows["K1", "KWD"]["quota"] == "5000.000"
    assert rows["K1", "KWD"]["commission_currency"] == "KWD"
    assert rows["U1", "KWD"]["commission"] == "70.002" and rows["U1", "KWD"]["quota"] == "4000.000"
    assert rows["U1", "USD"]["commission"] == "30.00" and rows["U1", "USD"]["quota"] is None
    assert rows["U1", "USD"]["commission_currency"] == "USD"
    assert all(row["commission"] != "100.006995" for row in panel["rows"])  # never KWD + USD
    assert "Uma Usd: figures in KWD and USD, one row per currency (amounts in two currencies are never " \
           "added)." in panel["notes"]
    units = {c["key"]: c["unit"] for c in panel["columns"]}
    assert units["commission"] == units["quota"] == units["won"] == "currency"  # read each row's
    assert units["currency"] == units["commission_currency"] == "text"


def test_a_team_over_plans_in_two_currencies_has_no_commission_sum(api: TestClient) -> None:
    panel = _forecast(_get(api, "/api/v1/dashboards/executive?period=2017-01&as_of=2017-01-31"),
                      "forecast_by_team")
    rows = {r["currency"]: r for r in panel["rows"]}
    assert {r["who"] for r in panel["rows"]} == {"M1"} and set(rows) == {"KWD", "USD"}
    assert (rows["KWD"]["quota"], rows["KWD"]["commission"]) == ("9000.000", "105.006")  # 35.004 + 70.002
    assert (rows["USD"]["quota"], rows["USD"]["commission"]) == (None, "30.00")
    assert "Mia Manager: figures in KWD and USD, one row per currency (amounts in two currencies are " \
           "never added)." in panel["notes"]
    assert {c["key"]: c["unit"] for c in panel["columns"]}["commission"] == "currency"


def test_a_team_in_one_currency_names_it_as_the_unit(api: TestClient) -> None:
    body = _get(api, "/api/v1/dashboards/manager?subject=M1&period=2017-01&as_of=2017-01-31&commission=false")
    panel = _forecast(body, "forecast_by_rep")
    assert {(r["who"], r["currency"]) for r in panel["rows"]} == {("K1", "KWD"), ("U1", "KWD")}
    units = {c["key"]: c["unit"] for c in panel["columns"]}
    assert units["quota"] == units["commission"] == "KWD"  # quotas in dinars, no commission asked
    assert all(r["commission"] is None and r["commission_currency"] is None for r in panel["rows"])


def test_a_rep_on_one_currency_gets_it_named(two_currency_url: str, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", database_url=two_currency_url, secret_key="test-secret-key")
    with TestClient(create_app(settings), follow_redirects=False) as client:
        khalid = sign_in(client, "khalid")
        body = _get(khalid, "/api/v1/dashboards/rep?period=2017-01&as_of=2017-01-31")
    assert body["subject"] == "K1"
    assert all(not p["key"].startswith("forecast_by_") for p in body["panels"])  # the rep board has none
