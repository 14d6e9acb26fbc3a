"""The server-rendered pages: escaping, navigation by role, search and paging, accessibility basics."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.api.company import XSS_NAME

ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.mark.parametrize("username", ["admin", "mona"])
@pytest.mark.parametrize("path", ["/payees", "/payees/XSS", "/payees?q=script", "/transactions?payee_id=XSS"])
def test_a_payee_named_script_is_shown_escaped_never_run(
    signed_in: Callable[[str], TestClient], username: str, path: str
) -> None:
    html = signed_in(username).get(path).text
    assert XSS_NAME not in html
    assert ESCAPED in html


def test_the_managers_home_escapes_the_name_too(signed_in: Callable[[str], TestClient]) -> None:
    html = signed_in("mona").get("/").text
    assert XSS_NAME not in html and ESCAPED in html


def test_script_in_form_input_is_escaped_back(client: TestClient) -> None:
    from tests.api.conftest import csrf_of

    answer = client.post(
        "/login",
        data={"username": '"><script>alert(2)</script>', "password": "x", "csrf_token": csrf_of(client)},
    )
    assert "<script>alert(2)" not in answer.text
    assert "&#34;&gt;&lt;script&gt;alert(2)" in answer.text


def _nav(html: str) -> list[str]:
    menu = re.search(r'<nav class="site-nav" aria-label="Main">(.*?)</nav>', html, re.S)
    assert menu
    return re.findall(r'<a href="[^"]+"[^>]*>([^<]+)</a>', menu.group(1))


def test_the_navigation_follows_the_role(signed_in: Callable[[str], TestClient]) -> None:
    assert _nav(signed_in("admin").get("/").text) == [
        "Home", "Team", "Dashboards", "Payees", "Transactions", "Imports", "Plans", "Runs", "Planning",
        "Adjustments", "Disputes", "API tokens", "Users &amp; roles", "Audit log",
    ]
    assert _nav(signed_in("finance").get("/").text) == [
        "Home", "Team", "Dashboards", "Payees", "Transactions", "Plans", "Runs", "Planning", "Adjustments",
        "Disputes",
        "API tokens",
    ]
    assert _nav(signed_in("mona").get("/").text) == [
        "Home", "Team", "Dashboards", "Estimator", "Payees", "Transactions", "My disputes", "API tokens"]
    assert _nav(signed_in("ray").get("/").text) == [
        "Home", "Dashboards", "Estimator", "Transactions", "My disputes", "API tokens"]


def test_home_routes_by_role(signed_in: Callable[[str], TestClient]) -> None:
    rep = signed_in("ray").get("/").text
    assert "Hello, Ray Rep" in rep and "No calculation has been run for this payee yet" in rep
    manager = signed_in("mona").get("/").text
    assert "My team" in manager and "Rita Rep" in manager and "Otto Outside" not in manager
    admin = signed_in("admin").get("/").text
    assert "Users and roles" in admin and '<strong class="big">7</strong>' in admin


def test_payees_search_and_paging(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    first = admin.get("/payees", params={"limit": 3}).text
    assert "1–3 of 7" in first and 'rel="next"' in first and 'rel="prev"' not in first
    last = admin.get("/payees", params={"limit": 3, "offset": 6}).text
    assert "7–7 of 7" in last and 'rel="prev"' in last and 'rel="next"' not in last
    found = admin.get("/payees", params={"q": "rita"}).text
    assert "Rita Rep" in found and "Ray Rep" not in found


def test_the_payee_page_shows_profile_chain_quotas_and_activity(
    signed_in: Callable[[str], TestClient],
) -> None:
    html = signed_in("mona").get("/payees/RAY").text
    assert "ray@example.com" in html
    assert re.search(r"<ol class=\"chain\">\s*<li>Mona Manager.*<li>Grace Boss", html, re.S)
    assert "120,000.00 USD" in html and "3,000.25 USD" in html and "Deal of RAY" in html


def test_the_login_page_is_labelled_and_has_landmarks(client: TestClient) -> None:
    html = client.get("/login").text
    assert '<label for="username">' in html and '<label for="password">' in html
    assert '<main id="main"' in html and 'class="skip-link" href="#main"' in html
    assert 'autocomplete="current-password"' in html and '<html lang="en">' in html


def test_every_form_carries_a_csrf_field(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    for path in ("/", "/admin/users", "/account/tokens"):
        html = admin.get(path).text
        forms = re.findall(r'<form method="post".*?</form>', html, re.S)
        assert forms, path
        assert all('name="csrf_token"' in form for form in forms), path


def test_unknown_pages_show_the_code(signed_in: Callable[[str], TestClient]) -> None:
    answer = signed_in("ray").get("/no/such/page")
    assert answer.status_code == 404 and "AUTH007" in answer.text


def test_bad_page_parameters_show_an_error_page(signed_in: Callable[[str], TestClient]) -> None:
    answer = signed_in("admin").get("/payees", params={"limit": 5000})
    assert answer.status_code == 422 and "AUTH010" in answer.text


def test_api_tokens_page_shows_a_new_token_once(signed_in: Callable[[str], TestClient]) -> None:
    from tests.api.conftest import csrf_of

    ray = signed_in("ray")
    made = ray.post("/account/tokens", data={"name": "my script", "csrf_token": csrf_of(ray)})
    token = re.search(r'id="new-token">(atn_[^<]+)<', made.text)
    assert made.status_code == 201 and token
    assert token.group(1) not in ray.get("/account/tokens").text
    assert (
        ray.get("/api/v1/me", headers={"Authorization": f"Bearer {token.group(1)}"}).json()["username"]
        == "ray"
    )


def test_the_static_assets_are_served_locally(client: TestClient) -> None:
    assert client.get("/static/app.css").status_code == 200
    script = client.get("/static/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]


def test_calculated_results_are_shown_exactly_from_the_newest_succeeded_run(
    signed_in: Callable[[str], TestClient], company_url: str
) -> None:
    import datetime as dt
    from decimal import Decimal

    from sqlalchemy import insert

    from attain.store.db import transaction
    from attain.store.tables import calc_run, payout, run_measure

    with transaction(company_url) as conn:
        old, new, failed = (
            conn.execute(
                insert(calc_run)
                .values(status=status, periods=["2024-Q1"], created_by="test")
                .returning(calc_run.c.id)
            ).scalar_one()
            for status in ("succeeded", "succeeded", "failed")
        )
        lines = [(old, "9999.99"), (new, "0.10"), (new, "0.20"), (failed, "5555.55")]
        conn.execute(
            insert(payout),
            [
                {
                    "run_id": run,
                    "payee_id": "RAY",
                    "period_label": "2024-Q1",
                    "amount": Decimal(a),
                    "amount_rounded": Decimal(a),
                    "currency": "USD",
                }
                for run, a in lines
            ],
        )
        conn.execute(
            insert(run_measure).values(
                run_id=new,
                payee_id="RAY",
                measure_id="bookings",
                period_label="2024-Q1",
                period_start=dt.date(2024, 1, 1),
                period_end=dt.date(2024, 3, 31),
                value=Decimal("9000.45"),
                quota_prorated=Decimal("30000"),
                attainment=Decimal("0.300015"),
            )
        )
    html = signed_in("ray").get("/").text
    assert f"from calculation run {new}." in html
    assert "0.30 USD" in html  # 0.10 + 0.20 summed as decimals, not floats
    assert "9,999.99" not in html and "5,555.55" not in html
    assert "30.0%" in html and "9,000.45" in html
    assert "No calculation has been run" not in html
    assert "0.30 USD" not in signed_in("mona").get("/payees/RITA").text


def test_the_audit_log_page_lists_and_filters(signed_in: Callable[[str], TestClient]) -> None:
    signed_in("ray")
    admin = signed_in("admin")
    page = admin.get("/admin/audit", params={"actor": "ray", "action": "login"}).text
    assert re.search(r"<td>ray</td><td>login</td><td>app_user</td>", page)
    assert "<td>admin</td><td>login</td>" not in page
    assert "1–1 of 1" in page
