"""Quota versions: draft -> approved -> published, with who/when, comments, diffs, feeding the engine.

A quota version is a named set of quotas (assignee x measure x period) that takes effect from a date.
- *Draft*: created by a planner or an admin from a quota file (the ``attain import quota`` columns)
  or as a copy of an earlier version; its lines may be replaced and anyone allowed to see it may comment.
- *Approved*: by finance or an admin who is not the author (four eyes); it may be sent back to draft.
- *Published*: by finance or an admin. Its lines are written to the ``quota`` table the engine reads,
  with ``quota.version`` = one above every version written before, so they win over earlier quotas of
  the same assignee and period (docs/calculation.md: "highest version"). Lines may not start before
  the version's ``effective_from`` (PLNG012), and publishing never touches a pay period that is
  approved, paid or locked (PLNG013): the history of approved pay is never rewritten. A published
  version never changes; a change is a new version (``based_on``), and ``diff`` shows what moved.
  Assignees a new version leaves out keep the quota they had.

Every step is in the audit log (entity ``quota_version``) and in the version's own comment trail.

Every public function takes the acting ``Principal`` (no default) and checks its role first (AUTH004,
before any id is looked up). Drafting (create, replace lines) is admin's and the planner's; approving,
sending back and publishing finance's and admin's. Reading a version — the list, its lines and comment
trail, a diff, the expected attainment — and commenting on it need ``quota_versions.read`` (admin,
finance, planner): versions are planning work in progress, and a draft's quotas are nobody's business
until published. The version records who did each step by user name (the four-eyes rule compares
them); the audit log names the principal as it acts (``Principal.actor``: with its API token). A
manager or rep reads the quotas in force (what a published version wrote) on the payee page, within
their scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
from sqlalchemy import Connection, Engine, func, insert, select, update

from attain.core.entities import ENTITIES, REVERSAL_KINDS
from attain.core.errors import AttainError, Issue, Source
from attain.core.periods import CALENDAR
from attain.crediting.transactions import CREDITED_KINDS
from attain.ingest.mapping import identity_mapping
from attain.ingest.readers import LINE, ReadError, read_rows
from attain.ingest.validate import validate
from attain.planning.attainment import TeamOutlook, expected_attainment
from attain.planning.codes import (
    BAD_QUOTA_FILE,
    BEFORE_EFFECTIVE,
    CLOSED_PERIOD,
    NO_HISTORY,
    NO_VERSION,
    OWN_APPROVAL,
    WRONG_STATUS,
)
from attain.services.access import FORBIDDEN, Principal, require
from attain.store.audit import record
from attain.store.bulk import upsert
from attain.store.db import reading, transaction
from attain.store.tables import (
    ENTITY_TABLES,
    calc_run,
    period_status,
    quota_version,
    quota_version_comment,
    run_measure,
)
from attain.store.tables import quota_version_line as line_table

MAY_DRAFT = ("admin", "planner")
"""Roles that create and edit drafts: a planner sets quotas, but never approves or publishes them
(so never their own), and sees no pay."""
MAY_APPROVE = ("finance", "admin")
"""Roles that approve or send back a version (never its author)."""
MAY_PUBLISH = ("finance", "admin")
"""Roles that publish an approved version into the quotas the engine reads."""
CLOSED_STATUSES = ("approved", "paid", "locked")
"""Pay-period statuses whose quotas are history: publishing never changes them."""
LINE_FIELDS = ("assignee_kind", "assignee_id", "measure", "period_start", "period_end", "amount", "currency")
Target = str | Engine


@dataclass(frozen=True)
class QuotaVersion:
    """A quota version and its workflow stamps."""

    id: int
    name: str
    number: int
    status: str
    effective_from: dt.date
    based_on_id: int | None
    created_by: str
    created_at: dt.datetime | None
    approved_by: str | None
    approved_at: dt.datetime | None
    published_by: str | None
    published_at: dt.datetime | None
    published_as: int | None
    lines: int = 0

    @property
    def label(self) -> str:
        return f"{self.name} v{self.number}"


@dataclass(frozen=True)
class QuotaLine:
    """One quota of a version."""

    assignee_kind: str
    assignee_id: str
    measure: str
    period_start: dt.date
    period_end: dt.date
    amount: Decimal
    currency: str

    @property
    def key(self) -> tuple[str, str, str, dt.date, dt.date]:
        return (self.assignee_kind, self.assignee_id, self.measure, self.period_start, self.period_end)


@dataclass(frozen=True)
class Note:
    """A comment, or the note of a workflow step (create, approve, send back, publish)."""

    author: str
    action: str
    text: str
    at: dt.datetime


@dataclass(frozen=True)
class LineChange:
    """How one quota differs between two versions: added, removed or changed (with the change)."""

    key: tuple[str, str, str, dt.date, dt.date]
    before: Decimal | None
    after: Decimal | None

    @property
    def change(self) -> str:
        if self.before is None:
            return "added"
        return "removed" if self.after is None else "changed"

    @property
    def delta(self) -> Decimal:
        return (self.after or Decimal(0)) - (self.before or Decimal(0))


@dataclass(frozen=True)
class VersionDetail:
    """A version with its lines and its comment trail."""

    version: QuotaVersion
    lines: list[QuotaLine]
    notes: list[Note]


def _require(principal: Principal, roles: Sequence[str], what: str) -> None:
    """``FORBIDDEN`` (AUTH004) unless the principal's role is one of ``roles``."""
    if principal.role not in roles:
        raise AttainError(f"Your role ({principal.role}) cannot {what} a quota version "
                          f"(allowed: {', '.join(roles)}).", code=FORBIDDEN)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- reading lines from a file ----------------------------------------------------------------------


