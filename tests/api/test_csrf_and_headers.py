"""CSRF refusals, security headers and cookie flags on every kind of response."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from attain.api.sessions import COOKIE_NAME
from tests.api.company import PASSWORD
from tests.api.conftest import csrf_of, sign_in


def test_a_form_without_its_csrf_token_is_refused(client: TestClient) -> None:
    csrf_of(client)
    answer = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert answer.status_code == 403
    assert "AUTH005" in answer.text
    assert client.get("/api/v1/me").status_code == 401  # nobody was signed in


def test_a_wrong_csrf_token_is_refused(client: TestClient) -> None:
    csrf_of(client)
    answer = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": "forged"})
    assert answer.status_code == 403 and "AUTH005" in answer.text


def test_a_post_without_any_session_is_refused(client: TestClient) -> None:
    answer = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": "x"})
    assert answer.status_code == 403


def test_the_token_of_another_session_does_not_work(app: FastAPI, client: TestClient) -> None:
    with TestClient(app) as other:
        foreign = csrf_of(other)
    sign_in(client, "admin")
    answer = client.post("/logout", data={"csrf_token": foreign})
    assert answer.status_code == 403
    assert client.get("/api/v1/me").status_code == 200  # still signed in


def test_signed_in_state_changes_need_the_token_as_form_field_or_header(client: TestClient) -> None:
    sign_in(client, "admin")
    refused = client.post("/api/v1/tokens", json={"name": "ci"})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "AUTH005"
    accepted = client.post("/api/v1/tokens", json={"name": "ci"}, headers={"X-CSRF-Token": csrf_of(client)})
    assert accepted.status_code == 201
    assert client.delete(f"/api/v1/tokens/{accepted.json()['id']}").status_code == 403


def test_multipart_forms_carry_the_token_too(client: TestClient) -> None:
    sign_in(client, "admin")
    token = csrf_of(client)
    answer = client.post(
        "/account/tokens", files={"name": (None, "from multipart"), "csrf_token": (None, token)}
    )
    assert answer.status_code == 201
    refused = client.post("/account/tokens", files={"name": (None, "no token")})
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "path", ["/login", "/api/v1/me", "/api/v1/openapi.json", "/static/app.css", "/missing"]
)
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in headers  # plain http


def test_pages_are_not_cached_but_static_assets_may_be(client: TestClient) -> None:
    assert client.get("/login").headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/static/app.css").headers.get("cache-control", "")


def test_the_session_cookie_is_httponly_lax_and_not_secure_on_http(client: TestClient) -> None:
    cookie = client.get("/login").headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_over_https_the_cookie_is_secure_and_hsts_is_sent(app: FastAPI) -> None:
    with TestClient(app, base_url="https://attain.example") as secure:
        answer = secure.get("/login")
    assert "; Secure" in answer.headers["set-cookie"]
    assert answer.headers["strict-transport-security"].startswith("max-age=")


def test_pages_use_no_inline_script_and_only_local_assets(client: TestClient) -> None:
    sign_in(client, "admin")
    for path in ("/login", "/", "/payees", "/payees/RAY", "/transactions", "/admin/users", "/admin/audit"):
        html = client.get(path, follow_redirects=True).text
        assert "<script>" not in html and "onclick=" not in html and "style=" not in html, path
        assert "http://" not in html and "https://" not in html, path
