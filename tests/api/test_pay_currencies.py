"""The pay API names each amount's currency and never adds two currencies into one number.

The two-currency company of tests/services/test_two_currency_pages.py: Uma (U1) is on ``gulf`` (KWD,
3.5% of her dinar bookings) and ``states`` (USD, 2% of her dollar bookings and a 5 USD SPIFF a deal)
in January 2017; Khalid (K1) on ``gulf`` alone.

  D3 (Uma, 2,000.057 KWD)  70.001995 KWD (commission) and 5 USD (SPIFF) -> totals 70.002 KWD, 5.00 USD
  D4 (Uma, 1,000.25 USD)   20.005 + 5 = 25.005 USD                      -> total 25.005, totals 25.00 USD
  D1 (Khalid, 1,000.105 KWD) 35.003675 KWD                              -> total 35.003675, totals 35.004 KWD

D3 has no single ``total``/``commission`` (null, never 75.001995) and answers 200. Run on SQLite and
PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from attain.api.app import create_app
from attain.services.imports import import_file
from attain.services.runs import run_payouts
from attain.settings import Settings
from attain.store.db import transaction
from attain.store.plans import publish, save_draft
from attain.store.tables import app_user
from tests.api.company import CHEAP_HASHER, PASSWORD
from tests.api.conftest import sign_in
from tests.services.test_two_currency_pages import DINAR_DEALS, FILES, STATES

USERS = [("admin", "admin", None), ("uma", "rep", "U1"), ("khalid", "rep", "K1")]


@pytest.fixture
def two_currency_url(migrated_url: str, tmp_path: Path) -> str:
    """The company loaded, both plans published, January calculated and paid; a user per payee."""
    for entity, text in FILES.items():
        path = tmp_path / f"{entity}.csv"
        path.write_text(text, encoding="utf-8")
        report = import_file(migrated_url, entity, path, actor="analyst")
        assert report.imported, report.issues
    with transaction(migrated_url, "test") as conn:
        for plan_id, text in (("gulf", DINAR_DEALS), ("states", STATES)):
            save_draft(conn, plan_id, 1, text, actor="test", effective_from=date(2017, 1, 1))
            publish(conn, plan_id, 1, actor="test")
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
