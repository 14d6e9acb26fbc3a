"""Plan use cases: check a plan file, publish it as an immutable version, list stored versions.

Publishing runs every check first (a plan with errors is never stored). A published version never
changes: publishing the same plan id and version again with the same content is a no-op; with a
changed document it is refused (PLAN050) — a change is a new version with its own effective date,
which must be later than the version it follows (PLAN051/PLAN052).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from attain.core.errors import AttainError, Issue, Source, register
from attain.plans.load import load_plan_text
from attain.plans.validate import check_plan, check_plan_text
from attain.store import plans as store
from attain.store.db import reading, transaction
from attain.store.errors import NOT_FOUND
from attain.store.tables import ENTITY_TABLES

PUBLISHED_CHANGED = register(
    "PLAN050", "A published plan version cannot change: publish the change as a new version"
)
VERSION_NOT_NEWER = register("PLAN051", "A new plan version must be numbered above the latest published one")
EFFECTIVE_NOT_LATER = register(
    "PLAN052", "A new plan version must take effect after the version it follows (effective_from)"
)
HAS_ERRORS = register("PLAN053", "A plan with errors cannot be published (run `attain plan check`)")


@dataclass(frozen=True)
class Published:
    """What publishing did: ``published`` (new version) or ``unchanged`` (same content already)."""

    plan_id: str
    version: int
    outcome: str
    warnings: list[Issue]


def quota_measures(conn: Connection) -> set[str]:
    """The quota measure names that have at least one quota row in the store."""
    quota = ENTITY_TABLES["quota"]
    return {str(row[0]) for row in conn.execute(select(quota.c.measure).distinct())}


def check_file(path: Path, known_quotas: Collection[str] | None = None) -> list[Issue]:
    """Every problem of a plan file (schema and semantic), in line order."""
    return check_plan(path, known_quotas).issues


def check_text(
    text: str, source: str = "plan.yaml", known_quotas: Collection[str] | None = None
) -> list[Issue]:
    """Every problem of plan text held in memory (the web editor, an upload), in line order."""
    return check_plan_text(text, source, known_quotas).issues


def publish_file(target: str | Engine, path: Path, actor: str) -> Published:
    """Check and publish a plan file as an immutable version; AttainError when refused."""
    with reading(target) as conn:
        quotas = quota_measures(conn)
    loaded = check_plan(path, quotas)
    errors = [issue for issue in loaded.issues if issue.is_error]
    if errors or loaded.document is None:
        raise AttainError(
            f"{path} has {len(errors)} error(s); nothing was published", errors, code=HAS_ERRORS
        )
    doc = loaded.document
    warnings = [issue for issue in loaded.issues if not issue.is_error]
    with transaction(target, actor) as conn:
        existing = store.find_version(conn, doc.plan, doc.version)
        if existing is not None and existing.status != "draft":
            _same_or_refuse(existing, loaded.text, str(path))
            return Published(doc.plan, doc.version, "unchanged", warnings)
        if existing is None:
            _follows_latest(conn, doc.plan, doc.version, doc.effective_from, str(path))
        store.save_draft(
            conn,
            doc.plan,
            doc.version,
            loaded.text,
            actor=actor,
            name=doc.name,
            effective_from=doc.effective_from,
            effective_to=doc.effective_to,
        )
        store.publish(conn, doc.plan, doc.version, actor=actor)
    return Published(doc.plan, doc.version, "published", warnings)


def _canonical(text: str) -> Any:
    document = load_plan_text(text).document
    return None if document is None else document.model_dump(mode="json", by_alias=True)


def _same_or_refuse(existing: store.PlanVersion, text: str, source: str) -> None:
    if existing.document == text or _canonical(existing.document) == _canonical(text):
        return
    issue = Issue(
        PUBLISHED_CHANGED,
        f"plan {existing.plan_id!r} version {existing.version} is already "
        f"{existing.status} with a different document; publish the change as a new version "
        "(a higher `version` with its own `effective_from`)",
        source=Source(file=source, line=None),
    )
    raise AttainError(issue.message, [issue], code=PUBLISHED_CHANGED)


def _follows_latest(conn: Connection, plan_id: str, version: int, effective_from: Any, source: str) -> None:
    latest = store.latest_published(conn, plan_id)
    if latest is None:
        return
    if version < latest.version:
        issue = Issue(
            VERSION_NOT_NEWER,
            f"plan {plan_id!r}: version {version} is below the latest published "
            f"version {latest.version}; number the change {latest.version + 1}",
            source=Source(source),
        )
        raise AttainError(issue.message, [issue], code=VERSION_NOT_NEWER)
    if latest.effective_from is not None and effective_from <= latest.effective_from:
        issue = Issue(
            EFFECTIVE_NOT_LATER,
            f"plan {plan_id!r} version {version} takes effect on {effective_from}, "
            f"not after version {latest.version} ({latest.effective_from})",
            source=Source(source),
        )
        raise AttainError(issue.message, [issue], code=EFFECTIVE_NOT_LATER)


def list_plan_versions(target: str | Engine, plan_id: str | None = None) -> list[store.PlanVersion]:
    """Every stored plan version (of one plan or all), by plan and version."""
    with reading(target) as conn:
        return store.list_versions(conn, plan_id)


def stored_document(target: str | Engine, plan_id: str, version: int | None = None) -> store.PlanVersion:
    """A stored version (default: the latest published one); AttainError DB006 when there is none."""
    with reading(target) as conn:
        if version is not None:
            return store.get_version(conn, plan_id, version)
        latest = store.latest_published(conn, plan_id)
    if latest is None:
        raise AttainError(f"plan {plan_id!r} has no published version", code=NOT_FOUND)
    return latest