def read_lines(path: Path) -> list[QuotaLine]:
    """Quota lines from a CSV/XLSX with the quota import columns; every bad cell is a PLNG014 issue."""
    try:
        rows = read_rows(path)
    except ReadError as exc:
        raise AttainError(f"{path}: cannot read the quota file", exc.issues, code=BAD_QUOTA_FILE) from exc
    checked = validate(identity_mapping(ENTITIES["quota"], rows), ENTITIES["quota"])
    errors = [issue for issue in checked.issues if issue.is_error]
    if errors:
        raise AttainError(f"{path} has {len(errors)} error(s); no version was saved", errors,
                          code=BAD_QUOTA_FILE)
    table = checked.table.select([*LINE_FIELDS, LINE])
    kind, currency = (str(ENTITIES["quota"].field(f).default) for f in ("assignee_kind", "currency"))
    lines = [QuotaLine(r["assignee_kind"] or kind, r["assignee_id"], r["measure"], r["period_start"],
                       r["period_end"], r["amount"], r["currency"] or currency) for r in table.to_pylist()]
    _check_periods(lines, [int(n) for n in table[LINE].to_pylist()], str(path))
    return lines


def _check_periods(lines: Sequence[QuotaLine], numbers: Sequence[int | None], file: str) -> None:
    bad = [Issue(BAD_QUOTA_FILE, f"period_end {q.period_end} is before period_start {q.period_start}",
                 source=Source(file=file, line=n)) for q, n in zip(lines, numbers, strict=True)
           if q.period_end < q.period_start]
    seen: dict[tuple[str, str, str, dt.date], int | None] = {}
    for q, n in zip(lines, numbers, strict=True):
        key = (q.assignee_kind, q.assignee_id, q.measure, q.period_start)
        if key in seen:
            bad.append(Issue(BAD_QUOTA_FILE, f"{q.assignee_id} {q.measure} from {q.period_start} is also on "
                             f"line {seen[key]}", source=Source(file=file, line=n)))
        seen[key] = n
    if bad:
        raise AttainError(f"{file} has {len(bad)} error(s); no version was saved", bad, code=BAD_QUOTA_FILE)


def _check_effective(lines: Sequence[QuotaLine], effective_from: dt.date, source: str) -> None:
    early = [Issue(BEFORE_EFFECTIVE, f"{q.assignee_id} {q.measure} {q.period_start}..{q.period_end} starts "
                   f"before the version takes effect ({effective_from})", source=Source(file=source))
             for q in lines if q.period_start < effective_from]
    if early:
        raise AttainError(f"{len(early)} quota line(s) start before {effective_from}; a version only sets "
                          "quotas from its effective date on", early, code=BEFORE_EFFECTIVE)


