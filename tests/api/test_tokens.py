"""API tokens: issued once, stored hashed, act with their user's role and scope, revocable."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from attain.services.auth import token_digest
from attain.store.db import reading
from attain.store.tables import api_token
from tests.api.conftest import csrf_of


def _issue(client: TestClient, name: str = "integration") -> dict:
    answer = client.post("/api/v1/tokens", json={"name": name}, headers={"X-CSRF-Token": csrf_of(client)})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_token_is_stored_only_as_its_hash(signed_in: Callable[[str], TestClient], company_url: str) -> None:
    issued = _issue(signed_in("admin"))
    assert issued["token"].startswith("atn_") and len(issued["token"]) > 40
    with reading(company_url) as conn:
        stored = conn.execute(select(api_token.c.token_hash)).scalars().all()
    assert stored == [token_digest(issued["token"])]
    assert issued["token"] not in stored[0]


def test_a_bearer_token_acts_as_its_user_without_cookies_or_csrf(
    signed_in: Callable[[str], TestClient], client: TestClient
) -> None:
    token = _issue(signed_in("admin"))["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/me", headers=bearer).json()
    assert me["username"] == "admin" and me["via"] == "token"
    created = client.post("/api/v1/tokens", json={"name": "second"}, headers=bearer)
    assert created.status_code == 201  # no CSRF token needed: nothing ambient to forge
    listed = client.get("/api/v1/tokens", headers=bearer).json()
    assert [t["name"] for t in listed] == ["second", "integration"]
    assert "token" not in listed[0] and "token_hash" not in listed[0]


def test_a_reps_token_has_the_reps_scope(signed_in: Callable[[str], TestClient], client: TestClient) -> None:
    token = _issue(signed_in("ray"))["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/payees/RAY", headers=bearer).status_code == 200
    assert client.get("/api/v1/payees/RITA", headers=bearer).status_code == 404
    assert client.get("/api/v1/users", headers=bearer).status_code == 403


def test_a_revoked_token_stops_working(signed_in: Callable[[str], TestClient], client: TestClient) -> None:
    admin = signed_in("admin")
    issued = _issue(admin)
    bearer = {"Authorization": f"Bearer {issued['token']}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    revoked = admin.delete(f"/api/v1/tokens/{issued['id']}", headers={"X-CSRF-Token": csrf_of(admin)})
    assert revoked.status_code == 204
    answer = client.get("/api/v1/me", headers=bearer)
    assert answer.status_code == 401 and answer.json()["code"] == "AUTH006"


def test_a_token_of_a_deactivated_user_stops_working(
    signed_in: Callable[[str], TestClient], client: TestClient
) -> None:
    token = _issue(signed_in("otto"))["token"]
    admin = signed_in("admin")
    users = {u["username"]: u["id"] for u in admin.get("/api/v1/users").json()}
    admin.post(f"/api/v1/users/{users['otto']}/deactivate", headers={"X-CSRF-Token": csrf_of(admin)})
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_rep_cannot_revoke_someone_elses_token(signed_in: Callable[[str], TestClient]) -> None:
    issued = _issue(signed_in("admin"))
    ray = signed_in("ray")
    answer = ray.delete(f"/api/v1/tokens/{issued['id']}", headers={"X-CSRF-Token": csrf_of(ray)})
    assert answer.status_code == 404 and answer.json()["code"] == "AUTH007"


def test_bad_authorization_headers_are_refused(client: TestClient) -> None:
    for header in ("Bearer atn_not-a-real-token", "Bearer ", "Basic YWRtaW46eA==", "Bearer x"):
        answer = client.get("/api/v1/me", headers={"Authorization": header})
        assert answer.status_code == 401, header
        assert answer.json()["code"] == "AUTH006"


def test_a_bearer_header_ignores_the_session_cookie(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    answer = admin.get("/api/v1/me", headers={"Authorization": "Bearer atn_wrong"})
    assert answer.status_code == 401
