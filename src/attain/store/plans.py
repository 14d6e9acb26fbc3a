"""Plan versions in the store: save drafts, publish, retire, read. A published version is never edited.

A change to a published plan is a new version (``save_draft`` with the next number), never an edit:
saving over a published or retired version raises ``AttainError`` DB001. Every change is audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from attain.core.errors import AttainError
from attain.store.audit import record
from attain.store.errors import NOT_FOUND, PUBLISHED_IS_IMMUTABLE
from attain.store.tables import plan, plan_version


@dataclass(frozen=True, slots=True)
class PlanVersion:
    """One stored version of a plan document."""

    plan_id: str
    version: int
    status: str
    document: str
    sha256: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    created_by: str
    created_at: dt.datetime
    published_by: str | None
    published_at: dt.datetime | None

    @property
    def key(self) -> str:
        return f"{self.plan_id}|{self.version}"


def _sha256(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def _row_to_version(row: Any) -> PlanVersion:
    return PlanVersion(**{name: row._mapping[name] for name in PlanVersion.__dataclass_fields__})


def find_version(conn: Connection, plan_id: str, version: int) -> PlanVersion | None:
    """The stored version, or None."""
    row = conn.execute(select(plan_version).where(
        plan_version.c.plan_id == plan_id, plan_version.c.version == version)).first()
    return None if row is None else _row_to_version(row)


def get_version(conn: Connection, plan_id: str, version: int) -> PlanVersion:
    """The stored version, or an ``AttainError`` DB006."""
    found = find_version(conn, plan_id, version)
    if found is None:
        raise AttainError(f"plan {plan_id!r} has no version {version}", code=NOT_FOUND)
    return found


def list_versions(conn: Connection, plan_id: str | None = None) -> list[PlanVersion]:
    """Every version (of one plan, or of all plans), by plan then version."""
    query = select(plan_version).order_by(plan_version.c.plan_id, plan_version.c.version)
    if plan_id is not None:
        query = query.where(plan_version.c.plan_id == plan_id)
    return [_row_to_version(row) for row in conn.execute(query)]


def latest_published(conn: Connection, plan_id: str) -> PlanVersion | None:
    """The highest published version of a plan (None when nothing is published)."""
    row = conn.execute(select(plan_version).where(
        plan_version.c.plan_id == plan_id, plan_version.c.status == "published",
    ).order_by(plan_version.c.version.desc()).limit(1)).first()
    return None if row is None else _row_to_version(row)


def next_version_number(conn: Connection, plan_id: str) -> int:
    """The number a new version of ``plan_id`` would get."""
    highest = conn.execute(select(func.max(plan_version.c.version))
                           .where(plan_version.c.plan_id == plan_id)).scalar()
    return int(highest or 0) + 1


def _ensure_plan(conn: Connection, plan_id: str, name: str | None, actor: str) -> None:
    if conn.execute(select(plan.c.id).where(plan.c.plan_id == plan_id)).first() is not None:
        return
    now = dt.datetime.now(dt.UTC)
    values = {"plan_id": plan_id, "name": name, "created_by": actor, "created_at": now}
    conn.execute(insert(plan).values(values))
    record(conn, actor, "create", "plan", plan_id, None, values)


def _immutable(existing: PlanVersion) -> AttainError:
    return AttainError(
        f"plan {existing.plan_id} version {existing.version} is {existing.status} and cannot be changed; "
        f"save it as a new version", code=PUBLISHED_IS_IMMUTABLE)


def save_draft(conn: Connection, plan_id: str, version: int, document: str, *, actor: str,
               name: str | None = None, effective_from: dt.date | None = None,
               effective_to: dt.date | None = None) -> PlanVersion:
    """Create a draft version or replace an existing draft's text; a published version is DB001."""
    _ensure_plan(conn, plan_id, name, actor)
    existing = find_version(conn, plan_id, version)
    values = {"document": document, "sha256": _sha256(document), "effective_from": effective_from,
              "effective_to": effective_to}
    if existing is None:
        now = dt.datetime.now(dt.UTC)
        conn.execute(insert(plan_version).values(
            plan_id=plan_id, version=version, status="draft", created_by=actor, created_at=now, **values))
        saved = get_version(conn, plan_id, version)
        record(conn, actor, "create", "plan_version", saved.key, None, asdict(saved))
        return saved
    changed = conn.execute(update(plan_version).values(values).where(
        plan_version.c.id == _row_id(conn, plan_id, version), plan_version.c.status == "draft"))
    if changed.rowcount != 1:  # published (or retired) in the meantime: never edit it
        raise _immutable(get_version(conn, plan_id, version))
    saved = get_version(conn, plan_id, version)
    record(conn, actor, "update", "plan_version", saved.key, asdict(existing), asdict(saved))
    return saved


def _row_id(conn: Connection, plan_id: str, version: int) -> int:
    return int(conn.execute(select(plan_version.c.id).where(
        plan_version.c.plan_id == plan_id, plan_version.c.version == version)).scalar_one())


def _change_status(conn: Connection, plan_id: str, version: int, *, actor: str, source: str,
                   target: str, extra: dict[str, Any]) -> PlanVersion:
    before = get_version(conn, plan_id, version)
    if before.status != source:
        if before.status in ("published", "retired") and target == "published":
            raise _immutable(before)
        raise AttainError(f"plan {plan_id} version {version} is {before.status}, not {source}",
                          code=PUBLISHED_IS_IMMUTABLE)
    changed = conn.execute(update(plan_version).values(status=target, **extra).where(
        plan_version.c.id == _row_id(conn, plan_id, version), plan_version.c.status == source))
    if changed.rowcount != 1:
        raise _immutable(get_version(conn, plan_id, version))
    after = get_version(conn, plan_id, version)
    record(conn, actor, _verb(target), "plan_version", after.key, asdict(before), asdict(after))
    return after


def _verb(status: str) -> str:
    return {"published": "publish", "retired": "retire"}.get(status, status)


def publish(conn: Connection, plan_id: str, version: int, *, actor: str) -> PlanVersion:
    """Publish a draft: from now on its document never changes (publishing again is DB001)."""
    now = dt.datetime.now(dt.UTC)
    return _change_status(conn, plan_id, version, actor=actor, source="draft", target="published",
                          extra={"published_by": actor, "published_at": now})


def retire(conn: Connection, plan_id: str, version: int, *, actor: str) -> PlanVersion:
    """Retire a published version (kept for history; its document stays as published)."""
    return _change_status(conn, plan_id, version, actor=actor, source="published", target="retired", extra={})