# -- store access -------------------------------------------------------------------------------------


def _version(conn: Connection, version_id: int) -> QuotaVersion:
    count = (select(func.count()).select_from(line_table).where(line_table.c.version_id == quota_version.c.id)
             .scalar_subquery())
    query = select(quota_version, count.label("lines")).where(quota_version.c.id == version_id)
    row = conn.execute(query).first()
    if row is None:
        raise AttainError(f"no quota version {version_id}", code=NO_VERSION)
    values = dict(row._mapping)
    return QuotaVersion(**values)


def _lines(conn: Connection, version_id: int) -> list[QuotaLine]:
    c = line_table.c
    rows = conn.execute(select(*[c[f] for f in LINE_FIELDS]).where(c.version_id == version_id)
                        .order_by(c.assignee_id, c.measure, c.period_start, c.assignee_kind))
    return [QuotaLine(**dict(r._mapping)) for r in rows]


def _note(conn: Connection, version_id: int, author: str, action: str, text: str) -> None:
    conn.execute(insert(quota_version_comment).values(version_id=version_id, author=author, action=action,
                                                      text=text, at=_now()))


def _audit(conn: Connection, actor: str, action: str, before: QuotaVersion | None,
           after: QuotaVersion) -> None:
    def doc(v: QuotaVersion | None) -> dict[str, Any] | None:
        return None if v is None else {"name": v.name, "number": v.number, "status": v.status,
                                       "effective_from": v.effective_from, "lines": v.lines,
                                       "published_as": v.published_as}
    record(conn, actor, action, "quota_version", str(after.id), doc(before), doc(after))


def _save_lines(conn: Connection, version_id: int, lines: Sequence[QuotaLine]) -> None:
    conn.execute(line_table.delete().where(line_table.c.version_id == version_id))
    if lines:
        rows = [{"version_id": version_id, **{f: getattr(q, f) for f in LINE_FIELDS}} for q in lines]
        conn.execute(insert(line_table), rows)


# -- the workflow ---------------------------------------------------------------------------------------


def create_version(target: Target, principal: Principal, name: str, effective_from: dt.date, *,
                   source: Path | None = None, based_on: int | None = None,
                   comment: str = "") -> QuotaVersion:
    """A new draft of quota set ``name`` (numbered after its last version) from a file or a copy, by
    ``principal`` (admin or planner).

    Copying ``based_on`` keeps its lines that start on or after ``effective_from``; a file replaces them.
    """
    _require(principal, MAY_DRAFT, "create")
    actor = principal.username
    lines = read_lines(source) if source is not None else None
    with transaction(target, principal.actor) as conn:
        if lines is None:
            lines = [] if based_on is None else \
                [q for q in _lines(conn, _version(conn, based_on).id) if q.period_start >= effective_from]
        _check_effective(lines, effective_from, str(source or f"version {based_on}"))
        number = conn.execute(select(func.coalesce(func.max(quota_version.c.number), 0))
                              .where(quota_version.c.name == name)).scalar_one() + 1
        new_id = conn.execute(insert(quota_version).values(
            name=name, number=number, status="draft", effective_from=effective_from, based_on_id=based_on,
            created_by=actor, created_at=_now()).returning(quota_version.c.id)).scalar_one()
        _save_lines(conn, new_id, lines)
        _note(conn, new_id, actor, "create", comment or f"created with {len(lines)} quota line(s)")
        created = _version(conn, new_id)
        _audit(conn, principal.actor, "create", None, created)
    return created


def replace_lines(target: Target, principal: Principal, version_id: int, source: Path) -> QuotaVersion:
    """Replace the lines of a draft with a file's (admin or planner; PLNG011 once approved or published)."""
    _require(principal, MAY_DRAFT, "edit")
    actor = principal.username
    lines = read_lines(source)
    with transaction(target, principal.actor) as conn:
        before = _in_status(conn, version_id, "draft", "edited")
        _check_effective(lines, before.effective_from, str(source))
        _save_lines(conn, version_id, lines)
        _note(conn, version_id, actor, "edit", f"lines replaced from {source.name} ({len(lines)} line(s))")
        after = _version(conn, version_id)
        _audit(conn, principal.actor, "update", before, after)
    return after


