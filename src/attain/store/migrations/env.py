"""Alembic environment: runs Attain's migrations on the connection handed over by ``attain.store.db``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from attain.store.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from attain.store.db import create_store_engine

    engine = create_store_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Attain migrations run online only: use `attain db upgrade`")
run_migrations_online()
