"""Plan versions: drafts can be edited, a published version can never be changed, every change is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import Connection, select

from attain.core.errors import AttainError
from attain.store.db import reading, transaction
from attain.store.repos import (
    get_version,
    latest_published,
    list_versions,
    next_version_number,
    publish,
    retire,
    save_draft,
)
from attain.store.tables import audit_log, plan_version

V1 = "plan: ae_2024\nversion: 1\neffective_from: 2024-01-01\n"
V1_EDITED = V1 + "name: Account Executives\n"


def test_a_draft_can_be_edited_then_published(migrated_url: str) -> None:
    with transaction(migrated_url, actor="fin") as conn:
        save_draft(conn, "ae_2024", 1, V1, actor="fin", effective_from=dt.date(2024, 1, 1))
        edited = save_draft(conn, "ae_2024", 1, V1_EDITED, actor="fin", effective_from=dt.date(2024, 1, 1))
        published = publish(conn, "ae_2024", 1, actor="boss")
    assert edited.document == V1_EDITED and edited.status == "draft"
    assert published.status == "published" and published.published_by == "boss"
    assert published.published_at is not None and published.document == V1_EDITED
    assert len(published.sha256) == 64 and published.sha256 != "0" * 64


def test_a_published_version_is_immutable(migrated_url: str) -> None:
    with transaction(migrated_url) as conn:
        save_draft(conn, "ae_2024", 1, V1, actor="fin")
        publish(conn, "ae_2024", 1, actor="fin")
    attempts: list[Callable[[Connection], object]] = [
        lambda c: save_draft(c, "ae_2024", 1, V1_EDITED, actor="mallory"),
        lambda c: publish(c, "ae_2024", 1, actor="mallory"),
    ]
    for attempt in attempts:
        with pytest.raises(AttainError) as caught, transaction(migrated_url) as conn:
            attempt(conn)
        assert caught.value.code == "DB001"
    with reading(migrated_url) as conn:
        stored = get_version(conn, "ae_2024", 1)
        actors = set(conn.execute(select(audit_log.c.actor)).scalars())
    assert stored.document == V1 and stored.status == "published"
    assert "mallory" not in actors


def test_the_store_refuses_an_edit_even_if_the_version_was_published_meanwhile(migrated_url: str) -> None:
    """The UPDATE itself only touches drafts, so a race with a publisher cannot edit a published text."""
    with transaction(migrated_url) as conn:
        save_draft(conn, "ae_2024", 1, V1, actor="fin")
        conn.execute(plan_version.update().values(status="published"))  # another session published it
        with pytest.raises(AttainError) as caught:
            save_draft(conn, "ae_2024", 1, V1_EDITED, actor="fin")
    assert caught.value.code == "DB001"


def test_a_change_is_a_new_version(migrated_url: str) -> None:
    with transaction(migrated_url) as conn:
        save_draft(conn, "ae_2024", 1, V1, actor="fin")
        publish(conn, "ae_2024", 1, actor="fin")
        number = next_version_number(conn, "ae_2024")
        save_draft(conn, "ae_2024", number, V1_EDITED.replace("version: 1", "version: 2"), actor="fin")
        publish(conn, "ae_2024", number, actor="fin")
        retire(conn, "ae_2024", 1, actor="fin")
        versions = [(v.version, v.status) for v in list_versions(conn, "ae_2024")]
        latest = latest_published(conn, "ae_2024")
    assert number == 2 and versions == [(1, "retired"), (2, "published")]
    assert latest is not None and latest.version == 2


def test_plan_changes_are_audited(migrated_url: str) -> None:
    with transaction(migrated_url) as conn:
        save_draft(conn, "ae_2024", 1, V1, actor="fin")
        save_draft(conn, "ae_2024", 1, V1_EDITED, actor="fin")
        publish(conn, "ae_2024", 1, actor="boss")
        entries = conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings().all()
    assert [(e["action"], e["entity"], e["key"], e["actor"]) for e in entries] == [
        ("create", "plan", "ae_2024", "fin"), ("create", "plan_version", "ae_2024|1", "fin"),
        ("update", "plan_version", "ae_2024|1", "fin"), ("publish", "plan_version", "ae_2024|1", "boss")]
    assert entries[2]["before"]["document"] == V1 and entries[2]["after"]["document"] == V1_EDITED
    assert entries[3]["before"]["status"] == "draft" and entries[3]["after"]["status"] == "published"


def test_unknown_versions_are_reported(migrated_url: str) -> None:
    with reading(migrated_url) as conn, pytest.raises(AttainError) as caught:
        get_version(conn, "nope", 1)
    assert caught.value.code == "DB006"
