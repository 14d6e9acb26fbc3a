"""The what-if page on the paid tiny company (SQLite and PostgreSQL): figures, scope, CSRF, bad input.

Ray made one call every working day of 2024-Q1 (65) and won one 5,000.00 deal (2024-03-01), so for
2024-Q2 his funnel is 1 order in 65 calls (0.015385 orders per call), deals of 5,000.00 and 1.00 call
a day; Q2 has 65 working days. His 2024 quota of 120,000.00 gives Q2 (91 of 366 days) 29,836.07, so
anything below half of it pays 3% (plan ``web_plan``, tests/web/paid_company.py).

Baseline: 65.00 calls → 1.00 order (65 × 0.015385 = 1.000025, to the cent) → 5,000.00 → 150.00.
What-if 2 calls a day, 5% per call, deals of 1,000: 130.00 calls → 6.50 orders → 6,500.00 → 195.00.
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
from attain.store.tables import ENTITY_TABLES
from tests.api.conftest import csrf_of, sign_in
from tests.web.paid_company import seed_paid_company

Q2 = {"period": "2024-Q2", "start": "2024-04-01"}
CHANGES = {"calls_per_day": "2", "orders_per_call": "0.05", "deal_size": "1000"}


def _working_days_of_q1() -> list[dt.date]:
    first = dt.date(2024, 1, 1)
    days = (first + dt.timedelta(days=n) for n in range(91))
    return [d for d in days if d.weekday() < 5]


def seed_whatif_company(url: str) -> None:
    """The paid tiny company plus Ray's call every working day of 2024-Q1."""
    seed_paid_company(url)
    calls = [
        {"activity_id": f"CALL-RAY-{n}", "payee_id": "RAY", "kind": "call",
         "occurred_at": dt.datetime.combine(day, dt.time(10))}
        for n, day in enumerate(_working_days_of_q1())
    ]
    with transaction(url, actor="test") as conn:
        conn.execute(insert(ENTITY_TABLES["activity"]), calls)


@pytest.fixture(scope="module")
def whatif_url(_module_db: str) -> str:
    seed_whatif_company(_module_db)
    return _module_db


