"""The what-if's deal size is in the payee's plan currency, never a silent USD (SQLite and PostgreSQL).

The what-if company of tests/web/test_whatif_pages.py, with ``web_plan`` version 2 in Kuwaiti dinars
(3 places) from 2024-04-01. Ray is on it alone in 2024-Q2: the form asks for the deal size in KWD, the
expected booking is a KWD booking, so a deal size with fils is kept to the fils. What-if 2 calls a day,
5% per call, deals of 1,000.125 KWD: 6.50 orders → 6,500.8125, half-even to 6,500.812 KWD → 3% is
195.02436 → 195.024 KWD (before, the booking was typed USD and refused: 6,500.812 has fils, CALC001).
Ray's one won order is in USD, so no orders per call or order value in KWD is learned from it (the
baseline expects none and the page says so; tests/web/test_whatif_learned_currency.py learns from dinars).

Rita is also on ``usd_kicker`` (USD) in Q2: her plans disagree, so the page says so and asks for the
currency (a select of KWD and USD only), calculates no commission until one is chosen, and refuses
any other currency (ANA012).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert

from attain.api.app import create_app
from attain.settings import Settings
from attain.store.db import transaction
from attain.store.plans import publish, save_draft
from attain.store.tables import ENTITY_TABLES
from tests.api.conftest import csrf_of, sign_in
from tests.web.paid_company import PLAN
from tests.web.test_whatif_pages import figure, seed_whatif_company

Q2 = {"period": "2024-Q2", "start": "2024-04-01"}
CHANGES = {"calls_per_day": "2", "orders_per_call": "0.05", "deal_size": "1000.125"}
KICKER = """
plan: usd_kicker
version: 1
effective_from: 2024-04-01
currency: USD
pay_period: quarter
credit_rules:
  - id: owner
    kind: owner
components:
  - id: kicker
    kind: rate
    rate: "1%"
