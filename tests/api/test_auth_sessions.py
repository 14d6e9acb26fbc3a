"""Sessions: a new session id at every sign-in (no fixation), sign-out kills copies of the cookie,
one session's sign-out leaves the user's other sessions alone, cookie flags."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from attain.api.sessions import COOKIE_NAME, SESSION_MAX_AGE
from attain.services import auth
from attain.store.db import reading
from attain.store.tables import audit_log
from tests.api.conftest import csrf_of, sign_in


def _session(app: FastAPI, cookie: str) -> dict[str, object]:
    serializer = URLSafeTimedSerializer("test-secret-key", salt="attain.session")
    data: dict[str, object] = serializer.loads(cookie)
    return data


def _client_with(app: FastAPI, cookie: str) -> TestClient:
    other = TestClient(app, follow_redirects=False)
    other.cookies.set(COOKIE_NAME, cookie)
    return other


def test_a_session_planted_before_sign_in_is_worthless(app: FastAPI, client: TestClient) -> None:
    planted_csrf = csrf_of(client)  # the attacker obtained this anonymous session and its token
    planted = client.cookies.get(COOKIE_NAME)
    assert planted and "uid" not in _session(app, planted)
    sign_in(client, "admin")  # the victim signs in with the planted cookie
    fresh = client.cookies.get(COOKIE_NAME)
    assert fresh and fresh != planted
    data = _session(app, fresh)
    assert data["csrf"] != planted_csrf and isinstance(data["sid"], str) and len(data["sid"]) >= 32
    with _client_with(app, planted) as attacker:
        assert attacker.get("/api/v1/me").status_code == 401
        refused = attacker.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": planted_csrf})
        assert refused.status_code == 401


def test_every_sign_in_gets_a_new_session_id(client: TestClient, app: FastAPI) -> None:
    sign_in(client, "ray")
    first = _session(app, client.cookies[COOKIE_NAME])["sid"]
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    sign_in(client, "ray")
    assert _session(app, client.cookies[COOKIE_NAME])["sid"] != first


def test_signing_out_ends_copies_of_the_cookie(app: FastAPI, client: TestClient, company_url: str) -> None:
    sign_in(client, "ray")
    copied = client.cookies[COOKIE_NAME]
    sid = _session(app, copied)["sid"]
    assert client.post("/logout", data={"csrf_token": csrf_of(client)}).status_code == 303
    with _client_with(app, copied) as thief:
        assert thief.get("/api/v1/me").status_code == 401
        assert thief.get("/").headers["location"].startswith("/login")
    with reading(company_url) as conn:
        ended = conn.execute(select(audit_log).where(audit_log.c.entity == "app_session")).one()
    assert isinstance(sid, str) and ended.key == auth.session_digest(sid) and sid not in str(ended.after)


def test_signing_out_one_session_leaves_the_others(signed_in, app: FastAPI) -> None:  # type: ignore[no-untyped-def]
    laptop, phone = signed_in("mona"), signed_in("mona")
    laptop.post("/logout", data={"csrf_token": csrf_of(laptop)})
    assert laptop.get("/api/v1/me").status_code == 401
    assert phone.get("/api/v1/me").json()["username"] == "mona"


def test_a_signed_cookie_without_a_session_id_is_not_a_session(app: FastAPI, company_url: str) -> None:
    from tests.api.test_auth import user_id

    uid = user_id(company_url, "admin")
    stamp = auth.current_stamp(company_url, "test-secret-key", uid)
    old_style = URLSafeTimedSerializer("test-secret-key", salt="attain.session").dumps(
        {"uid": uid, "stamp": stamp}
    )
    with _client_with(app, old_style) as holder:
        assert holder.get("/api/v1/me").status_code == 401


def test_the_cookie_is_http_only_lax_and_lasts_a_working_day(client: TestClient, app: FastAPI) -> None:
    token = csrf_of(client)
    answer = client.post(
        "/login", data={"username": "ray", "password": "correct horse battery", "csrf_token": token}
    )
    cookie = answer.headers["set-cookie"]
    for flag in ("HttpOnly", "SameSite=Lax", "Path=/", f"Max-Age={SESSION_MAX_AGE}"):
        assert flag in cookie
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    left = _session(app, client.cookies[COOKIE_NAME])  # only the "signed out" notice remains
    assert "uid" not in left and "sid" not in left and "stamp" not in left
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as secure:
        signed = secure.post(
            "/login",
            data={"username": "ray", "password": "correct horse battery", "csrf_token": csrf_of(secure)},
        )
        assert signed.status_code == 303 and "; Secure" in signed.headers["set-cookie"]
