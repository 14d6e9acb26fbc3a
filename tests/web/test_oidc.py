"""OpenID Connect sign-in against a real provider the tests start (tests/support/oidc_provider.py).

The whole flow runs over HTTP: Attain's /login/oidc sends the browser to the provider with state,
nonce and a PKCE challenge; the provider's answer comes back to /login/oidc/callback; Attain
exchanges the code and verifies the ID token. Every way the answer can be wrong is refused with
AUTH018 and nobody is signed in; an identity without an active Attain account is refused with
AUTH019 (or created with no access when configured); a locked account stays locked (AUTH002).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from attain.api.app import create_app
from attain.api.sessions import COOKIE_NAME
from attain.core.errors import AttainError
from attain.services import oidc
from attain.settings import Settings
from attain.store.db import reading, transaction
from attain.store.tables import app_user, audit_log
from tests.api.conftest import csrf_of, sign_in
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, TestProvider, running_provider, s256

CALLBACK = "http://testserver/login/oidc/callback"


@pytest.fixture(scope="module")
def _provider() -> Iterator[TestProvider]:
    with running_provider() as provider:
        provider.redirect_uris.add(CALLBACK)
        yield provider


@pytest.fixture
def provider(_provider: TestProvider) -> Iterator[TestProvider]:
    """The running provider with its accounts (ray, mona, stranger) and no misbehaviour."""
    _provider.accounts.clear()
    _provider.add_account("ray")  # ray@example.com is the e-mail of payee RAY, linked to user ray
    _provider.add_account("mona", email="mona.m@corp.example")
    _provider.add_account("stranger")
    _provider.misbehave.clear()
    _provider.requests.clear()
    oidc.clear_cache()
    yield _provider
    _provider.misbehave.clear()


def _settings(url: str, home: Path, provider: TestProvider, **more: object) -> Settings:
    values: dict[str, object] = {
        "oidc_issuer": provider.issuer,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
        "oidc_provider_name": "Test IdP",
        **more,
    }
    return Settings(home=home, database_url=url, secret_key="test-secret-key", **values)  # type: ignore[arg-type]


@pytest.fixture
def oidc_app(company_url: str, tmp_path: Path, provider: TestProvider) -> FastAPI:
    return create_app(_settings(company_url, tmp_path / "home", provider))


@pytest.fixture
def browser(oidc_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(oidc_app, follow_redirects=False) as test_client:
        yield test_client


def _start(browser: TestClient, next_path: str = "/") -> str:
    started = browser.get("/login/oidc", params={"next": next_path})
    assert started.status_code == 303, started.text
    return str(started.headers["location"])


def _consent(provider: TestProvider, location: str, account: str, decision: str = "allow") -> str:
    """What the user does at the provider: open its page, pick the account; returns the callback URL."""
    assert httpx.get(location).status_code == 200
    params = dict(parse_qsl(urlsplit(location).query))
    answer = httpx.post(
        f"{provider.issuer}/authorize", data={**params, "account": account, "decision": decision}
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def _sign_in(
    browser: TestClient, provider: TestProvider, account: str, next_path: str = "/"
) -> httpx.Response:
    answer: httpx.Response = browser.get(_consent(provider, _start(browser, next_path), account))
    return answer


def _audit(url: str, action: str) -> list[dict[str, object]]:
    with reading(url) as conn:
        rows = conn.execute(select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.id))
        return [dict(row._mapping) for row in rows]


def _me(browser: TestClient) -> httpx.Response:
    answer: httpx.Response = browser.get("/api/v1/me")
    return answer


def test_the_login_page_offers_the_provider_only_when_configured(
    browser: TestClient, client: TestClient
) -> None:
    assert "Sign in with Test IdP" in browser.get("/login").text
    assert 'name="password"' in browser.get("/login").text  # local passwords still offered
    plain = client.get("/login").text
    assert "Sign in with" not in plain
    off = client.get("/login/oidc")
    assert off.status_code == 404 and "AUTH021" in off.text


def test_a_rep_signs_in_through_the_provider(
    browser: TestClient, provider: TestProvider, company_url: str
) -> None:
    before = browser.cookies.get(COOKIE_NAME)
    done = _sign_in(browser, provider, "ray", next_path="/transactions")
    assert done.status_code == 303 and done.headers["location"] == "/transactions"
    assert browser.cookies.get(COOKIE_NAME) != before
    me = _me(browser).json()
    assert (me["username"], me["role"], me["payee_id"], me["via"]) == ("ray", "rep", "RAY", "session")
    login = _audit(company_url, "login")[-1]
    assert login["key"] == "ray" and login["actor"] == "ray"
    assert login["after"] == {"via": "oidc", "issuer": provider.issuer, "subject": "sub-ray"}


def test_the_request_carries_state_nonce_and_a_pkce_challenge_the_token_call_proves(
    browser: TestClient, provider: TestProvider
) -> None:
    location = _start(browser)
    asked = dict(parse_qsl(urlsplit(location).query))
    assert asked["client_id"] == CLIENT_ID and asked["redirect_uri"] == CALLBACK
    assert asked["response_type"] == "code" and asked["scope"].split()[0] == "openid"
    assert asked["code_challenge_method"] == "S256"
    assert len(asked["state"]) >= 32 and len(asked["nonce"]) >= 32
    assert browser.get(_consent(provider, location, "ray")).status_code == 303
    exchange = next(r for r in provider.requests if r["endpoint"] == "token")
    assert s256(exchange["code_verifier"]) == asked["code_challenge"]
    assert "code_verifier" not in location  # the verifier never travels through the browser


def test_a_forged_state_is_refused(browser: TestClient, provider: TestProvider, company_url: str) -> None:
    callback = _consent(provider, _start(browser), "ray")
    forged = callback.replace("state=", "state=x")
    answer = browser.get(forged)
    assert answer.status_code == 400 and "AUTH018" in answer.text and "state" in answer.text
    assert _me(browser).status_code == 401
    assert _audit(company_url, "login_refused")[-1]["after"]["code"] == "AUTH018"  # type: ignore[index]


def test_an_answer_is_used_once_and_only_in_the_browser_that_started(
    browser: TestClient, oidc_app: FastAPI, provider: TestProvider
) -> None:
    callback = _consent(provider, _start(browser), "ray")
    with TestClient(oidc_app, follow_redirects=False) as other:  # an attacker's browser
        stolen = other.get(callback)
        assert stolen.status_code == 400 and "AUTH018" in stolen.text
        assert _me(other).status_code == 401
    assert browser.get(callback).status_code == 303
    browser.post("/logout", data={"csrf_token": csrf_of(browser)})
    replay = browser.get(callback)
    assert replay.status_code == 400 and "AUTH018" in replay.text
    assert _me(browser).status_code == 401


@pytest.mark.parametrize(
    "misbehaviour, reason",
    [
        ("wrong_audience", "aud"),
        ("expired", "exp"),
        ("wrong_nonce", "nonce"),
        ("no_nonce", "nonce"),
        ("wrong_issuer", "iss"),
        ("tampered", "signature"),
        ("foreign_key", "signature"),
        ("alg_none", "signature"),
    ],
)
def test_an_id_token_that_does_not_check_out_is_refused(
    browser: TestClient, provider: TestProvider, company_url: str, misbehaviour: str, reason: str
) -> None:
    provider.misbehave.add(misbehaviour)
    answer = _sign_in(browser, provider, "ray")
    assert answer.status_code == 400 and "AUTH018" in answer.text, answer.text
    assert reason in answer.text
    assert _me(browser).status_code == 401
    refused = _audit(company_url, "login_refused")[-1]
    assert refused["actor"] == "anonymous" and refused["after"]["code"] == "AUTH018"  # type: ignore[index]
    assert _audit(company_url, "login") == []


def test_an_unknown_identity_is_refused_by_default(
    browser: TestClient, provider: TestProvider, company_url: str
) -> None:
    answer = _sign_in(browser, provider, "stranger")
    assert answer.status_code == 403 and "AUTH019" in answer.text
    assert "stranger@example.com" in answer.text
    assert _me(browser).status_code == 401
    refused = _audit(company_url, "login_refused")[-1]
    assert refused["key"] == "stranger@example.com" and refused["after"]["subject"] == "sub-stranger"  # type: ignore[index]
    with reading(company_url) as conn:
        assert (
            conn.execute(select(app_user).where(app_user.c.username == "stranger@example.com")).first()
            is None
        )


def test_an_unknown_identity_can_be_created_with_no_access(
    company_url: str, tmp_path: Path, provider: TestProvider
) -> None:
    app = create_app(_settings(company_url, tmp_path / "home", provider, oidc_create_users=True))
    with TestClient(app, follow_redirects=False) as browser:
        assert _sign_in(browser, provider, "stranger").status_code == 303
        me = _me(browser).json()
        assert (me["username"], me["payee_id"], me["scope"]) == ("stranger@example.com", None, "nothing")
        assert browser.get("/api/v1/payees").json()["total"] == 0
        assert browser.get("/api/v1/transactions").json()["total"] == 0
        assert browser.get("/api/v1/users").status_code == 403
    with TestClient(app, follow_redirects=False) as admin:
        users_page = sign_in(admin, "admin").get("/admin/users").text
    assert "stranger@example.com" in users_page and "no access: not linked to a payee" in users_page
    created = _audit(company_url, "create")[-1]
    assert created["key"] == "stranger@example.com" and created["after"]["payee_id"] is None  # type: ignore[index]
    attempt = TestClient(app, follow_redirects=False)
    wrong = attempt.post(
        "/login",
        data={"username": "stranger@example.com", "password": "!oidc", "csrf_token": csrf_of(attempt)},
    )
    assert wrong.status_code == 401  # an OpenID-created account has no usable password


def test_a_deactivated_or_locked_account_is_refused_even_when_the_provider_says_yes(
    browser: TestClient, provider: TestProvider, company_url: str
) -> None:
    import datetime as dt

    with transaction(company_url) as conn:
        conn.execute(update(app_user).where(app_user.c.username == "ray").values(active=False))
    answer = _sign_in(browser, provider, "ray")
    assert answer.status_code == 403 and "AUTH019" in answer.text and "deactivated" in answer.text
    with transaction(company_url) as conn:
        conn.execute(
            update(app_user)
            .where(app_user.c.username == "ray")
            .values(active=True, locked_until=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10))
        )
    locked = _sign_in(browser, provider, "ray")
    assert locked.status_code == 423 and "AUTH002" in locked.text
    assert _me(browser).status_code == 401
    reasons = [row["after"]["code"] for row in _audit(company_url, "login_refused")]  # type: ignore[index]
    assert reasons[-2:] == ["AUTH019", "AUTH002"]


def test_cancelling_at_the_provider_is_reported(browser: TestClient, provider: TestProvider) -> None:
    answer = browser.get(_consent(provider, _start(browser), "ray", decision="deny"))
    assert answer.status_code == 403 and "AUTH020" in answer.text
    assert _me(browser).status_code == 401


def test_an_unverified_email_does_not_match(browser: TestClient, provider: TestProvider) -> None:
    provider.misbehave.add("unverified_email")
    answer = _sign_in(browser, provider, "ray")
    assert answer.status_code == 403 and "AUTH019" in answer.text and "verified" in answer.text


def test_an_email_shared_by_two_accounts_is_refused_not_guessed(
    browser: TestClient, provider: TestProvider, company_url: str
) -> None:
    from sqlalchemy import insert

    from tests.api.company import CHEAP_HASHER

    with transaction(company_url) as conn:
        conn.execute(
            insert(app_user).values(
                username="ray@example.com", role="admin", password_hash=CHEAP_HASHER.hash("x" * 20)
            )
        )
    answer = _sign_in(browser, provider, "ray")
    assert answer.status_code == 403 and "several" in answer.text
    assert _me(browser).status_code == 401


def test_users_can_be_matched_by_preferred_username(
    company_url: str, tmp_path: Path, provider: TestProvider
) -> None:
    settings = _settings(company_url, tmp_path / "home", provider, oidc_user_claim="preferred_username")
    with TestClient(create_app(settings), follow_redirects=False) as browser:
        assert _sign_in(browser, provider, "mona").status_code == 303
        assert _me(browser).json()["username"] == "mona"


def test_an_unreachable_provider_is_reported_on_the_login_page(
    company_url: str, tmp_path: Path, provider: TestProvider
) -> None:
    from tests.support.oidc_provider import _free_port

    settings = _settings(company_url, tmp_path / "home", provider)
    settings.oidc_issuer = f"http://127.0.0.1:{_free_port()}"
    with TestClient(create_app(settings), follow_redirects=False) as browser:
        answer = browser.get("/login/oidc")
        assert answer.status_code == 502 and "AUTH017" in answer.text
        assert 'name="password"' in answer.text


def test_password_sign_in_keeps_working_next_to_the_provider(browser: TestClient) -> None:
    sign_in(browser, "admin")
    assert _me(browser).json()["role"] == "admin"


def test_a_provider_outside_loopback_must_use_https() -> None:
    config = oidc.OidcConfig(issuer="http://idp.example.com", client_id="c", client_secret="s")
    with pytest.raises(AttainError) as refused:
        oidc.metadata(config)
    assert refused.value.code == "AUTH017"


def test_a_rotated_signing_key_is_fetched_again(browser: TestClient, provider: TestProvider) -> None:
    from joserfc.jwk import RSAKey

    assert _sign_in(browser, provider, "ray").status_code == 303  # the old key set is now cached
    browser.post("/logout", data={"csrf_token": csrf_of(browser)})
    old = provider.key
    provider.key = RSAKey.generate_key(2048, parameters={"kid": "k2", "use": "sig"})
    try:
        assert _sign_in(browser, provider, "ray").status_code == 303
    finally:
        provider.key = old


def test_claims_missing_from_the_id_token_are_read_from_userinfo(
    browser: TestClient, provider: TestProvider
) -> None:
    provider.misbehave.add("thin_id_token")
    assert _sign_in(browser, provider, "ray").status_code == 303
    assert _me(browser).json()["username"] == "ray"
    assert any(r["endpoint"] == "userinfo" for r in provider.requests)


def test_userinfo_about_another_subject_is_refused(browser: TestClient, provider: TestProvider) -> None:
    provider.misbehave.update({"thin_id_token", "userinfo_other_sub"})
    answer = _sign_in(browser, provider, "ray")
    assert answer.status_code == 400 and "AUTH018" in answer.text and "subject" in answer.text
    assert _me(browser).status_code == 401
