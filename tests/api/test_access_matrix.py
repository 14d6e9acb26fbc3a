"""Role x endpoint x someone else's object: what each role may see, and 404 for everything else.

Expected scopes (today): admin and finance see all 7 payees; Mona (manager) sees herself, Ray,
Rita and the <script> rep — not Otto (moved away 60 days ago), not Fred (arrives in 30 days),
not Grace above her; Ray (rep) sees only himself; Otto (rep) only himself.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.api.company import PAYEES

ALL = {p for p, _, _ in PAYEES}
SCOPES = {
    "admin": ALL,
    "finance": ALL,
    "mona": {"MONA", "RAY", "RITA", "XSS"},
    "ray": {"RAY"},
    "otto": {"OTTO"},
}
GUESSES = [*sorted(ALL), "NOPE", "1", "../RAY", "RAY' OR '1'='1", "%"]


@pytest.mark.parametrize("username", sorted(SCOPES))
def test_the_payee_list_holds_exactly_the_scope(
    signed_in: Callable[[str], TestClient], username: str
) -> None:
    client = signed_in(username)
    listed = client.get("/api/v1/payees", params={"limit": 200}).json()
    assert {row["payee_id"] for row in listed["items"]} == SCOPES[username]
    assert listed["total"] == len(SCOPES[username])


@pytest.mark.parametrize("username", sorted(SCOPES))
def test_every_other_payee_is_not_found_in_the_api_and_the_pages(
    signed_in: Callable[[str], TestClient], username: str
) -> None:
    client = signed_in(username)
    for guess in GUESSES:
        api = client.get(f"/api/v1/payees/{quote(guess, safe='')}")
        page = client.get(f"/payees/{quote(guess, safe='')}")
        if guess in SCOPES[username]:
            assert api.status_code == 200 and api.json()["payee"]["payee_id"] == guess
            assert page.status_code == 200
        else:
            assert api.status_code == 404, (username, guess)
            assert api.json()["code"] == "AUTH007"
            assert page.status_code == 404 and "AUTH007" in page.text, (username, guess)


def test_not_found_is_the_same_answer_for_a_hidden_and_a_missing_payee(
    signed_in: Callable[[str], TestClient],
) -> None:
    ray = signed_in("ray")
    hidden, missing = ray.get("/api/v1/payees/RITA").json(), ray.get("/api/v1/payees/NOBODY").json()
    assert hidden["code"] == missing["code"] == "AUTH007"
    assert hidden["status"] == missing["status"] == 404
    assert hidden["title"] == missing["title"]


@pytest.mark.parametrize("username", sorted(SCOPES))
def test_transactions_and_opportunities_are_scoped(
    signed_in: Callable[[str], TestClient], username: str
) -> None:
    client = signed_in(username)
    rows = client.get("/api/v1/transactions", params={"limit": 200}).json()["items"]
    assert {row["owner_id"] for row in rows} == SCOPES[username]
    assert len(rows) == 3 * len(SCOPES[username])
    deals = client.get("/api/v1/opportunities").json()["items"]
    assert {row["owner_id"] for row in deals} == SCOPES[username]
    for other in sorted(ALL - SCOPES[username]):
        assert client.get("/api/v1/transactions", params={"payee_id": other}).json()["total"] == 0
        page = client.get("/transactions", params={"payee_id": other})
        assert page.status_code == 200 and f"T-{other}-" not in page.text


def test_a_managers_team_follows_the_hierarchy_below_them(signed_in: Callable[[str], TestClient]) -> None:
    grace = signed_in("admin").get("/api/v1/payees/GRACE").json()
    assert [r["payee_id"] for r in grace["direct_reports"]] == ["FRED", "MONA", "OTTO"]
    ray = signed_in("mona").get("/api/v1/payees/RAY").json()
    assert [m["payee_id"] for m in ray["manager_chain"]] == ["MONA", "GRACE"]


@pytest.mark.parametrize("username", ["finance", "mona", "ray"])
@pytest.mark.parametrize("path", ["/api/v1/users", "/api/v1/audit", "/api/v1/users/1"])
def test_administration_is_for_admins_only(
    signed_in: Callable[[str], TestClient], username: str, path: str
) -> None:
    answer = signed_in(username).get(path)
    assert answer.status_code == 403 and answer.json()["code"] == "AUTH004"


@pytest.mark.parametrize("username", ["finance", "mona", "ray"])
@pytest.mark.parametrize("path", ["/admin/users", "/admin/audit"])
def test_admin_pages_refuse_other_roles(
    signed_in: Callable[[str], TestClient], username: str, path: str
) -> None:
    answer = signed_in(username).get(path)
    assert answer.status_code == 403 and "AUTH004" in answer.text


def test_admins_see_users_and_the_audit_log(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    assert {u["username"] for u in admin.get("/api/v1/users").json()} >= {"admin", "ray", "mona"}
    entries = admin.get("/api/v1/audit", params={"action": "login"}).json()
    assert entries["total"] >= 1 and entries["items"][0]["actor"] == "admin"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me",
        "/api/v1/payees",
        "/api/v1/payees/RAY",
        "/api/v1/transactions",
        "/api/v1/users",
        "/api/v1/audit",
        "/api/v1/tokens",
    ],
)
def test_anonymous_callers_get_401(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 401 and answer.json()["code"] == "AUTH003"
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_a_rep_cannot_write_admin_endpoints(signed_in: Callable[[str], TestClient]) -> None:
    from tests.api.conftest import csrf_of

    ray = signed_in("ray")
    header = {"X-CSRF-Token": csrf_of(ray)}
    create = ray.post(
        "/api/v1/users", json={"username": "x", "password": "long enough pw", "role": "admin"}, headers=header
    )
    assert create.status_code == 403 and create.json()["code"] == "AUTH004"
    assert ray.post("/api/v1/users/1/deactivate", headers=header).status_code == 403
    assert (
        ray.post("/api/v1/users/1/password", json={"password": "long enough pw"}, headers=header).status_code
        == 403
    )


def test_a_payee_id_with_a_slash_is_served(signed_in: Callable[[str], TestClient], company_url: str) -> None:
    from sqlalchemy import insert

    from attain.store.db import transaction
    from attain.store.tables import ENTITY_TABLES

    with transaction(company_url) as conn:
        conn.execute(insert(ENTITY_TABLES["payee"]).values(payee_id="EMEA/7", name="Slash Person"))
    admin = signed_in("admin")
    assert admin.get("/api/v1/payees/EMEA%2F7").json()["payee"]["name"] == "Slash Person"
    assert "Slash Person" in admin.get("/payees/EMEA%2F7").text
    assert signed_in("ray").get("/api/v1/payees/EMEA%2F7").status_code == 404


def test_a_cycle_in_the_hierarchy_ends_the_walk(
    signed_in: Callable[[str], TestClient], company_url: str
) -> None:
    """Bad data (Mona reports to Ray who reports to Mona) must not hang the scope or the chain."""
    import datetime as dt

    from sqlalchemy import insert

    from attain.store.db import transaction
    from attain.store.tables import ENTITY_TABLES

    with transaction(company_url) as conn:
        conn.execute(
            insert(ENTITY_TABLES["reporting_line"]).values(
                payee_id="MONA", manager_id="RAY", valid_from=dt.date.today() - dt.timedelta(days=1)
            )
        )
    mona = signed_in("mona")
    assert {p["payee_id"] for p in mona.get("/api/v1/payees").json()["items"]} == SCOPES["mona"]
    chain = [m["payee_id"] for m in mona.get("/api/v1/payees/RAY").json()["manager_chain"]]
    assert chain[:2] == ["MONA", "GRACE"] or chain[:2] == ["MONA", "RAY"]
    assert len(chain) == len(set(chain)) <= 3
