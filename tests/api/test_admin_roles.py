"""An admin changes a user's role and payee link over the REST API (``POST /api/v1/users/{id}/role``).

The route calls ``users.set_role``: the change is audited, the user's open sessions end, an admin
cannot change their own role, managers and reps need an existing payee, and only admins may do it.
Runs on SQLite and PostgreSQL (``migrated_url``).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from fastapi.testclient import TestClient

from tests.api.conftest import csrf_of


def _user_id(admin: TestClient, username: str) -> int:
    return int(next(u["id"] for u in admin.get("/api/v1/users").json() if u["username"] == username))


def _change(client: TestClient, user_id: int, **body: object) -> httpx.Response:
    answer: httpx.Response = client.post(
        f"/api/v1/users/{user_id}/role", json=body, headers={"X-CSRF-Token": csrf_of(client)}
    )
    return answer


def test_an_admin_promotes_a_rep_to_manager_and_the_change_is_audited(
    signed_in: Callable[[str], TestClient],
) -> None:
    admin, ray = signed_in("admin"), signed_in("ray")
    assert ray.get("/api/v1/me").status_code == 200
    ray_id = _user_id(admin, "ray")
    answer = _change(admin, ray_id, role="manager", payee_id="RAY")
    assert answer.status_code == 200, answer.text
    assert (answer.json()["role"], answer.json()["payee_id"]) == ("manager", "RAY")
    assert ray.get("/api/v1/me").status_code == 401  # the session made under the old role has ended
    audit = admin.get("/api/v1/audit", params={"action": "change_role", "key": "ray"}).json()["items"]
    assert len(audit) == 1
    assert audit[0]["before"] == {"role": "rep", "payee_id": "RAY"}
    assert audit[0]["after"] == {"role": "manager", "payee_id": "RAY"}
    assert audit[0]["actor"] == "admin"


def test_an_account_without_access_is_linked_to_its_payee(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    made = admin.post("/api/v1/users", headers={"X-CSRF-Token": csrf_of(admin)},
                      json={"username": "rita", "password": "correct horse battery", "role": "finance"})
    assert made.status_code == 201, made.text
    answer = _change(admin, made.json()["id"], role="rep", payee_id=" RITA ")
    assert answer.status_code == 200
    assert answer.json()["payee_id"] == "RITA"
    rita = signed_in("rita")
    assert [p["payee_id"] for p in rita.get("/api/v1/payees").json()["items"]] == ["RITA"]


def test_refusals_name_their_code_and_change_nothing(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    ray_id, admin_id = _user_id(admin, "ray"), _user_id(admin, "admin")
    cases = [
        (admin_id, {"role": "finance"}, 409, "AUTH012"),  # one's own role
        (ray_id, {"role": "boss", "payee_id": "RAY"}, 422, "AUTH013"),
        (ray_id, {"role": "rep"}, 422, "AUTH014"),  # a rep must be linked
        (ray_id, {"role": "rep", "payee_id": "NOBODY"}, 422, "AUTH014"),
        (99999, {"role": "rep", "payee_id": "RAY"}, 404, "AUTH007"),
        (ray_id, {"payee_id": "RAY"}, 422, "AUTH010"),  # no role at all
    ]
    for user_id, body, status, code in cases:
        answer = _change(admin, user_id, **body)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["code"] == code, body
    users = {u["username"]: (u["role"], u["payee_id"]) for u in admin.get("/api/v1/users").json()}
    assert users["ray"] == ("rep", "RAY") and users["admin"] == ("admin", None)
    assert admin.get("/api/v1/audit", params={"action": "change_role"}).json()["total"] == 0


def test_only_an_admin_changes_roles(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    ray_id = _user_id(admin, "ray")
    for username in ("finance", "mona", "ray"):
        answer = _change(signed_in(username), ray_id, role="admin")
        assert answer.status_code == 403 and answer.json()["code"] == "AUTH004", username
    assert next(u for u in admin.get("/api/v1/users").json() if u["id"] == ray_id)["role"] == "rep"


def test_an_admin_may_demote_another_admin_but_not_themselves(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    made = admin.post("/api/v1/users", headers={"X-CSRF-Token": csrf_of(admin)},
                      json={"username": "second", "password": "correct horse battery", "role": "admin"})
    second = signed_in("second")
    assert _change(second, _user_id(admin, "second"), role="finance").json()["code"] == "AUTH012"
    answer = _change(second, _user_id(admin, "admin"), role="finance")
    assert answer.status_code == 200, answer.text
    assert admin.get("/api/v1/me").status_code == 401  # demoted: the old admin session is over
    assert _change(second, made.json()["id"], role="finance").json()["code"] == "AUTH012"
