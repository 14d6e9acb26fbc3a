"""Fixtures for the API and web tests: the tiny company in a migrated database, an app, clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from attain.api.app import create_app
from attain.services import auth
from attain.settings import Settings
from tests.api.company import CHEAP_HASHER, PASSWORD, seed_company

META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash new passwords with cheap argon2id parameters (and do not upgrade them on sign-in)."""
    monkeypatch.setattr(auth, "hasher", CHEAP_HASHER)


@pytest.fixture
def company_url(migrated_url: str) -> str:
    seed_company(migrated_url)
    return migrated_url


@pytest.fixture
def app(company_url: str, tmp_path: Path) -> FastAPI:
    settings = Settings(home=tmp_path / "home", database_url=company_url, secret_key="test-secret-key")
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def csrf_of(client: TestClient) -> str:
    """The session's CSRF token, read from a page like a browser would."""
    page = client.get("/login", follow_redirects=True)
    match = META_CSRF.search(page.text)
    assert match, page.text
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    token = csrf_of(client)
    answer = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert answer.status_code == 303, answer.text
    return client


@pytest.fixture
def signed_in(app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    """A factory of clients, each signed in as the given user."""
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        test_client = TestClient(app, follow_redirects=False)
        clients.append(test_client)
        return sign_in(test_client, username)

    yield make
    for test_client in clients:
        test_client.close()
