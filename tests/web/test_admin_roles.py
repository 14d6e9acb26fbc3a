"""The users page: a form per user changes the role and payee link (CSRF, a confirmation, audited).

Runs on SQLite and PostgreSQL (the ``app`` fixture sits on ``migrated_url``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.api.conftest import csrf_of


def _user_id(admin: TestClient, username: str) -> int:
    return int(next(u["id"] for u in admin.get("/api/v1/users").json() if u["username"] == username))


def test_every_user_has_a_labelled_role_form_that_asks_first(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    page = admin.get("/admin/users")
    assert page.status_code == 200
    ray_id = _user_id(admin, "ray")
    action = rf'<form method="post" action="/admin/users/{ray_id}/role"[^>]*>(.*?)</form>'
    form = re.search(action, page.text, re.S)
    assert form, page.text
    assert 'data-confirm="Change the role and payee link of ray?' in form.group(0)
    assert 'name="csrf_token"' in form.group(1)
    assert f'<label for="role-{ray_id}"' in form.group(1) and f'<label for="payee-{ray_id}"' in form.group(1)
    assert '<option value="rep" selected>' in form.group(1) and 'value="RAY"' in form.group(1)


def test_an_admin_changes_a_role_from_the_page(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    ray_id = _user_id(admin, "ray")
    answer = admin.post(f"/admin/users/{ray_id}/role",
                        data={"role": "manager", "payee_id": "RAY", "csrf_token": csrf_of(admin)})
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/users"
    page = admin.get("/admin/users")
    assert "Role and payee link saved" in page.text
    assert next(u for u in admin.get("/api/v1/users").json() if u["id"] == ray_id)["role"] == "manager"
    audit = admin.get("/admin/audit", params={"action": "change_role"})
    assert "ray" in audit.text and "manager" in audit.text


def test_a_refused_change_is_shown_on_the_page_with_its_code(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    ray_id = _user_id(admin, "ray")
    answer = admin.post(f"/admin/users/{ray_id}/role",
                        data={"role": "rep", "payee_id": "NOBODY", "csrf_token": csrf_of(admin)})
    assert answer.status_code == 422 and "AUTH014" in answer.text and 'role="alert"' in answer.text
    own = admin.post(f"/admin/users/{_user_id(admin, 'admin')}/role",
                     data={"role": "rep", "payee_id": "RAY", "csrf_token": csrf_of(admin)})
    assert own.status_code == 409 and "AUTH012" in own.text
    assert next(u for u in admin.get("/api/v1/users").json() if u["id"] == ray_id)["payee_id"] == "RAY"


def test_without_the_csrf_token_or_the_admin_role_nothing_changes(
    signed_in: Callable[[str], TestClient],
) -> None:
    admin, finance = signed_in("admin"), signed_in("finance")
    ray_id = _user_id(admin, "ray")
    forged = admin.post(f"/admin/users/{ray_id}/role", data={"role": "admin", "payee_id": ""})
    assert forged.status_code == 403 and "AUTH005" in forged.text
    refused = finance.post(f"/admin/users/{ray_id}/role",
                           data={"role": "admin", "payee_id": "", "csrf_token": csrf_of(finance)})
    assert refused.status_code == 403 and "AUTH004" in refused.text
    missing = admin.post("/admin/users/99999/role",
                         data={"role": "rep", "payee_id": "RAY", "csrf_token": csrf_of(admin)})
    assert missing.status_code == 404 and "AUTH007" in missing.text
    assert next(u for u in admin.get("/api/v1/users").json() if u["id"] == ray_id)["role"] == "rep"