"""


@pytest.fixture(scope="module")
def dinar_url(_module_db: str) -> str:
    """Ray and Rita on web_plan v2 (KWD) from 2024-04-01; Rita also on usd_kicker (USD)."""
    seed_whatif_company(_module_db)
    dinars = PLAN.replace("version: 1", "version: 2").replace("2024-01-01", "2024-04-01")
    dinars = dinars.replace("currency: USD", "currency: KWD")
    with transaction(_module_db, actor="test") as conn:
        save_draft(conn, "web_plan", 2, dinars, actor="test", effective_from=dt.date(2024, 4, 1))
        publish(conn, "web_plan", 2, actor="test")
        save_draft(conn, "usd_kicker", 1, KICKER, actor="test", effective_from=dt.date(2024, 4, 1))
        publish(conn, "usd_kicker", 1, actor="test")
        conn.execute(insert(ENTITY_TABLES["plan_assignment"]),
                     [{"payee_id": "RITA", "plan_id": "usd_kicker", "valid_from": dt.date(2024, 4, 1)}])
    return _module_db


@pytest.fixture(scope="module")
def dinar_app(dinar_url: str, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    home = tmp_path_factory.mktemp("home")
    return create_app(Settings(home=home, database_url=dinar_url, secret_key="test-secret-key"))


@pytest.fixture
def as_user(dinar_app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        client = TestClient(dinar_app, follow_redirects=False)
        clients.append(client)
        return sign_in(client, username)

    yield make
    for client in clients:
        client.close()


def test_a_rep_on_a_dinar_plan_enters_the_deal_size_in_dinars(as_user: Callable[[str], TestClient]) -> None:
    """Ray's one won order is 5,000.00 USD: nothing in dinars to learn from, so the baseline expects no
    order and says why (before, his 5,000 dollars were read as 5,000.000 KWD and earned 150.000 KWD)."""
    html = as_user("ray").get("/whatif", params=Q2).text
    assert "Deal size (KWD)" in html and "(USD)" not in html
    assert 'name="currency"' not in html  # one plan currency: nothing to choose
    assert "Revenue and commission in KWD." in html
    assert "Ray Rep has no won order in KWD before 2024-04-01" in html
    assert "won orders left out, never added to them: 1 in USD." in html
    assert 'name="deal_size" inputmode="decimal" value=""' in html  # no blended average to start from
    assert figure(html, "orders-baseline") == "0"
    assert figure(html, "revenue-baseline") == "0.000"
    assert figure(html, "commission_added-baseline") == "0.000"


def test_a_deal_size_with_fils_is_booked_in_dinars(as_user: Callable[[str], TestClient]) -> None:
    ray = as_user("ray")
    answer = ray.post("/whatif", data={**Q2, **CHANGES, "csrf_token": csrf_of(ray)})
    assert answer.status_code == 200, answer.text
    html = answer.text
    assert "Commission not calculated" not in html, html  # a USD booking of 6,500.812 would be CALC001
    assert figure(html, "revenue-whatif") == "6,500.812"
    assert figure(html, "commission_added-whatif") == "195.024"


def test_plans_in_two_currencies_ask_for_the_deal_currency(as_user: Callable[[str], TestClient]) -> None:
    admin = as_user("admin")
    html = admin.get("/whatif", params={"kind": "rep", "subject": "RITA", **Q2}).text
    assert "The plans of Rita Rep in 2024-Q2 pay in KWD and USD: choose the currency" in html
    select = html.split('name="currency"', 1)[1].split("</select>")[0]
    options = re.findall(r'<option value="([^"]*)"', select)
    assert options == ["", "KWD", "USD"]  # only the plans' currencies
    assert "Deal size (currency to choose)" in html and "Commission not calculated: choose" in html
    assert 'data-figure="commission_expected-baseline"' not in html  # no commission until chosen


def test_the_chosen_currency_is_used_and_others_are_refused(as_user: Callable[[str], TestClient]) -> None:
    admin = as_user("admin")
    rita = {"kind": "rep", "subject": "RITA", **Q2}
    chosen = admin.post("/whatif", data={**rita, **CHANGES, "currency": "KWD", "csrf_token": csrf_of(admin)})
    assert chosen.status_code == 200, chosen.text
    html = chosen.text
    assert "Deal size (KWD)" in html and "The deal size is in KWD, as chosen." in html
    assert '<option value="KWD" selected>' in html
    assert figure(html, "revenue-whatif") == "6,500.812"
    assert 'data-figure="commission_expected-whatif"' in html
    refused = admin.get("/whatif", params={**rita, "currency": "EUR"})
    assert refused.status_code == 400 and "ANA012" in refused.text


def test_a_team_with_plans_in_two_currencies_chooses_one(as_user: Callable[[str], TestClient]) -> None:
    html = as_user("mona").get("/whatif", params=Q2).text
    assert "pay in KWD and USD: choose the currency of the deal size" in html


def test_commission_in_another_currency_is_never_added_to_the_deal_currency(
        as_user: Callable[[str], TestClient]) -> None:
    """Rita earns nothing under web_plan (KWD) in Q2 (no quota to attain) and 1% under usd_kicker (USD):
    with KWD chosen her commission is 0.000 KWD and the USD kicker is named, not added (before, the
    65.008 of the kicker read as dinars); with USD chosen it is the kicker's 1% of 6,500.81 = 65.01 USD."""
    admin = as_user("admin")
    rita = {"kind": "rep", "subject": "RITA", **Q2}
    html = admin.post("/whatif", data={**rita, **CHANGES, "currency": "KWD", "csrf_token": csrf_of(admin)}
                      ).text
    assert "Commission in KWD only (the deal currency); the plans also pay in USD, not added to it." in html
    assert figure(html, "commission_added-whatif") == "0.000"
    html = admin.post("/whatif", data={**rita, **CHANGES, "currency": "USD", "csrf_token": csrf_of(admin)}
                      ).text
    assert "Commission in USD only (the deal currency); the plans also pay in KWD, not added to it." in html
    assert figure(html, "commission_added-whatif") == "65.01"