def _in_status(conn: Connection, version_id: int, status: str, step: str) -> QuotaVersion:
    """The version, locked for this unit of work (PostgreSQL; SQLite writers are serialized anyway)."""
    conn.execute(select(quota_version.c.id).where(quota_version.c.id == version_id).with_for_update())
    version = _version(conn, version_id)
    if version.status != status:
        raise AttainError(f"{version.label} is {version.status}: only a {status} version can be {step}"
                          + (" (a change is a new version)" if version.status == "published" else ""),
                          code=WRONG_STATUS)
    return version


def add_comment(target: Target, principal: Principal, version_id: int, text: str) -> None:
    """A comment on a version (any status: a published version still gathers discussion) by someone
    who may read it."""
    require(principal, "quota_versions.read")
    if not text.strip():
        raise AttainError("an empty comment", code=BAD_QUOTA_FILE)
    with transaction(target, principal.actor) as conn:
        version = _version(conn, version_id)
        _note(conn, version_id, principal.username, "comment", text.strip())
        record(conn, principal.actor, "comment", "quota_version", str(version.id), None,
               {"text": text.strip()})


def approve(target: Target, principal: Principal, version_id: int, *, comment: str = "") -> QuotaVersion:
    """Approve a draft: finance or admin, never its author."""
    _require(principal, MAY_APPROVE, "approve")
    actor = principal.username
    with transaction(target, principal.actor) as conn:
        before = _in_status(conn, version_id, "draft", "approved")
        if before.created_by == actor:
            raise AttainError(f"{before.label} was created by {actor}: someone else must approve it",
                              code=OWN_APPROVAL)
        if before.lines == 0:
            raise AttainError(f"{before.label} has no quota lines to approve", code=WRONG_STATUS)
        conn.execute(update(quota_version).where(quota_version.c.id == version_id).values(
            status="approved", approved_by=actor, approved_at=_now()))
        _note(conn, version_id, actor, "approve", comment or "approved")
        after = _version(conn, version_id)
        _audit(conn, principal.actor, "approve", before, after)
    return after


def send_back(target: Target, principal: Principal, version_id: int, *, comment: str) -> QuotaVersion:
    """Return an approved (not yet published) version to draft, with the reason (finance or admin)."""
    _require(principal, MAY_APPROVE, "send back")
    actor = principal.username
    with transaction(target, principal.actor) as conn:
        before = _in_status(conn, version_id, "approved", "sent back")
        conn.execute(update(quota_version).where(quota_version.c.id == version_id).values(
            status="draft", approved_by=None, approved_at=None))
        _note(conn, version_id, actor, "send back", comment or "sent back to draft")
        after = _version(conn, version_id)
        _audit(conn, principal.actor, "send_back", before, after)
    return after


def publish(target: Target, principal: Principal, version_id: int, *, comment: str = "") -> QuotaVersion:
    """Write an approved version's quotas for the engine (as the next quota version) and freeze it
    (finance or admin)."""
    _require(principal, MAY_PUBLISH, "publish")
    actor = principal.username
    with transaction(target, principal.actor) as conn:
        if conn.dialect.name == "postgresql":  # one publish at a time: each takes the next quota version
            conn.exec_driver_sql("LOCK TABLE quota_version IN SHARE ROW EXCLUSIVE MODE")
        before = _in_status(conn, version_id, "approved", "published")
        lines = _lines(conn, version_id)
        _check_closed(conn, lines, before.label)
        quota = ENTITY_TABLES["quota"]
        top = conn.execute(select(func.coalesce(func.max(quota.c.version), 0))).scalar_one()
        written = conn.execute(select(func.coalesce(func.max(quota_version.c.published_as), 0))).scalar_one()
        engine_version = max(int(top), int(written)) + 1
        rows = _quota_rows(lines, engine_version)
        upsert(conn, "quota", rows, batch_id=None, actor=principal.actor,
               source_file=f"quota version {before.label}")
        conn.execute(update(quota_version).where(quota_version.c.id == version_id).values(
            status="published", published_by=actor, published_at=_now(), published_as=engine_version))
        _note(conn, version_id, actor, "publish", comment or f"published as quota version {engine_version}")
        after = _version(conn, version_id)
        _audit(conn, principal.actor, "publish", before, after)
    return after


