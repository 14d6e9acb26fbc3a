"""Shared fixtures: a fresh database per test on SQLite and on PostgreSQL, migrated or not.

``db_url`` is parametrized over ``sqlite`` (a new file in tmp_path) and ``postgres`` (a new schema in
the server named by ATTAIN_TEST_POSTGRES_URL, dropped afterwards; start it with
``eval "$(bash scripts/postgres.sh start)"``). Without that variable the postgres cases are skipped,
except in CI (env ``CI`` set) where they fail. ``migrated_url`` is a database with every migration
applied, again on both backends; to keep it cheap the migrations run once per test process into a
template (a SQLite file that is copied, a PostgreSQL database cloned with CREATE DATABASE ...
TEMPLATE), and each test gets its own copy, dropped afterwards. ``attain_home`` points the settings
at a temporary home.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# CI explores the same examples every run (a red CI is then reproducible and never random);
# developers' runs keep exploring new ones, and a failure they find becomes a golden scenario.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

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


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest) -> str:
    """An empty database, once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once per test process."""
    from attain.store.db import dispose_engine, upgrade

    path = tmp_path_factory.mktemp("template") / "attain.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    dispose_engine(url)
    raw = sqlite3.connect(path)  # fold the write-ahead log into the file before copying it
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    return path


def _database_url(base: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(base).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _postgres_admin() -> Iterator[object]:
    """An autocommit engine on the test server (for CREATE/DROP DATABASE), or None without a server."""
    from sqlalchemy import create_engine

    base = os.environ.get(POSTGRES_ENV)
    if not base:
        yield None
        return
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _postgres_template(_postgres_admin: object) -> Iterator[str | None]:
    """A migrated PostgreSQL database used as a template, made once per test process."""
    from sqlalchemy import Engine, text

    from attain.store.db import dispose_engine, upgrade

    if not isinstance(_postgres_admin, Engine):
        yield None
        return
    name = f"attain_tpl_{uuid.uuid4().hex[:12]}"
    with _postgres_admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = _database_url(str(os.environ[POSTGRES_ENV]), name)
    try:
        upgrade(url)
        dispose_engine(url)
        yield name
    finally:
        dispose_engine(url)
        with _postgres_admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def _migrated_sqlite(_sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    from attain.store.db import dispose_engine

    path = tmp_path / "attain.db"
    shutil.copyfile(_sqlite_template, path)
    url = f"sqlite:///{path}"
    yield url
    dispose_engine(url)


@pytest.fixture
def _migrated_postgres(_postgres_admin: object, _postgres_template: str | None) -> Iterator[str]:
    from sqlalchemy import Engine, text

    from attain.store.db import dispose_engine

    base = _postgres_base_url()
    assert isinstance(_postgres_admin, Engine) and _postgres_template is not None
    name = f"attain_t_{uuid.uuid4().hex[:16]}"
    with _postgres_admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_postgres_template}" STRATEGY FILE_COPY'))
    url = _database_url(base, name)
    try:
        yield url
    finally:
        dispose_engine(url)
        with _postgres_admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def migrated_url(request: pytest.FixtureRequest) -> str:
    """A database with the full Attain schema (every migration applied), on SQLite and on PostgreSQL."""
    name = "_migrated_sqlite" if request.param == "sqlite" else "_migrated_postgres"
    return str(request.getfixturevalue(name))


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
