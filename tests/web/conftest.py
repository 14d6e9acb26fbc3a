"""The web page tests share the API tests' company, app and client fixtures, plus a module-scoped
migrated database (``_module_db``, SQLite and PostgreSQL) for pages that need a real pay run."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import app, cheap_hashing, client, company_url, signed_in
from tests.conftest import BACKENDS, POSTGRES_ENV, _database_url, _postgres_base_url

__all__ = ["app", "cheap_hashing", "client", "company_url", "signed_in"]


@pytest.fixture(scope="module", params=BACKENDS)
def _module_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database shared by one module's tests (copied from the session's template)."""
    from sqlalchemy import Engine, text

    from attain.store.db import dispose_engine

    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path_factory.mktemp("module_db") / "attain.db"
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
        yield url
        dispose_engine(url)
        return
    _postgres_base_url()  # skips (or fails in CI) without a PostgreSQL server
    admin = request.getfixturevalue("_postgres_admin")
    template_name = request.getfixturevalue("_postgres_template")
    assert isinstance(admin, Engine) and template_name is not None
    name = f"attain_m_{uuid.uuid4().hex[:16]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}" STRATEGY FILE_COPY'))
    url = _database_url(str(os.environ[POSTGRES_ENV]), name)
    try:
        yield url
    finally:
        dispose_engine(url)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
