"""Signing in and out: sessions, lockout after 5 failures, resets, deactivation — all audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from attain.api.sessions import COOKIE_NAME
from attain.services import auth
from attain.store.db import reading, transaction
from attain.store.tables import app_user, audit_log
from tests.api.company import PASSWORD
from tests.api.conftest import csrf_of, sign_in


def _attempt(client: TestClient, username: str, password: str) -> httpx.Response:
    answer: httpx.Response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_of(client)}
    )
    return answer


def user_id(url: str, username: str) -> int:
    with reading(url) as conn:
        return int(conn.execute(select(app_user.c.id).where(app_user.c.username == username)).scalar_one())


def _actions(url: str, username: str) -> list[str]:
    with reading(url) as conn:
        rows = conn.execute(
            select(audit_log.c.action).where(audit_log.c.key == username).order_by(audit_log.c.id)
        )
        return [row.action for row in rows]


def test_sign_in_lands_home_and_sign_out_ends_the_session(client: TestClient, company_url: str) -> None:
    assert client.get("/").headers["location"] == "/login?next=%2F"
    before = client.cookies.get(COOKIE_NAME)
    sign_in(client, "admin")
    assert client.cookies.get(COOKIE_NAME) != before  # a new session on sign-in (no fixation)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").json()["role"] == "admin"
    answer = client.post("/logout", data={"csrf_token": csrf_of(client)})
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert client.get("/").status_code == 303
    assert client.get("/api/v1/me").status_code == 401
    assert _actions(company_url, "admin") == ["login", "logout"]


def test_wrong_password_is_refused_with_the_same_message_as_an_unknown_user(client: TestClient) -> None:
    wrong = _attempt(client, "admin", "not the password")
    unknown = _attempt(client, "nobody", "whatever whatever")
    assert wrong.status_code == unknown.status_code == 401
    assert "AUTH001" in wrong.text and "AUTH001" in unknown.text
    assert "Wrong username or password." in wrong.text and "Wrong username or password." in unknown.text


def test_five_failures_lock_the_account_for_15_minutes_even_for_the_right_password(
    client: TestClient, company_url: str
) -> None:
    for attempt in range(1, 5):
        assert _attempt(client, "ray", f"wrong password {attempt}").status_code == 401
    fifth = _attempt(client, "ray", "wrong password 5")
    assert fifth.status_code == 423 and "AUTH002" in fifth.text
    refused = _attempt(client, "ray", PASSWORD)
    assert refused.status_code == 423 and "AUTH002" in refused.text
    with reading(company_url) as conn:
        locked_until = conn.execute(
            select(app_user.c.locked_until).where(app_user.c.username == "ray")
        ).scalar()
    assert locked_until is not None
    remaining = locked_until - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=14) < remaining <= dt.timedelta(minutes=15)
    assert _actions(company_url, "ray").count("login_failed") == 5
    assert "locked" in _actions(company_url, "ray")


def test_the_lock_expires_after_15_minutes(client: TestClient, company_url: str) -> None:
    with transaction(company_url) as conn:
        conn.execute(
            update(app_user)
            .where(app_user.c.username == "ray")
            .values(locked_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    sign_in(client, "ray")
    with reading(company_url) as conn:
        row = conn.execute(select(app_user).where(app_user.c.username == "ray")).one()
    assert row.locked_until is None and row.failed_logins == 0


def test_a_success_resets_the_failure_count(client: TestClient, company_url: str) -> None:
    for _ in range(4):
        _attempt(client, "ray", "wrong password")
    sign_in(client, "ray")
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    for _ in range(4):
        assert _attempt(client, "ray", "wrong password").status_code == 401


def test_an_admin_password_reset_unlocks_and_ends_open_sessions(
    signed_in: Callable[[str], TestClient], client: TestClient, company_url: str
) -> None:
    ray = signed_in("ray")
    assert ray.get("/api/v1/me").status_code == 200
    for _ in range(5):
        _attempt(client, "ray", "wrong password")
    admin = signed_in("admin")
    answer = admin.post(
        f"/admin/users/{user_id(company_url, 'ray')}/password",
        data={"password": "a brand new secret", "csrf_token": csrf_of(admin)},
    )
    assert answer.status_code == 303
    assert ray.get("/api/v1/me").status_code == 401  # the old session is void
    assert _attempt(client, "ray", PASSWORD).status_code == 401
    assert _attempt(client, "ray", "a brand new secret").status_code == 303
    assert "reset_password" in _actions(company_url, "ray")


def test_a_deactivated_user_cannot_sign_in_and_their_session_stops(
    signed_in: Callable[[str], TestClient], client: TestClient, company_url: str
) -> None:
    otto = signed_in("otto")
    admin = signed_in("admin")
    assert (
        admin.post(
            f"/admin/users/{user_id(company_url, 'otto')}/deactivate", data={"csrf_token": csrf_of(admin)}
        ).status_code
        == 303
    )
    assert otto.get("/api/v1/me").status_code == 401
    assert _attempt(client, "otto", PASSWORD).status_code == 401


def test_a_tampered_session_cookie_is_ignored(client: TestClient) -> None:
    sign_in(client, "ray")
    value = client.cookies.get(COOKIE_NAME)
    assert value
    client.cookies.set(COOKIE_NAME, value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert client.get("/api/v1/me").status_code == 401


def test_a_session_cookie_signed_with_another_key_is_ignored(client: TestClient) -> None:
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("guessed-key", salt="attain.session").dumps({"uid": 1, "stamp": "x"})
    client.cookies.set(COOKIE_NAME, forged)
    assert client.get("/api/v1/me").status_code == 401


def test_next_only_follows_local_paths(client: TestClient) -> None:
    token = csrf_of(client)
    answer = client.post(
        "/login",
        data={
            "username": "admin",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "https://evil.example/",
        },
    )
    assert answer.headers["location"] == "/"
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    answer = client.post(
        "/login",
        data={
            "username": "admin",
            "password": PASSWORD,
            "csrf_token": csrf_of(client),
            "next": "/payees?q=ray",
        },
    )
    assert answer.headers["location"] == "/payees?q=ray"


def test_passwords_are_stored_as_argon2id_hashes(client: TestClient, company_url: str) -> None:
    assert auth.hash_password("some long password").startswith("$argon2id$")
    with reading(company_url) as conn:
        hashes = conn.execute(select(app_user.c.password_hash)).scalars().all()
    assert all(h.startswith("$argon2id$") for h in hashes)
