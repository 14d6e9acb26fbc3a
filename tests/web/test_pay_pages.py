"""Rep home, deal explanation, statements, disputes, estimator and team pages on a real pay run.

One company per database per module (the run is the slow part); tests that write (disputes) clean up
after themselves. Role scope: a rep sees only their own pay, a manager their hierarchy today.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_EVEN, Decimal
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from attain.api.app import create_app
from attain.services import access, home
from attain.settings import Settings
from attain.store.db import reading, transaction
from attain.store.tables import dispute, payout
from tests.api.conftest import csrf_of, sign_in
from tests.web.paid_company import seed_paid_company

DAY = dt.date(2024, 2, 15)
RAY = access.Principal(4, "ray", "rep", "RAY")


@pytest.fixture(scope="module")
def paid_url(_module_db: str) -> str:
    seed_paid_company(_module_db)
    return _module_db


@pytest.fixture(scope="module")
def paid_app(paid_url: str, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    home_dir = tmp_path_factory.mktemp("home")
    return create_app(Settings(home=home_dir, database_url=paid_url, secret_key="test-secret-key"))


@pytest.fixture
def as_user(paid_app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        client = TestClient(paid_app, follow_redirects=False)
        clients.append(client)
        return sign_in(client, username)

    yield make
    for client in clients:
        client.close()


def paid(url: str, payee_id: str) -> Decimal:
    with reading(url) as conn:
        amounts = conn.execute(select(payout.c.amount_rounded).where(payout.c.payee_id == payee_id)).scalars()
        return sum(amounts, Decimal(0))


def test_rep_home_shows_exact_earnings_attainment_next_tier_and_deals(
    paid_url: str, as_user: Callable[[str], TestClient]
) -> None:
    page = as_user("ray").get("/")
    assert page.status_code == 200, page.text
    assert paid(paid_url, "RAY") == Decimal("270.01")
    assert "270.01 USD" in page.text  # 9,000.45 bookings at 3% (below half of the prorated quota)
    assert 'role="img" aria-label="bookings: 30.2% of quota"' in page.text
    # quota 120,000 × 91/366 days = 29,836.0655737705; half of it is the 5% tier
    assert "5,917.58 more bookings</strong> to reach 5.00%" in page.text  # shown at cents, half-even
    assert page.text.index("T-RAY-2") < page.text.index("T-RAY-0")  # newest deal first
    assert "/reps/RAY/deals/T-RAY-1" in page.text and ">90.00 USD<" in page.text  # 90.0045 half-even
    assert "Rita Rep" not in page.text and "T-RITA" not in page.text


def test_home_service_pace_and_draw_balance(paid_url: str) -> None:
    with reading(paid_url) as conn:
        ray = home.rep_home(conn, RAY, "RAY", DAY)
        rita = home.rep_home(conn, access.Principal(9, "x", "rep", "RITA"), "RITA", DAY)
    bookings = ray["measures"][0]
    share = Decimal(46) / Decimal(91)  # 15 February is day 46 of 91 in Q1 2024
    assert bookings["pace"] == bookings["attainment"] / share
    assert ray["earnings"]["year_to_date"] == {"USD": Decimal("270.01")}
    assert [d["draw_id"] for d in rita["draws"]] == ["ramp"] and ray["draws"] == []


def test_deal_explanation_is_the_trace(as_user: Callable[[str], TestClient]) -> None:
    page = as_user("ray").get("/reps/RAY/deals/T-RAY-1")
    assert page.status_code == 200, page.text
    text = page.text
    for piece in (
        "owner",
        "100.00%",
        "3,000.1500000000",
        "3.0000%",
        "90.0045000000",
        "web_plan v1",
        "moved bookings 3,000.05 → 6,000.20",
    ):
        assert piece in text, piece


@pytest.mark.parametrize(
    ("user", "path", "status"),
    [
        ("ray", "/reps/RITA", 404),
        ("ray", "/reps/RITA/deals/T-RITA-0", 404),
        ("ray", "/reps/RAY/deals/T-RITA-0", 404),
        ("ray", "/reps/RAY/deals/NOPE", 404),
        ("ray", "/reps/RITA/statements/2024-Q1", 404),
        ("ray", "/team", 404),
        ("ray", "/estimate?payee_id=RITA", 404),
        ("mona", "/reps/RITA", 200),
        ("mona", "/reps/OTTO", 404),
        ("mona", "/reps/FRED", 404),
        ("mona", "/reps/RITA/deals/T-RITA-0", 200),
        ("otto", "/reps/RAY", 404),
        ("finance", "/reps/OTTO", 200),
        ("admin", "/reps/RAY/deals/T-RAY-0", 200),
    ],
)
def test_scope_of_pay_pages(as_user: Callable[[str], TestClient], user: str, path: str, status: int) -> None:
    answer = as_user(user).get(path)
    assert answer.status_code == status, (user, path, answer.text[:300])
    if status == 404:
        assert "AUTH007" in answer.text


def test_manager_drill_down_is_read_only(as_user: Callable[[str], TestClient]) -> None:
    page = as_user("mona").get("/reps/RAY")
    assert page.status_code == 200 and "(read-only)" in page.text and "Raise dispute" not in page.text
    refused = as_user("mona").post(
        "/reps/RAY/disputes", data={"payout_id": "1", "message": "x", "csrf_token": csrf_of(as_user("mona"))}
    )
    assert refused.status_code in (403, 404)


def test_statements_html_and_pdf(as_user: Callable[[str], TestClient]) -> None:
    ray = as_user("ray")
    html = ray.get("/reps/RAY/statements/2024-Q1")
    assert html.status_code == 200 and "Ray Rep" in html.text and "270.01" in html.text
    assert "sandbox" in html.headers["content-security-policy"]
    pdf = ray.get("/reps/RAY/statements/2024-Q1.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert ray.get("/reps/RAY/statements/2023-Q4").status_code == 404


def test_rep_raises_a_dispute_on_own_line_only(paid_url: str, as_user: Callable[[str], TestClient]) -> None:
    ray = as_user("ray")
    page = ray.get("/").text
    line_id = re.search(r'name="payout_id" value="(\d+)"', page)
    assert line_id
    with reading(paid_url) as conn:
        rita_line = conn.execute(select(payout.c.id).where(payout.c.payee_id == "RITA")).scalars().first()
    token = csrf_of(ray)
    try:
        other = ray.post(
            "/reps/RAY/disputes", data={"payout_id": str(rita_line), "message": "mine?", "csrf_token": token}
        )
        assert other.status_code == 404
        done = ray.post(
            "/reps/RAY/disputes",
            data={
                "payout_id": line_id.group(1),
                "message": "Deal T-RAY-2 is missing a split",
                "csrf_token": token,
            },
        )
        assert done.status_code == 303
        assert "Deal T-RAY-2 is missing a split" in ray.get("/").text
        team = as_user("mona").get("/team").text
        assert "Deal T-RAY-2 is missing a split" in team
        assert "missing a split" not in as_user("otto").get("/").text
    finally:
        with transaction(paid_url, "test") as conn:
            conn.execute(delete(dispute))


def test_estimator_runs_the_real_plan(as_user: Callable[[str], TestClient]) -> None:
    ray = as_user("ray")
    form = ray.get("/estimate").text
    assert "Ray&#39;s big one" in form
    token = csrf_of(ray)
    one = ray.post("/estimate", data={"amount": "5000", "date": "2024-03-01", "csrf_token": token})
    assert one.status_code == 200, one.text
    assert "<strong>150.00 USD</strong> more" in one.text  # 5,000 at 3%, in the components' currency
    # the open 40,000 opportunity crosses both tiers: 9,000.45 -> 49,000.45 on a 29,836.07 quota
    both = ray.post("/estimate", data={"opportunity": "O-RAY-OPEN", "csrf_token": token})
    q = Decimal("29836.0655737705")
    half = Decimal("14918.0327868853")  # q × 0.5 at 10 places (half away from zero)
    expected = (
        (half - Decimal("9000.45")) * Decimal("0.03")
        + (q - half) * Decimal("0.05")
        + (Decimal("49000.45") - q) * Decimal("0.08")
    )
    shown = expected.quantize(Decimal("1E-10")).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    assert f"<strong>{shown:,f} USD</strong> more" in both.text, both.text
    bad = ray.post("/estimate", data={"amount": "5000", "date": "2025-01-01", "csrf_token": token})
    assert bad.status_code == 422 and "EST001" in bad.text


def test_team_page_for_managers(as_user: Callable[[str], TestClient]) -> None:
    page = as_user("mona").get("/team").text
    for name in ("Ray Rep", "Rita Rep", "&lt;script&gt;alert(1)&lt;/script&gt;"):
        assert name in page
    assert "Otto Outside" not in page and "Fred Future" not in page and "<script>alert(1)" not in page
    leaders = page[page.index("Leaderboard") :]
    assert leaders.index("Mona Manager") > leaders.index(
        "&lt;script&gt;"
    )  # XSS (number 4) booked more than Mona
    everyone = as_user("finance").get("/team").text
    assert "Otto Outside" in everyone and "Grace Boss" in everyone


def test_pay_api_is_exact_and_scoped(as_user: Callable[[str], TestClient]) -> None:
    ray = as_user("ray")
    body = ray.get("/api/v1/pay/RAY").json()
    assert body["paid_this_period"] == {"USD": "270.01"} and body["period"]["label"] == "2024-Q1"
    assert body["next_tiers"][0]["more"] == "5917.5827868853"
    assert [d["transaction_id"] for d in body["deals"]] == ["T-RAY-2", "T-RAY-1", "T-RAY-0"]
    trace = ray.get("/api/v1/pay/RAY/deals/T-RAY-1").json()
    assert trace["total"] == "90.0045000000" and trace["earnings"][0]["tier_rate"] == "0.0300000000"
    for path in ("/api/v1/pay/RITA", "/api/v1/pay/RAY/deals/T-RITA-0", "/api/v1/pay/RITA/deals/T-RITA-0"):
        answer = ray.get(path)
        assert answer.status_code == 404 and answer.json()["code"] == "AUTH007"
    assert as_user("mona").get("/api/v1/pay/RITA").status_code == 200
    assert as_user("mona").get("/api/v1/pay/OTTO").status_code == 404


SCOPES = {
    "admin": {"GRACE", "MONA", "RAY", "RITA", "XSS", "OTTO", "FRED"},
    "finance": {"GRACE", "MONA", "RAY", "RITA", "XSS", "OTTO", "FRED"},
    "mona": {"MONA", "RAY", "RITA", "XSS"},
    "ray": {"RAY"},
    "otto": {"OTTO"},
}
GUESSES = [*sorted(SCOPES["admin"]), "NOPE", "1", "../RAY", "RAY' OR '1'='1", "%"]


@pytest.mark.parametrize("username", sorted(SCOPES))
def test_pay_matrix_role_by_endpoint_by_someone_else(
    as_user: Callable[[str], TestClient], username: str
) -> None:
    """Every pay page and API answer of a payee outside the scope is 404 AUTH007, like a missing one."""
    client = as_user(username)
    for guess in GUESSES:
        seg = quote(guess, safe="")
        answers = {
            "page": client.get(f"/reps/{seg}"),
            "api": client.get(f"/api/v1/pay/{seg}"),
            "deal": client.get(f"/reps/{seg}/deals/T-{seg}-0"),
            "estimate": client.get("/estimate", params={"payee_id": guess}),
        }
        visible = guess in SCOPES[username]
        if not visible:  # rendering a statement is slow: its refusals only (rendering is tested above)
            answers["statement"] = client.get(f"/reps/{seg}/statements/2024-Q1")
        for what, answer in answers.items():
            if visible:
                assert answer.status_code == 200, (username, guess, what)
            else:
                assert answer.status_code == 404 and "AUTH007" in answer.text, (username, guess, what)
