"""Plan use cases: check a plan file, publish it as an immutable version, list and read stored versions.

Who reads which version is decided here, not in the pages: admin and finance read every version
(drafts too); a rep reads the published versions of the plans they are on — their own plan
document, as SPM tools show a rep the plan they are paid under — and a manager those of their team
as of today. Other versions are not found (AUTH007), like ones that do not exist.

Publishing runs every check first (a plan with errors is never stored). A published version never
changes: publishing the same plan id and version again with the same content is a no-op; with a
changed document it is refused (PLAN050) — a change is a new version with its own effective date,
which must be later than the version it follows (PLAN051/PLAN052).

Drafts (the web's plan preview): ``save_draft_text`` stores a checked document as a draft version;
``preview_draft`` runs the real engine on the last calculated period twice — the live published plans,
and the same with the draft in place of its plan — and compares what each payee earns (nothing is
stored as a run); then ``publish_draft`` or ``discard_draft``. Sums are exact (Arrow decimals).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, and_, delete, exists, or_, select
from sqlalchemy.sql.elements import ColumnElement

from attain.core.errors import AttainError, Issue, Source, register
from attain.engine import CalcOptions, CalcResult, calculate
from attain.payouts.periods import pay_window
from attain.plans.load import load_plan_text
from attain.plans.validate import check_plan, check_plan_text
from attain.services import access
from attain.services.access import Principal
from attain.services.calc import load_store_inputs, published_plans
from attain.store import plans as store
from attain.store.audit import record
from attain.store.db import reading, transaction
from attain.store.errors import NOT_FOUND
from attain.store.tables import ENTITY_TABLES, period_status, plan_version

PUBLISHED_CHANGED = register(
    "PLAN050", "A published plan version cannot change: publish the change as a new version"
)
VERSION_NOT_NEWER = register("PLAN051", "A new plan version must be numbered above the latest published one")
EFFECTIVE_NOT_LATER = register(
    "PLAN052", "A new plan version must take effect after the version it follows (effective_from)"
)
HAS_ERRORS = register("PLAN053", "A plan with errors cannot be published (run `attain plan check`)")
NOT_A_DRAFT = register(
    "DESK008", "only a draft plan version can be previewed, published from the preview or discarded"
)
NOTHING_CALCULATED = register("DESK009", "a plan preview needs a calculated period: run one first")


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


# -- reading plans: who may see which version ------------------------------------------------------

COMMAND_LINE = Principal(user_id=0, username="command line", role="admin")
"""Whoever runs ``attain plan list/show`` holds the database URL, so reads every version (like
``attain plan publish``, which stores as its operator). Web and API callers pass their own principal."""

plan_assignment = ENTITY_TABLES["plan_assignment"]


def _assigned_in_scope(scope: access.Scope) -> ColumnElement[bool]:
    """A version is a payee's when they are on its plan for some day the version is in force.

    For a rep, themselves; for a manager, themselves and their team as of ``:day`` (binds ``:me``,
    ``:day``). Drafts are never shown outside admin and finance.
    """
    pa, pv = plan_assignment.c, plan_version.c
    overlaps = and_(
        or_(pv.effective_to.is_(None), pa.valid_from <= pv.effective_to),
        or_(pa.valid_to.is_(None), pv.effective_from.is_(None), pa.valid_to >= pv.effective_from),
    )
    assigned = select(pa.plan_id).where(
        pa.plan_id == pv.plan_id, access.payee_filter(pa.payee_id, scope), overlaps
    )
    return and_(pv.status != "draft", exists(assigned))


def _versions(
    conn: Connection, principal: Principal, day: dt.date, *where: ColumnElement[bool]
) -> list[store.PlanVersion]:
    """The versions ``principal`` may read (matching ``where``), by plan then version."""
    query = select(plan_version).where(*where).order_by(plan_version.c.plan_id, plan_version.c.version)
    if not access.allowed(principal, "plans.read"):
        query = query.where(_assigned_in_scope(principal.scope))
    rows = conn.execute(query, access.scope_params(principal, day))
    fields = store.PlanVersion.__dataclass_fields__
    return [store.PlanVersion(**{name: row._mapping[name] for name in fields}) for row in rows]


def list_plan_versions(
    target: str | Engine, principal: Principal, plan_id: str | None = None, day: dt.date | None = None
) -> list[store.PlanVersion]:
    """The plan versions ``principal`` may read (of one plan or all), by plan and version.

    Admin and finance read every version, drafts included. A rep reads the published (and retired)
    versions of the plans they are assigned to while the version is in force — their own plan
    document; a manager also those of their team as of ``day`` (default today). Nothing else.
    """
    where = [] if plan_id is None else [plan_version.c.plan_id == plan_id]
    with reading(target) as conn:
        return _versions(conn, principal, day or dt.date.today(), *where)


def stored_document(
    target: str | Engine,
    principal: Principal,
    plan_id: str,
    version: int | None = None,
    day: dt.date | None = None,
) -> store.PlanVersion:
    """A stored version (default: the latest published one) that ``principal`` may read.

    Admin and finance get DB006 when there is none; anyone else gets AUTH007 for a version that
    does not exist and one that is not theirs alike (guessing plan ids reveals nothing).
    """
    pv = plan_version.c
    which = pv.version == version if version is not None else pv.status == "published"
    where = [pv.plan_id == plan_id, which]
    with reading(target) as conn:
        found = _versions(conn, principal, day or dt.date.today(), *where)
    if found:
        return found[-1]
    if not access.allowed(principal, "plans.read"):
        raise access.not_found("plan version", f"{plan_id} {version or ''}".strip())
    if version is not None:
        raise AttainError(f"plan {plan_id!r} has no version {version}", code=NOT_FOUND)
    raise AttainError(f"plan {plan_id!r} has no published version", code=NOT_FOUND)


# -- drafts: save, preview against the live plans, publish or discard ------------------------------


def save_draft_text(target: str | Engine, principal: Principal, text: str, source: str) -> store.PlanVersion:
    """Check an uploaded document and keep it as a draft version (admin); errors keep nothing."""
    access.require(principal, "plans.publish")
    with reading(target) as conn:
        quotas = quota_measures(conn)
    loaded = check_plan_text(text, source, quotas)
    errors = [issue for issue in loaded.issues if issue.is_error]
    if errors or loaded.document is None:
        raise AttainError(f"{source} has {len(errors)} error(s); nothing was saved", errors, code=HAS_ERRORS)
    doc = loaded.document
    with transaction(target, principal.actor) as conn:
        existing = store.find_version(conn, doc.plan, doc.version)
        if existing is not None and existing.status != "draft":
            _same_or_refuse(existing, text, source)
            raise AttainError(
                f"{doc.plan} version {doc.version} is already {existing.status}", code=NOT_A_DRAFT
            )
        _follows_latest(conn, doc.plan, doc.version, doc.effective_from, source)
        return store.save_draft(
            conn,
            doc.plan,
            doc.version,
            text,
            actor=principal.username,
            name=doc.name,
            effective_from=doc.effective_from,
            effective_to=doc.effective_to,
        )


def _draft(conn: Connection, plan_id: str, version: int) -> store.PlanVersion:
    found = store.get_version(conn, plan_id, version)
    if found.status != "draft":
        raise AttainError(f"{plan_id} version {version} is {found.status}, not a draft", code=NOT_A_DRAFT)
    return found


def publish_draft(
    target: str | Engine, principal: Principal, plan_id: str, version: int
) -> store.PlanVersion:
    """Publish a previewed draft (admin): checked again, then immutable."""
    access.require(principal, "plans.publish")
    with transaction(target, principal.actor) as conn:
        draft = _draft(conn, plan_id, version)
        loaded = check_plan_text(draft.document, f"{plan_id}@{version}", quota_measures(conn))
        errors = [issue for issue in loaded.issues if issue.is_error]
        if errors or loaded.document is None:
            raise AttainError(
                f"{plan_id} version {version} has {len(errors)} error(s)", errors, code=HAS_ERRORS
            )
        _follows_latest(conn, plan_id, version, loaded.document.effective_from, f"{plan_id}@{version}")
        return store.publish(conn, plan_id, version, actor=principal.username)


def discard_draft(target: str | Engine, principal: Principal, plan_id: str, version: int) -> None:
    """Throw a draft away (admin); published versions are never deleted."""
    access.require(principal, "plans.publish")
    with transaction(target, principal.actor) as conn:
        draft = _draft(conn, plan_id, version)
        gone = conn.execute(
            delete(plan_version).where(
                plan_version.c.plan_id == plan_id,
                plan_version.c.version == version,
                plan_version.c.status == "draft",
            )
        )
        if gone.rowcount != 1:
            raise AttainError(f"{plan_id} version {version} is no longer a draft", code=NOT_A_DRAFT)
        record(conn, principal.username, "discard", "plan_version", draft.key, asdict(draft), None)


@dataclass(frozen=True)
class PlanPreview:
    """A draft against the live plans on one calculated period: totals, every payee, who gains and loses."""

    plan_id: str
    version: int
    period_label: str
    live_versions: list[int]
    totals: list[dict[str, Any]]
    payees: list[dict[str, Any]]
    gainers: int
    losers: int
    unchanged: int
    issues: list[Issue]


def last_calculated_period(conn: Connection) -> str | None:
    """The latest period whose payouts were calculated (any status past ``open``)."""
    labels = conn.execute(
        select(period_status.c.period_label).where(
            period_status.c.status != "open", period_status.c.run_id.is_not(None)
        )
    ).scalars()
    found = sorted(str(label) for label in labels)
    return found[-1] if found else None


def preview_draft(
    target: str | Engine, principal: Principal, plan_id: str, version: int, period_label: str | None = None
) -> PlanPreview:
    """The engine on ``period_label`` (default: the last calculated), live plans vs. the draft in place."""
    access.require(principal, "plans.read")
    with reading(target) as conn:
        draft = _draft(conn, plan_id, version)
        label = period_label or last_calculated_period(conn)
    if not label:
        raise AttainError("no period has been calculated yet: run one, then preview", code=NOTHING_CALCULATED)
    live = published_plans(target)
    document = load_plan_text(draft.document, source=f"{plan_id}@{version}").document
    if document is None:
        raise AttainError(f"{plan_id} version {version} is not a valid plan", code=HAS_ERRORS)
    window = pay_window(live or [document], [label])
    first_day = window.periods[0].start
    in_force = document.model_copy(
        update={"effective_from": min(first_day, document.effective_from), "effective_to": None}
    )
    with_draft = [doc for doc in live if doc.plan != plan_id] + [in_force]
    inputs = load_store_inputs(target)
    options = CalcOptions(explanations=False, trace=False)
    before = calculate(inputs, live, window.labels, options) if live else None
    after = calculate(inputs, with_draft, window.labels, options)
    rows = _compare(_paid(before, label), _paid(after, label))
    _name(target, rows)
    return PlanPreview(
        plan_id,
        version,
        label,
        sorted(d.version for d in live if d.plan == plan_id),
        _totals(rows),
        rows,
        sum(1 for r in rows if r["delta"] > 0),
        sum(1 for r in rows if r["delta"] < 0),
        sum(1 for r in rows if r["delta"] == 0),
        after.issues,
    )


def _paid(result: CalcResult | None, label: str) -> pa.Table:
    """Earned per payee and currency in the period (component totals as paid, summed exactly)."""
    schema = pa.schema(
        [("payee_id", pa.string()), ("currency", pa.string()), ("amount", pa.decimal128(30, 10))]
    )
    if result is None or result.component_totals.num_rows == 0:
        return schema.empty_table()
    totals = result.component_totals
    totals = totals.filter(pc.equal(totals.column("period_label"), label))
    summed = totals.group_by(["payee_id", "currency"]).aggregate([("amount_rounded", "sum")])
    amounts = summed.column("amount_rounded_sum").cast(pa.decimal128(30, 10))
    return pa.table(
        {"payee_id": summed.column("payee_id"), "currency": summed.column("currency"), "amount": amounts},
        schema=schema,
    )


def _compare(live: pa.Table, draft: pa.Table) -> list[dict[str, Any]]:
    joined = live.rename_columns(["payee_id", "currency", "live"]).join(
        draft.rename_columns(["payee_id", "currency", "draft"]),
        keys=["payee_id", "currency"],
        join_type="full outer",
    )
    zero = pa.scalar(Decimal(0), pa.decimal128(30, 10))
    old = pc.fill_null(joined.column("live"), zero)
    new = pc.fill_null(joined.column("draft"), zero)
    delta = pc.subtract(new, old)
    table = pa.table(
        {
            "payee_id": joined.column("payee_id"),
            "currency": joined.column("currency"),
            "live": old,
            "draft": new,
            "delta": delta,
        }
    )
    order = pc.sort_indices(table, sort_keys=[("payee_id", "ascending"), ("currency", "ascending")])
    return [{**row, "name": None} for row in table.take(order).to_pylist()]


def _totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sums: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = sums.setdefault(
            row["currency"], {"currency": row["currency"], "live": Decimal(0), "draft": Decimal(0)}
        )
        entry["live"] += row["live"]
        entry["draft"] += row["draft"]
    return [{**entry, "delta": entry["draft"] - entry["live"]} for _, entry in sorted(sums.items())]


def _name(target: str | Engine, rows: list[dict[str, Any]]) -> None:
    payee = ENTITY_TABLES["payee"]
    with reading(target) as conn:
        names = {str(r.payee_id): r.name for r in conn.execute(select(payee.c.payee_id, payee.c.name))}
    for row in rows:
        row["name"] = names.get(row["payee_id"])
