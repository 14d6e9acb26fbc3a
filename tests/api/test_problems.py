"""Errors are application/problem+json with stable codes; pagination, filtering, OpenAPI."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from attain.core.errors import CATALOG


def _is_problem(answer, status: int, code: str) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["status"] == status and body["code"] == code
    assert body["type"] == f"urn:attain:error:{code}" and body["title"] == CATALOG[code]
    assert body["detail"] and body["instance"]
    return body


def test_unknown_addresses_and_methods(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    _is_problem(admin.get("/api/v1/nothing-here"), 404, "AUTH007")
    _is_problem(admin.put("/api/v1/me", headers={"X-CSRF-Token": "x"}), 403, "AUTH005")


@pytest.mark.parametrize("params", [{"limit": 201}, {"limit": 0}, {"offset": -1}, {"limit": "ten"}])
def test_page_windows_outside_the_limits_are_refused(signed_in: Callable[[str], TestClient], params) -> None:
    body = _is_problem(signed_in("admin").get("/api/v1/payees", params=params), 422, "AUTH010")
    assert body["issues"] and body["issues"][0]["field"].startswith("query.")


def test_bad_filters_are_refused(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    _is_problem(admin.get("/api/v1/transactions", params={"kind": "gift"}), 422, "AUTH010")
    _is_problem(admin.get("/api/v1/transactions", params={"date_from": "2024-13-01"}), 422, "AUTH010")


def test_paging_walks_the_whole_list_once(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    seen: list[str] = []
    offset = 0
    while True:
        page = admin.get("/api/v1/payees", params={"limit": 3, "offset": offset}).json()
        assert page["total"] == 7 and page["limit"] == 3
        seen += [row["payee_id"] for row in page["items"]]
        offset += 3
        if offset >= page["total"]:
            break
    assert len(seen) == len(set(seen)) == 7


def test_filters_narrow_the_lists(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    assert [p["payee_id"] for p in admin.get("/api/v1/payees", params={"q": "rit"}).json()["items"]] == [
        "RITA"
    ]
    assert admin.get("/api/v1/payees", params={"q": "%"}).json()["total"] == 0  # LIKE wildcards are literal
    rows = admin.get("/api/v1/transactions", params={"payee_id": "RAY", "date_from": "2024-02-01"}).json()
    assert [r["transaction_id"] for r in rows["items"]] == ["T-RAY-2", "T-RAY-1"]
    assert rows["items"][0]["amount"] == "3000.25"  # money is exact text, never a float


def test_service_errors_keep_their_code(signed_in: Callable[[str], TestClient]) -> None:
    from tests.api.conftest import csrf_of

    admin = signed_in("admin")
    answer = admin.post(
        "/api/v1/users",
        json={"username": "new", "password": "short", "role": "rep", "payee_id": "RAY"},
        headers={"X-CSRF-Token": csrf_of(admin)},
    )
    _is_problem(answer, 422, "AUTH008")


def test_the_openapi_document_is_published(client: TestClient) -> None:
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    doc = answer.json()
    paths = doc["paths"]
    for path in (
        "/api/v1/payees",
        "/api/v1/payees/{payee_id}",
        "/api/v1/transactions",
        "/api/v1/users",
        "/api/v1/audit",
        "/api/v1/tokens",
        "/api/v1/me",
    ):
        assert path in paths
    assert not any(not p.startswith("/api/v1/") for p in paths)  # pages are not part of the API
    limit = next(p for p in paths["/api/v1/payees"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 200
    assert (
        "application/problem+json" in paths["/api/v1/payees/{payee_id}"]["get"]["responses"]["404"]["content"]
    )
    assert client.get("/docs").status_code == 404  # no CDN-hosted Swagger UI


def test_a_wrong_method_is_405_with_its_code(signed_in: Callable[[str], TestClient]) -> None:
    from tests.api.conftest import csrf_of

    admin = signed_in("admin")
    _is_problem(admin.put("/api/v1/me", headers={"X-CSRF-Token": csrf_of(admin)}), 405, "AUTH016")


def test_an_unexpected_failure_is_a_500_problem_without_a_stack_trace(app) -> None:
    def boom() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/api/v1/boom", boom)
    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        body = _is_problem(client.get("/api/v1/boom"), 500, "AUTH015")
        page = client.get("/boom")
    assert "secret internals" not in str(body) and "Traceback" not in str(body)
    assert page.status_code == 500 and "AUTH015" in page.text and "secret internals" not in page.text
    assert page.headers["x-frame-options"] == "DENY"