def _quota_rows(lines: Sequence[QuotaLine], engine_version: int) -> pa.Table:
    money = pa.decimal128(19, 3)  # the store's money (NUMERIC(19, 3)): a quota in KWD keeps its fils
    return pa.table({
        "assignee_kind": [q.assignee_kind for q in lines],
        "assignee_id": [q.assignee_id for q in lines],
        "measure": [q.measure for q in lines],
        "period_start": pa.array([q.period_start for q in lines], pa.date32()),
        "period_end": pa.array([q.period_end for q in lines], pa.date32()),
        "amount": pa.array([q.amount for q in lines], money),
        "currency": [q.currency for q in lines],
        "version": pa.array([engine_version] * len(lines), pa.int64()),
    })


def _check_closed(conn: Connection, lines: Sequence[QuotaLine], label: str) -> None:
    closed = conn.execute(select(period_status.c.period_label, period_status.c.status)
                          .where(period_status.c.status.in_(CLOSED_STATUSES))).all()
    issues = []
    for period_label, status in closed:
        try:
            period = CALENDAR.parse(str(period_label))
        except ValueError:
            continue
        hit = sorted({q.assignee_id for q in lines
                      if q.period_start <= period.end and q.period_end >= period.start})
        if hit:
            more = " ..." if len(hit) > 5 else ""
            issues.append(Issue(CLOSED_PERIOD, f"pay period {period_label} is {status}; {label} would "
                                f"change the quota of {', '.join(hit[:5])}{more}"))
    if issues:
        raise AttainError(f"{label} touches {len(issues)} closed pay period(s); give it a later "
                          "effective date", issues, code=CLOSED_PERIOD)


# -- reading ----------------------------------------------------------------------------------------------


def list_versions(target: Target, principal: Principal, name: str | None = None) -> list[QuotaVersion]:
    """Every version (of one quota set when ``name`` is given), newest first."""
    require(principal, "quota_versions.read")
    with reading(target) as conn:
        query = select(quota_version.c.id).order_by(quota_version.c.name, quota_version.c.number.desc())
        if name is not None:
            query = query.where(quota_version.c.name == name)
        return [_version(conn, int(i)) for i in conn.execute(query).scalars()]


def detail(target: Target, principal: Principal, version_id: int) -> VersionDetail:
    """A version, its lines and its comment trail (oldest first)."""
    require(principal, "quota_versions.read")
    with reading(target) as conn:
        version = _version(conn, version_id)
        c = quota_version_comment.c
        notes = [Note(r.author, r.action, r.text, r.at) for r in conn.execute(
            select(c.author, c.action, c.text, c.at).where(c.version_id == version_id).order_by(c.id))]
        return VersionDetail(version, _lines(conn, version_id), notes)


def previous(target: Target, principal: Principal, version_id: int) -> int | None:
    """The version this one is compared with by default: its ``based_on``, else the one numbered before."""
    require(principal, "quota_versions.read")
    with reading(target) as conn:
        version = _version(conn, version_id)
        if version.based_on_id is not None:
            return version.based_on_id
        found = conn.execute(select(quota_version.c.id).where(
            quota_version.c.name == version.name, quota_version.c.number < version.number)
            .order_by(quota_version.c.number.desc())).first()
        return None if found is None else int(found[0])


