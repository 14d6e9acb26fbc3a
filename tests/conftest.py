"""Shared fixtures: a fresh database per test on SQLite and on PostgreSQL, migrated or not.

``db_url`` is parametrized over ``sqlite`` (a new file in tmp_path) and ``postgres`` (a new schema in
the server named by ATTAIN_TEST_POSTGRES_URL, dropped afterwards; start it with
``eval "$(bash scripts/postgres.sh start)"``). Without that variable the postgres cases are skipped,
except in CI (env ``CI`` set) where they fail. ``migrated_url`` is ``db_url`` upgraded to the latest
migration. ``attain_home`` points the settings at a temporary home.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

POSTGRES_ENV = "ATTAIN_TEST_POSTGRES_URL"


def _postgres_base_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{POSTGRES_ENV} is not set but CI is: PostgreSQL tests must run in CI")
    pytest.skip(f"{POSTGRES_ENV} not set: run `eval \"$(bash scripts/postgres.sh start)\"`")


def _with_search_path(url: str, schema: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL whose default schema is a fresh, empty schema private to this test."""
    from sqlalchemy import text

    from attain.store.db import create_store_engine, dispose_engine

    base = _postgres_base_url()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_store_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _with_search_path(base, schema)
    try:
        yield url
    finally:
        dispose_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    """A SQLite URL for a new database file in this test's tmp_path."""
    from attain.store.db import dispose_engine

    url = f"sqlite:///{tmp_path / 'attain.db'}"
    yield url
    dispose_engine(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """An empty database, once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def migrated_url(db_url: str) -> str:
    """``db_url`` with every migration applied (the full Attain schema)."""
    from attain.store.db import upgrade

    upgrade(db_url)
    return db_url


@pytest.fixture
def attain_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Settings pointed at a temporary home (ATTAIN_HOME); the settings cache is cleared around the test."""
    from attain.settings import get_settings

    home = tmp_path / "home"
    monkeypatch.setenv("ATTAIN_HOME", str(home))
    for name in ("ATTAIN_DATABASE_URL", "ATTAIN_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()
