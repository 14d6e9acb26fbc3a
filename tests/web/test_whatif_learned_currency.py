"""The what-if learns orders per call and the average order value within the deal currency
(SQLite and PostgreSQL).

The what-if company of tests/web/test_whatif_pages.py, with ``web_plan`` version 2 in Kuwaiti dinars
from 2024-04-01 (every rep on it: the deal currency is KWD), and Ray's history before 2024-Q2: 65
calls, his 5,000.00 USD order and two dinar orders of 1,000.125 and 2,000.250 KWD. Learned in KWD:

  orders per call 2 / 65 = 0.030769, average order value 3,000.375 / 2 = 1,500.1875 -> 1,500.188 KWD
  baseline: 65.00 calls x 0.030769 = 1.999985 -> 2.00 orders -> 3,000.376 KWD -> 3% = 90.011 KWD

Before, the three orders were added across currencies: 3 / 65 orders per call and an average of
(5,000.00 + 3,000.375) / 3 = 2,666.792 "KWD", a blend of dollars and dinars.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert

from attain.api.app import create_app
from attain.settings import Settings
from attain.store.db import transaction
from attain.store.plans import publish, save_draft
from attain.store.tables import ENTITY_TABLES
from tests.api.conftest import sign_in
from tests.web.paid_company import PLAN
from tests.web.test_whatif_pages import figure, seed_whatif_company

Q2 = {"period": "2024-Q2", "start": "2024-04-01"}
LEFT_OUT = ("Orders per call and the average order value are learned from the won orders in KWD only "
            "(the deal currency): won orders left out, never added to them: ")


@pytest.fixture(scope="module")
def learned_url(_module_db: str) -> str:
    """Every rep on web_plan v2 (KWD) from 2024-04-01; Ray won two dinar orders in 2024-Q1."""
    seed_whatif_company(_module_db)
    dinars = PLAN.replace("version: 1", "version: 2").replace("2024-01-01", "2024-04-01")
    dinars = dinars.replace("currency: USD", "currency: KWD")
    orders = [
        {"opportunity_id": f"O-RAY-KWD-{n}", "name": f"Dinar order {n}", "account_id": "ACME",
         "owner_id": "RAY", "status": "won", "stage": "Won", "amount": Decimal(amount), "currency": "KWD",
         "close_date": dt.date(2024, 2, 10 + n)}
        for n, amount in enumerate(("1000.125", "2000.250"))
    ]
    with transaction(_module_db, actor="test") as conn:
        save_draft(conn, "web_plan", 2, dinars, actor="test", effective_from=dt.date(2024, 4, 1))
        publish(conn, "web_plan", 2, actor="test")
        conn.execute(insert(ENTITY_TABLES["opportunity"]), orders)
    return _module_db


@pytest.fixture(scope="module")
def learned_app(learned_url: str, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    home = tmp_path_factory.mktemp("home")
    return create_app(Settings(home=home, database_url=learned_url, secret_key="test-secret-key"))


@pytest.fixture
def as_user(learned_app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        client = TestClient(learned_app, follow_redirects=False)
        clients.append(client)
        return sign_in(client, username)

    yield make
    for client in clients:
        client.close()


def _note(html: str) -> str:
    match = re.search(r'<p class="muted" id="learned-note">([^<]*)</p>', html)
    assert match, "no learned note"
    return match[1]


def test_a_rep_learns_from_their_orders_in_the_deal_currency_only(
        as_user: Callable[[str], TestClient]) -> None:
    html = as_user("ray").get("/whatif", params=Q2).text
    assert "Deal size (KWD)" in html
    assert 'name="orders_per_call" inputmode="decimal" value="0.030769"' in html  # 2 / 65, not 3 / 65
    assert 'name="deal_size" inputmode="decimal" value="1500.188"' in html  # not 2,666.792 of a blend
    assert _note(html) == f"{LEFT_OUT}1 in USD."
    assert figure(html, "orders-baseline") == "2.00"
    assert figure(html, "revenue-baseline") == "3,000.376"
    assert figure(html, "commission_added-baseline") == "90.011"  # 3% of 3,000.376, to the fils


def test_a_team_learns_its_average_deal_in_the_deal_currency(as_user: Callable[[str], TestClient]) -> None:
    """Mona's team: only Ray has a funnel (calls) and dinar orders; the team's USD orders are left out and
    the reps with no dinar order are named, never given a blended figure."""
    html = as_user("mona").get("/whatif", params={"kind": "team", **Q2}).text
    current = html.split('<label for="deal_size">', 1)[1].split("</td>", 1)[0]
    assert "1,500.188" in current
    note = _note(html)
    assert note.startswith("No won order in KWD before 2024-04-01 for ") and "Rita Rep" in note
    assert "Ray Rep" not in note.split(":", 1)[0]
    assert re.search(r"won orders left out, never added to them: \d+ in USD\.$", note)
