"""Database access: engines (SQLite tuned, PostgreSQL), the unit of work, and running the migrations."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from attain.store.types import dumps_json

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
"""Alembic script location, resolved from the installed package."""

ACTOR_KEY = "attain.actor"
"""Where ``transaction`` keeps the acting user in ``Connection.info``."""

SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_POOL_SIZE = 40
SQLITE_POOL_OVERFLOW = 20

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def _tune_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL, a busy timeout, and real transactions (BEGIN emitted by us, DDL included)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event own BEGIN
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.info.get("attain.write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_store_engine(url: str, **kwargs: Any) -> Engine:
    """A new engine for ``url`` (SQLite file or PostgreSQL), with Attain's JSON serializer and tuning."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        if database and database != ":memory:" and "poolclass" not in kwargs:
            # the web server answers on up to 40 threads: keep their connections (opening one re-runs
            # the PRAGMAs) instead of closing the overflow after each request
            kwargs = {"pool_size": SQLITE_POOL_SIZE, "max_overflow": SQLITE_POOL_OVERFLOW, **kwargs}
        engine = create_engine(url, json_serializer=dumps_json, **kwargs)
        _tune_sqlite(engine)
        return engine
    return create_engine(url, json_serializer=dumps_json, pool_pre_ping=True, **kwargs)


def get_engine(url: str) -> Engine:
    """The shared engine of this process for ``url`` (created on first use)."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = create_store_engine(url)
        return engine


def dispose_engine(url: str) -> None:
    """Close the shared engine of ``url`` (tests call this before dropping a database)."""
    with _engines_lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def _engine(target: str | Engine) -> Engine:
    return target if isinstance(target, Engine) else get_engine(target)


@contextmanager
def transaction(target: str | Engine, actor: str = "system") -> Iterator[Connection]:
    """A unit of work: everything done on the yielded connection commits together or not at all.

    ``actor`` is who is acting (kept in ``conn.info`` for the audit log). On SQLite the transaction
    takes the write lock at once (BEGIN IMMEDIATE) so two writers queue instead of deadlocking.
    """
    with _engine(target).connect() as conn:
        conn.info[ACTOR_KEY] = actor
        conn.info["attain.write"] = True
        try:
            with conn.begin():
                yield conn
        finally:
            conn.info.pop("attain.write", None)
            conn.info.pop(ACTOR_KEY, None)


@contextmanager
def reading(target: str | Engine) -> Iterator[Connection]:
    """A read-only unit of work (a consistent snapshot; rolled back at the end)."""
    with _engine(target).connect() as conn, conn.begin() as tx:
        yield conn
        tx.rollback()


def actor_of(conn: Connection, default: str = "system") -> str:
    """The actor of the unit of work ``conn`` belongs to."""
    return str(conn.info.get(ACTOR_KEY, default))


def alembic_config(url: str) -> Config:
    """An Alembic configuration for ``url`` using the migrations shipped in the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Create or upgrade the database at ``url`` to ``revision`` (default: the latest)."""
    engine = get_engine(url)
    with engine.connect() as conn:
        conn.info["attain.write"] = True
        config = alembic_config(url)
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        conn.commit()


def current_revision(url: str) -> str | None:
    """The migration revision the database at ``url`` is at (None when never migrated)."""
    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def new_revision(message: str, scratch_url: str) -> str:
    """Write a new migration autogenerated from the difference between the migrations and ``tables``.

    ``scratch_url`` is an empty throwaway database: it is upgraded to head first, then compared.
    Returns the path of the new migration file (review it before committing).
    """
    upgrade(scratch_url)
    with get_engine(scratch_url).connect() as conn:
        config = alembic_config(scratch_url)
        config.attributes["connection"] = conn
        script = command.revision(config, message=message, autogenerate=True)
    scripts = script if isinstance(script, list) else [script]
    return ", ".join(str(s.path) for s in scripts if s is not None)


def head_revision() -> str | None:
    """The newest migration revision shipped with this version of Attain."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