@pytest.fixture(scope="module")
def whatif_app(whatif_url: str, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    home = tmp_path_factory.mktemp("home")
    return create_app(Settings(home=home, database_url=whatif_url, secret_key="test-secret-key"))


@pytest.fixture
def as_user(whatif_app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        client = TestClient(whatif_app, follow_redirects=False)
        clients.append(client)
        return sign_in(client, username)

    yield make
    for client in clients:
        client.close()


def figure(html: str, key: str) -> str:
    match = re.search(rf'data-figure="{key}">([^<]*)<', html)
    assert match, key
    return match[1]


def test_the_form_starts_from_the_reps_current_figures(as_user: Callable[[str], TestClient]) -> None:
    page = as_user("ray").get("/whatif", params=Q2)
    assert page.status_code == 200, page.text
    html = page.text
    assert 'name="csrf_token"' in html and 'type="application/json"' in html  # CSRF field, chart as data
    assert 'name="calls_per_day" inputmode="decimal" value="1.00"' in html
    assert 'name="orders_per_call" inputmode="decimal" value="0.015385"' in html
    assert 'name="deal_size" inputmode="decimal" value="5000.00"' in html
    assert "65 working days" in html
    assert "Deal size (USD)" in html and 'name="currency"' not in html  # web_plan pays in USD
    assert figure(html, "orders-baseline") == "1.00"
    assert figure(html, "revenue-baseline") == "5,000.00"
    assert figure(html, "commission_added-baseline") == "150.00"


def test_submitting_the_current_figures_changes_nothing(as_user: Callable[[str], TestClient]) -> None:
    ray = as_user("ray")
    same = {"calls_per_day": "1.00", "orders_per_call": "0.015385", "deal_size": "5000.00"}
    html = ray.post("/whatif", data={**Q2, **same, "csrf_token": csrf_of(ray)}).text
    for key in ("calls", "orders", "revenue", "commission_expected"):
        assert figure(html, f"{key}-baseline") == figure(html, f"{key}-whatif"), key


def test_the_what_if_runs_through_the_plan(as_user: Callable[[str], TestClient]) -> None:
    ray = as_user("ray")
    answer = ray.post("/whatif", data={**Q2, **CHANGES, "csrf_token": csrf_of(ray)})
    assert answer.status_code == 200, answer.text
    html = answer.text
    assert figure(html, "calls-whatif") == "130.00"
    assert figure(html, "orders-whatif") == "6.50"
    assert figure(html, "revenue-whatif") == "6,500.00"
    assert figure(html, "commission_added-whatif") == "195.00"  # 3% of 6,500.00
    assert figure(html, "commission_added-baseline") == "150.00"


def test_a_manager_runs_her_team_and_one_rep(as_user: Callable[[str], TestClient]) -> None:
    mona = as_user("mona")
    team = mona.get("/whatif", params=Q2)
    assert team.status_code == 200 and "Team of Mona" in team.text
    answer = mona.post("/whatif", data={"kind": "team", **Q2, **CHANGES, "csrf_token": csrf_of(mona)})
    html = answer.text
    assert figure(html, "revenue-whatif") == "26,000.00"  # four reps × 6,500.00
    assert figure(html, "revenue-baseline") == "5,000.00"  # only Ray has a funnel
    assert "Per rep (4)" in html and "Ray Rep" in html and "Otto" not in html
    assert mona.get("/whatif", params={"kind": "rep", "subject": "RAY", **Q2}).status_code == 200


def test_out_of_scope_is_not_found(as_user: Callable[[str], TestClient]) -> None:
    ray, mona = as_user("ray"), as_user("mona")
    assert ray.get("/whatif", params={"kind": "team"}).status_code == 404
    assert ray.get("/whatif", params={"subject": "RITA"}).status_code == 404
    assert mona.get("/whatif", params={"subject": "OTTO"}).status_code == 404
    assert mona.get("/whatif", params={"kind": "team", "subject": "GRACE"}).status_code == 404
    posted = ray.post("/whatif", data={"subject": "RITA", **CHANGES, "csrf_token": csrf_of(ray)})
    assert posted.status_code == 404 and "AUTH007" in posted.text


def test_the_form_needs_its_csrf_token(as_user: Callable[[str], TestClient]) -> None:
    answer = as_user("ray").post("/whatif", data={**Q2, **CHANGES})
    assert answer.status_code == 403


def test_bad_figures_are_shown_on_the_form(as_user: Callable[[str], TestClient]) -> None:
    ray = as_user("ray")
    for bad in ({"calls_per_day": "-1"}, {"deal_size": "lots"}, {"orders_per_call": "NaN"}):
        answer = ray.post("/whatif", data={**Q2, **bad, "csrf_token": csrf_of(ray)})
        assert answer.status_code == 422 and "ANA010" in answer.text, bad
        assert next(iter(bad.values())) in answer.text  # what was typed stays in the field
    outside = ray.get("/whatif", params={"period": "2024-Q2", "start": "2024-09-01"})
    assert outside.status_code == 400 and "ANA011" in outside.text


def test_admin_chooses_a_rep_first(as_user: Callable[[str], TestClient]) -> None:
    page = as_user("admin").get("/whatif")
    assert page.status_code == 200 and "Choose a rep" in page.text and "subject=OTTO" in page.text


def test_the_dashboards_link_to_the_what_if(as_user: Callable[[str], TestClient]) -> None:
    html = as_user("mona").get("/dashboards/manager", params={"commission": "0"}).text
    assert "/whatif?kind=team&amp;subject=MONA&amp;period=2024-Q1" in html
    assert "/whatif?kind=rep&amp;subject=RAY" in as_user("ray").get("/dashboards/rep").text
