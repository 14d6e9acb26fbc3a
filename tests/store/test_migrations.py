"""The migrations build exactly the schema of ``tables.metadata``, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, String, Table, inspect

from attain.core.entities import ENTITIES
from attain.store.db import alembic_config, current_revision, get_engine, head_revision, upgrade
from attain.store.tables import metadata


def _diff(url: str, target: MetaData) -> list[object]:
    with get_engine(url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, target))


def test_upgrade_creates_every_table_and_records_the_head_revision(db_url: str) -> None:
    assert current_revision(db_url) is None
    upgrade(db_url)
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert set(metadata.tables) <= tables
    assert set(ENTITIES) <= tables
    assert current_revision(db_url) == head_revision() is not None


def test_migrated_schema_matches_the_metadata_exactly(migrated_url: str) -> None:
    assert _diff(migrated_url, metadata) == []


def test_the_comparison_would_notice_a_difference(migrated_url: str) -> None:
    changed = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.tables.values():
        table.to_metadata(changed)
    Table("payee_note", changed, Column("id", Integer, primary_key=True), Column("text", String))
    changed.tables["payee"].append_column(Column("nickname", String))
    kinds = sorted(str(d[0]) for d in _diff(migrated_url, changed))  # type: ignore[index]
    assert kinds == ["add_column", "add_table"]


def test_upgrade_is_idempotent_and_downgrade_removes_everything(migrated_url: str) -> None:
    upgrade(migrated_url)
    assert current_revision(migrated_url) == head_revision()
    with get_engine(migrated_url).connect() as conn:
        config = alembic_config(migrated_url)
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
        conn.commit()
    left = set(inspect(get_engine(migrated_url)).get_table_names()) - {"alembic_version"}
    assert left == set()