def diff(target: Target, principal: Principal, before_id: int, after_id: int) -> list[LineChange]:
    """Line by line, what changes from one version to another (unchanged lines left out)."""
    require(principal, "quota_versions.read")
    with reading(target) as conn:
        before = {q.key: q.amount for q in _lines(conn, _version(conn, before_id).id)}
        after = {q.key: q.amount for q in _lines(conn, _version(conn, after_id).id)}
    keys = sorted(set(before) | set(after), key=lambda k: (k[1], k[2], k[3], k[0], k[4]))
    return [LineChange(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


# -- fairness: expected attainment from history ----------------------------------------------------------


@dataclass(frozen=True)
class Outlook:
    """Expected attainment of a version's quotas, and the history it was measured on."""

    version: QuotaVersion
    measure: str
    period_months: int
    history_from: dt.date
    history_to: dt.date
    periods: int
    team: TeamOutlook
    source: str = "owned deals"  # or "calculated measure" (the latest runs' credited values)


def _months(line: QuotaLine) -> int:
    start, end = line.period_start, line.period_end
    if start.day != 1 or (end + dt.timedelta(days=1)).day != 1:
        raise AttainError(f"{line.assignee_id} {start}..{end}: expected attainment needs quotas of whole "
                          "months", code=NO_HISTORY)
    return (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def attainment_outlook(target: Target, principal: Principal, version_id: int, *, measure: str | None = None,
                       history_from: dt.date | None = None, history_to: dt.date | None = None,
                       tolerance: Decimal = Decimal("0.25")) -> Outlook:
    """Each payee's past periods (of the quota's length) against the version's per-period quota.

    History defaults to the whole months before the version's effective date: 12 months, or two
    periods when a period is longer, less the periods that start before the month of the store's
    first transaction (their data would be partial).
    History is the measure's calculated value per payee (the latest successful run of each period:
    credits with splits and roll-ups) when runs cover every period of the window; otherwise the
    bookings and orders the payee owns, less cancellations and returns (the default owner credit).
    """
    found = detail(target, principal, version_id)
    lines = [q for q in found.lines if q.assignee_kind == "payee" and measure in (None, q.measure)]
    measures = sorted({q.measure for q in lines})
    if len(measures) != 1:
        raise AttainError(f"{found.version.label}: name one measure (it has {', '.join(measures) or 'none'})",
                          code=NO_HISTORY)
    lengths = {_months(q) for q in lines}
    if len(lengths) != 1:
        raise AttainError(f"{found.version.label}: quotas of different lengths ({sorted(lengths)} months)",
                          code=NO_HISTORY)
    length = lengths.pop()
    end = history_to or found.version.effective_from - dt.timedelta(days=1)
    end = _month_start(end + dt.timedelta(days=1)) - dt.timedelta(days=1)  # whole months only
    start = history_from or _after_first_sale(target, _month_start(end, max(12, 2 * length) - 1), end, length)
    periods = ((end.year * 12 + end.month) - (start.year * 12 + start.month) + 1) // length
    if periods < 1:
        raise AttainError(f"history {start}..{end} is shorter than one {length}-month period",
                          code=NO_HISTORY)
    quotas: dict[str, list[Decimal]] = {}
    for q in lines:
        quotas.setdefault(q.assignee_id, []).append(q.amount)
    per_period = {rep: sum(amounts, Decimal(0)) / len(amounts) for rep, amounts in quotas.items()}
    reps = sorted(per_period)
    history = _calculated_by_period(target, reps, _month_start(start), length, periods, measures[0])
    source = "calculated measure"
    if history is None:
        history, source = _sales_by_period(target, reps, _month_start(start), length, periods), "owned deals"
    team = expected_attainment(per_period, history, tolerance)
    return Outlook(found.version, measures[0], length, _month_start(start), end, periods, team, source)


def _after_first_sale(target: Target, start: dt.date, end: dt.date, length: int) -> dt.date:
    """The default window without the periods starting before the first sale's month (one stays)."""
    t = ENTITY_TABLES["transaction"].c
    with reading(target) as conn:
        first = conn.execute(select(func.min(t.date))).scalar_one()
    while first is not None and start < _month_start(first):
        later = _month_start(start, -length)
        if _month_start(later, -length) - dt.timedelta(days=1) > end:
            break
        start = later
    return start


def _calculated_by_period(target: Target, reps: list[str], start: dt.date, length: int, periods: int,
                          measure: str) -> dict[str, list[Decimal]] | None:
    """Per rep, the measure's value in each past period from the latest successful run of that period.

    The plan measures read against this quota (``quota: bookings``, e.g. a manager's team bookings)
    count, and a measure of the same name. Credited values (splits, overlays, territory and manager
    roll-ups) rather than owned deals; None when runs do not cover every period of the window.
    """
    from attain.services.calc import published_plans

    m, r = run_measure.c, calc_run.c
    end = _month_start(start, -length * periods) - dt.timedelta(days=1)
    measured = {x.id for doc in published_plans(target) for x in doc.measures if (x.quota or x.id) == measure}
    with reading(target) as conn:
        rows = conn.execute(select(m.run_id, m.payee_id, m.period_start, m.period_end, m.value)
                            .join(calc_run, r.id == m.run_id)
                            .where(r.status == "succeeded", m.measure_id.in_(sorted(measured | {measure})),
                                   m.period_start >= start, m.period_end <= end)).all()
    frame = pl.DataFrame([dict(row._mapping) for row in rows], schema={
        "run_id": pl.Int64, "payee_id": pl.String, "period_start": pl.Date, "period_end": pl.Date,
        "value": pl.Decimal(38, 10)})
    base = start.year * 12 + start.month - 1
    months = (pl.col("period_end").dt.year() * 12 + pl.col("period_end").dt.month()
              - pl.col("period_start").dt.year() * 12 - pl.col("period_start").dt.month() + 1)
    frame = frame.filter(months == length).with_columns(
        period=((pl.col("period_start").dt.year() * 12 + pl.col("period_start").dt.month() - 1 - base)
                // length).cast(pl.Int32))
    latest = frame.group_by("period").agg(pl.col("run_id").max().alias("latest"))
    if latest.height < periods:
        return None
    chosen = frame.join(latest, on="period").filter(pl.col("run_id") == pl.col("latest"))
    sums = chosen.group_by("payee_id", "period").agg(pl.col("value").sum().alias("signed"))
    return _per_rep(reps, periods, sums.rename({"payee_id": "owner_id"}))


def _sales_by_period(target: Target, reps: list[str], start: dt.date, length: int, periods: int
                     ) -> dict[str, list[Decimal]]:
    """Per rep, signed sales in each of ``periods`` consecutive ``length``-month periods from ``start``."""
    t = ENTITY_TABLES["transaction"].c
    end = _month_start(start, -length * periods) - dt.timedelta(days=1)
    with reading(target) as conn:
        rows = conn.execute(select(t.owner_id, t.date, t.kind, t.amount).where(
            t.owner_id.in_(reps), t.date >= start, t.date <= end,
            t.kind.in_([*CREDITED_KINDS, *REVERSAL_KINDS]))).all()
    frame = pl.DataFrame([dict(r._mapping) for r in rows], schema={
        "owner_id": pl.String, "date": pl.Date, "kind": pl.String, "amount": pl.Decimal(19, 3)})
    base = start.year * 12 + start.month - 1
    sums = frame.with_columns(
        period=((pl.col("date").dt.year() * 12 + pl.col("date").dt.month() - 1 - base) // length),
        signed=pl.when(pl.col("kind").is_in(list(REVERSAL_KINDS))).then(-pl.col("amount"))
        .otherwise(pl.col("amount"))).group_by("owner_id", "period").agg(pl.col("signed").sum())
    return _per_rep(reps, periods, sums)


def _per_rep(reps: list[str], periods: int, sums: pl.DataFrame) -> dict[str, list[Decimal]]:
    """Every rep x period (zero where nothing was sold), as lists by rep."""
    every = pl.DataFrame({"period": list(range(periods))}, schema={"period": pl.Int32})
    grid = pl.DataFrame({"owner_id": reps}, schema={"owner_id": pl.String}).join(every, how="cross")
    sums = sums.with_columns(pl.col("period").cast(pl.Int32))
    full = grid.join(sums, on=["owner_id", "period"], how="left")
    full = full.with_columns(pl.col("signed").fill_null(Decimal(0))).sort("owner_id", "period")
    return {rep: list(group["signed"]) for (rep,), group in full.group_by("owner_id", maintain_order=True)}
