"""User administration: create, reset, deactivate — validated, guarded, audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from attain.store.db import reading
from attain.store.tables import audit_log
from tests.api.conftest import csrf_of, sign_in


@pytest.fixture
def admin(signed_in: Callable[[str], TestClient]) -> TestClient:
    return signed_in("admin")


def _post(client: TestClient, path: str, body: dict | None = None):
    return client.post(path, json=body, headers={"X-CSRF-Token": csrf_of(client)})


def test_an_admin_creates_a_rep_who_can_then_sign_in(admin: TestClient, app, company_url: str) -> None:
    created = _post(
        admin,
        "/api/v1/users",
        {"username": "rita", "password": "rita's long password", "role": "rep", "payee_id": "RITA"},
    )
    assert created.status_code == 201
    assert created.json()["role"] == "rep" and "password_hash" not in created.json()
    with TestClient(app, follow_redirects=False) as rita:
        sign_in(rita, "rita", "rita's long password")
        assert rita.get("/api/v1/payees").json()["total"] == 1
    with reading(company_url) as conn:
        entry = conn.execute(
            select(audit_log).where(audit_log.c.action == "create", audit_log.c.key == "rita")
        ).one()
    assert entry.actor == "admin" and entry.after["payee_id"] == "RITA"
    assert "password" not in str(entry.after)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {"username": "ray", "password": "long enough password", "role": "rep", "payee_id": "RAY"},
            409,
            "AUTH009",
        ),
        ({"username": "new", "password": "short", "role": "rep", "payee_id": "RAY"}, 422, "AUTH008"),
        ({"username": "newname12345", "password": "NewName12345", "role": "admin"}, 422, "AUTH008"),
        ({"username": "new", "password": "long enough password", "role": "boss"}, 422, "AUTH013"),
        ({"username": "new", "password": "long enough password", "role": "rep"}, 422, "AUTH014"),
        (
            {"username": "new", "password": "long enough password", "role": "manager", "payee_id": "NOPE"},
            422,
            "AUTH014",
        ),
        ({"username": " new", "password": "long enough password", "role": "admin"}, 422, "AUTH010"),
    ],
)
def test_bad_new_users_are_refused(admin: TestClient, body: dict, status: int, code: str) -> None:
    answer = _post(admin, "/api/v1/users", body)
    assert answer.status_code == status and answer.json()["code"] == code


def test_an_admin_cannot_deactivate_themselves_or_the_last_admin(admin: TestClient) -> None:
    users = {u["username"]: u["id"] for u in admin.get("/api/v1/users").json()}
    answer = _post(admin, f"/api/v1/users/{users['admin']}/deactivate")
    assert answer.status_code == 409 and answer.json()["code"] == "AUTH012"


def test_deactivate_and_reactivate_are_audited(admin: TestClient, company_url: str) -> None:
    users = {u["username"]: u["id"] for u in admin.get("/api/v1/users").json()}
    assert _post(admin, f"/api/v1/users/{users['ray']}/deactivate").json()["active"] is False
    assert _post(admin, f"/api/v1/users/{users['ray']}/activate").json()["active"] is True
    log = admin.get("/api/v1/audit", params={"key": "ray", "entity": "app_user"}).json()["items"]
    assert [e["action"] for e in log][:2] == ["activate", "deactivate"]
    assert log[1]["before"] == {"active": True} and log[1]["after"] == {"active": False}


def test_unknown_users_are_not_found(admin: TestClient) -> None:
    answer = _post(admin, "/api/v1/users/999999/password", {"password": "long enough password"})
    assert answer.status_code == 404 and answer.json()["code"] == "AUTH007"


def test_the_users_page_creates_and_shows_errors(admin: TestClient) -> None:
    token = csrf_of(admin)
    made = admin.post(
        "/admin/users",
        data={"username": "fin2", "password": "finance password", "role": "finance", "csrf_token": token},
    )
    assert made.status_code == 303
    page = admin.get("/admin/users")
    assert "fin2" in page.text and "User fin2 created." in page.text
    again = admin.post(
        "/admin/users",
        data={"username": "fin2", "password": "finance password", "role": "finance", "csrf_token": token},
    )
    assert again.status_code == 409 and "AUTH009" in again.text
