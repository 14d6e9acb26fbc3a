"""Planning use cases: quotas and territories from CSV files, territory designs saved and applied, modeling.

Thin glue between files/the store and ``attain.planning``: CSV cells are read as text and parsed
exactly (``to_decimal``); a bad cell is a PLNG error naming the file, line and column.

Saved territory designs are read with the acting ``Principal`` (``list_designs``, ``read_design``,
``design_tradeoff``): ``territory_designs.read`` — admin, finance, planner; AUTH004 otherwise, before
any id is looked up. A proposal says which accounts would move between whom before anyone decided it.
Saving and applying one take the acting ``Principal`` too (``save_design``: admin, finance, planner;
``apply_design``: admin), with no default; the design records the principal's username, the audit
log their actor (with the API token when there is one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, insert, select, update

from attain.core.entities import REVERSAL_KINDS
from attain.core.errors import AttainError, Issue
from attain.core.money import MoneyError, to_decimal
from attain.planning.codes import BAD_ACCOUNTS, BAD_DRAFT, NO_VERSION, NO_WEIGHT, NOT_APPLICABLE
from attain.planning.contiguity import adjacency_from_pairs, delaunay_adjacency
from attain.planning.modeling import Comparison, compare
from attain.planning.quotas import Allocation, FairnessRow, allocate, fairness, mix_weights
from attain.planning.territories import (
    Accounts,
    Design,
    Limits,
    TradeoffPoint,
    design,
    seed_centers,
    tradeoff,
)
from attain.services.access import FORBIDDEN, Principal, require
from attain.store.audit import record
from attain.store.bulk import existing_keys, upsert
from attain.store.db import reading, transaction
from attain.store.tables import ENTITY_TABLES, territory_design, territory_design_account

if TYPE_CHECKING:
    from attain.services.quota_versions import QuotaVersion


def _read(path: Path, code: str) -> pl.DataFrame:
    try:
        return pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise AttainError(f"{path}: cannot read the CSV file ({exc})", code=code) from exc


def _column(frame: pl.DataFrame, path: Path, name: str, code: str) -> list[str | None]:
    if name not in frame.columns:
        raise AttainError(f"{path}: no column {name!r} (columns: {', '.join(frame.columns)})", code=code)
    return frame[name].to_list()


def _decimals(frame: pl.DataFrame, path: Path, name: str, code: str) -> list[Decimal | None]:
    values: list[Decimal | None] = []
    for line, cell in enumerate(_column(frame, path, name, code), start=2):
        try:
            values.append(None if cell is None or cell.strip() == "" else to_decimal(cell))
        except MoneyError as exc:
            raise AttainError(f"{path}:{line} [{name}]: {exc}", code=code) from exc
    return values


# -- quotas -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaRequest:
    """A top-down allocation: target, the reps file, the bases mixed (column -> share), rounding unit.

    ``history`` (payee -> amount, e.g. from ``history_from_store``) replaces a ``history`` column.
    """

    target: Decimal
    reps: Path
    mix: dict[str, Decimal]
    unit: Decimal = Decimal(1000)
    id_column: str = "rep"
    history: dict[str, Decimal] | None = None
    fairness_tolerance: Decimal = Decimal("0.20")


@dataclass(frozen=True)
class QuotaOutcome:
    """The allocation and, when the file has a ``potential`` column, the fairness diagnostics."""

    allocations: list[Allocation]
    fairness: list[FairnessRow]


def allocate_from_file(request: QuotaRequest) -> QuotaOutcome:
    """Allocate a target to the reps of a CSV (weight columns, optional floor and ceiling columns)."""
    frame = _read(request.reps, NO_WEIGHT)
    ids = [str(x) for x in _column(frame, request.reps, request.id_column, NO_WEIGHT)]
    bases = {}
    for name in request.mix:
        if name == "history" and request.history is not None:
            bases[name] = {rep: request.history.get(rep, Decimal(0)) for rep in ids}
            continue
        column = _decimals(frame, request.reps, name, NO_WEIGHT)
        bases[name] = {rep: value or Decimal(0) for rep, value in zip(ids, column, strict=True)}
    weights = mix_weights(bases, request.mix) if len(request.mix) > 1 else next(iter(bases.values()))
    bounds = {}
    for name in ("floor", "ceiling"):
        if name in frame.columns:
            column = _decimals(frame, request.reps, name, NO_WEIGHT)
            bounds[name] = {rep: v for rep, v in zip(ids, column, strict=True) if v is not None}
    rows = allocate(request.target, weights, request.unit, bounds.get("floor"), bounds.get("ceiling"))
    diagnostics: list[FairnessRow] = []
    if "potential" in frame.columns:
        potential = _decimals(frame, request.reps, "potential", NO_WEIGHT)
        diagnostics = fairness({r.assignee: r.quota for r in rows},
                               {rep: v or Decimal(0) for rep, v in zip(ids, potential, strict=True)},
                               request.fairness_tolerance)
    return QuotaOutcome(rows, diagnostics)


def history_from_store(url: str, period: str) -> dict[str, Decimal]:
    """Each owner's bookings, orders and invoices less cancellations and returns in ``period`` (store)."""
    from attain.core.periods import CALENDAR
    from attain.services.calc import load_store_inputs

    try:
        window = CALENDAR.parse(period)
    except ValueError as exc:
        raise AttainError(str(exc), code=NO_WEIGHT) from exc
    deals = load_store_inputs(url)["transaction"]
    inside = pc.and_(pc.greater_equal(deals["date"], pa.scalar(window.start, pa.date32())),
                     pc.less_equal(deals["date"], pa.scalar(window.end, pa.date32())))
    rows = deals.filter(inside)
    reversal = pc.is_in(rows["kind"], pa.array(list(REVERSAL_KINDS)))
    signed = pc.if_else(reversal, pc.negate(rows["amount"]), rows["amount"])
    totals = pa.table({"owner": rows["owner_id"], "amount": signed}).group_by("owner").aggregate(
        [("amount", "sum")])
    return {str(o): (a if a is not None else Decimal(0))
            for o, a in zip(totals["owner"].to_pylist(), totals["amount_sum"].to_pylist(), strict=True)
            if o is not None}


# -- territories --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TerritoryResult:
    """A design with the territory names of today (when given) and the account ids."""

    accounts: Accounts
    design: Design
    names: list[str]


def read_accounts(path: Path) -> tuple[Accounts, list[str]]:
    """Accounts from CSV: account_id, potential, lat, lon, optional workload and territory (today's)."""
    frame = _read(path, BAD_ACCOUNTS)
    ids = [str(x) for x in _column(frame, path, "account_id", BAD_ACCOUNTS)]

    def floats(name: str) -> np.ndarray:  # planning estimates and coordinates, not money
        values = _decimals(frame, path, name, BAD_ACCOUNTS)
        return np.array([float(v) if v is not None else np.nan for v in values], dtype=np.float64)

    potential = floats("potential")
    if np.isnan(potential).any():
        raise AttainError(f"{path}: an account has no potential", code=BAD_ACCOUNTS)
    workload = floats("workload") if "workload" in frame.columns else None
    names: list[str] = []
    current = None
    if "territory" in frame.columns:
        today = [t or "" for t in frame["territory"].to_list()]
        names = sorted({t for t in today if t})
        index = {name: i for i, name in enumerate(names)}
        current = np.array([index.get(t, -1) for t in today], dtype=np.int64)
    return Accounts(ids, potential, floats("lat"), floats("lon"), workload, current), names


def read_adjacency(path: Path, accounts: Accounts) -> npt.NDArray[np.int64]:
    """Neighbouring account pairs from a CSV (first two columns, e.g. ``a,b``), as index edges."""
    frame = _read(path, BAD_ACCOUNTS)
    if frame.width < 2:
        raise AttainError(f"{path}: expected two columns of account ids (a,b)", code=BAD_ACCOUNTS)
    pairs = [(str(a), str(b)) for a, b in frame.select(frame.columns[:2]).iter_rows()]
    return adjacency_from_pairs(accounts.ids, pairs)


def design_from_file(path: Path, k: int | None, limits: Limits, adjacency: str | None = None
                     ) -> TerritoryResult:
    """Design K territories (default: as many as today's) for the accounts of a CSV.

    ``adjacency``: a CSV of neighbouring account pairs, or ``delaunay`` (neighbours by position):
    every territory is then kept contiguous.
    """
    accounts, names = read_accounts(path)
    count = k or len(names)
    if not count:
        raise AttainError("give the number of territories (-k) or a territory column", code=BAD_ACCOUNTS)
    if names and count != len(names):
        accounts = Accounts(accounts.ids, accounts.potential, accounts.lat, accounts.lon,
                            accounts.workload, None)
        names = []
    graph = None
    if adjacency == "delaunay":
        graph = delaunay_adjacency(accounts)
    elif adjacency:
        graph = read_adjacency(Path(adjacency), accounts)
    return TerritoryResult(accounts, design(accounts, count, limits, adjacency=graph), names or
                           [f"T{i + 1:02d}" for i in range(count)])


def write_design(result: TerritoryResult, out: Path) -> None:
    """account_id, territory (and previous territory when known) as CSV."""
    columns = {"account_id": list(result.accounts.ids),
               "territory": [result.names[t] for t in result.design.territory.tolist()]}
    if result.accounts.current is not None:
        columns["previous"] = [result.names[t] if t >= 0 else "" for t in result.accounts.current.tolist()]
    pl.DataFrame(columns).write_csv(out)


# -- plan modeling --------------------------------------------------------------------------------------


def model_plans(url: str, drafts: Sequence[Path], periods: Sequence[str]) -> Comparison:
    """Replay ``periods`` on the store's data under each draft file against the published plans."""
    from attain.plans.load import load_plan
    from attain.services.calc import load_store_inputs, published_plans

    scenarios = {}
    for path in drafts:
        loaded = load_plan(path)
        if loaded.document is None:
            raise AttainError(f"{path}: not a valid plan", loaded.issues, code=BAD_DRAFT)
        scenarios[path.stem] = [loaded.document]
    return compare(load_store_inputs(url), published_plans(url), scenarios, periods)


# -- territory designs in the store: saved, then applied to crediting from a date -------------------------

MAY_DESIGN = ("admin", "finance", "planner")
"""Roles that save territory designs (a proposal changes nothing); a planner designs, an admin applies."""
MAY_APPLY = ("admin",)
"""Roles that apply a design: it changes who is credited from its date on."""


@dataclass(frozen=True)
class StoredDesign:
    """A saved design: its stamps and, per account, the territory before and after with its figures."""

    id: int
    name: str
    status: str
    territories: int
    method: str
    gap: Decimal | None
    distance_km: Decimal | None
    created_by: str
    applied_from: dt.date | None
    applied_by: str | None
    accounts: pl.DataFrame  # account_id, territory_id, previous_territory_id, potential, workload, lat, lon


def _require_role(principal: Principal, roles: Sequence[str], what: str) -> None:
    if principal.role not in roles:
        raise AttainError(f"Your role ({principal.role}) cannot {what} a territory design "
                          f"(allowed: {', '.join(roles)}).", code=FORBIDDEN)


def save_design(target: str | Engine, principal: Principal, name: str, result: TerritoryResult, *,
                settings: dict[str, Any] | None = None) -> int:
    """Keep a solved design as ``principal`` (admin, finance, planner; AUTH004 otherwise) — proposed:
    nothing changes until it is applied; returns its id."""
    _require_role(principal, MAY_DESIGN, "save")
    found, accounts = result.design, result.accounts
    previous = [result.names[t] if t >= 0 else None for t in accounts.current.tolist()] \
        if accounts.current is not None else [None] * len(accounts)
    rows = pl.DataFrame({
        "account_id": list(accounts.ids),
        "territory_id": [result.names[t] for t in found.territory.tolist()],
        "previous_territory_id": pl.Series(previous, dtype=pl.String),
        "potential": _exact(accounts.potential),
        "workload": _exact(accounts.workload) if accounts.workload is not None else [None] * len(accounts),
        "latitude": _exact(accounts.lat),
        "longitude": _exact(accounts.lon),
    })
    with transaction(target, principal.actor) as conn:
        if conn.execute(select(territory_design.c.id).where(territory_design.c.name == name)).first():
            raise AttainError(f"a territory design named {name!r} exists already", code=BAD_ACCOUNTS)
        design_id = int(conn.execute(insert(territory_design).values(
            name=name, status="proposed", territories=len(result.names), method=found.method,
            gap=_exact([found.gap])[0], distance_km=_exact([found.distance_km])[0], settings=settings or {},
            created_by=principal.username).returning(territory_design.c.id)).scalar_one())
        lines = rows.with_columns(design_id=pl.lit(design_id)).to_dicts()
        conn.execute(insert(territory_design_account), lines)
        record(conn, principal.actor, "create", "territory_design", str(design_id), None,
               {"name": name, "accounts": len(accounts), "method": found.method, "moved": found.moved})
    return design_id


def _exact(values: Any) -> list[Decimal | None]:
    """Solver floats as decimals for the store (6 places: planning estimates and coordinates)."""
    return [None if v is None or not np.isfinite(v) else Decimal(f"{float(v):.6f}") for v in values]


def list_designs(target: str | Engine, principal: Principal) -> list[StoredDesign]:
    """Every saved design, newest first (without the account rows)."""
    require(principal, "territory_designs.read")
    with reading(target) as conn:
        ids = conn.execute(select(territory_design.c.id).order_by(territory_design.c.id.desc())).scalars()
        return [_stored(conn, int(i), with_accounts=False) for i in ids]


def read_design(target: str | Engine, principal: Principal, design_id: int) -> StoredDesign:
    """A saved design with its account rows, for a principal who may read designs."""
    require(principal, "territory_designs.read")
    return _load_design(target, design_id)


def _load_design(target: str | Engine, design_id: int) -> StoredDesign:
    """A saved design with its account rows (the store read under ``read_design``, which checks)."""
    with reading(target) as conn:
        return _stored(conn, design_id, with_accounts=True)


def _stored(conn: Connection, design_id: int, with_accounts: bool) -> StoredDesign:
    row = conn.execute(select(territory_design).where(territory_design.c.id == design_id)).first()
    if row is None:
        raise AttainError(f"no territory design {design_id}", code=NO_VERSION)
    a = territory_design_account.c
    frame = pl.DataFrame()
    if with_accounts:
        columns = [a.account_id, a.territory_id, a.previous_territory_id, a.potential, a.workload,
                   a.latitude, a.longitude]
        rows = conn.execute(select(*columns).where(a.design_id == design_id).order_by(a.account_id)).all()
        frame = pl.DataFrame([dict(r._mapping) for r in rows], schema={
            "account_id": pl.String, "territory_id": pl.String, "previous_territory_id": pl.String,
            "potential": pl.Decimal(24, 10), "workload": pl.Decimal(24, 10), "latitude": pl.Decimal(24, 10),
            "longitude": pl.Decimal(24, 10)})
    return StoredDesign(int(row.id), str(row.name), str(row.status), int(row.territories),
                        str(row.method), row.gap, row.distance_km, str(row.created_by), row.applied_from,
                        row.applied_by, frame)


@dataclass(frozen=True)
class Applied:
    """What applying a design wrote: accounts moved from the date, rows end-dated, territories created."""

    design_id: int
    effective_from: dt.date
    moved: int
    closed: int
    new_territories: list[str]


def apply_design(target: str | Engine, principal: Principal, design_id: int, effective_from: dt.date
                 ) -> Applied:
    """Write a design as effective-dated account territories from ``effective_from``, as ``principal``
    (an admin; AUTH004 otherwise, before the design is looked up).

    For every account whose territory changes, the row in force is end-dated the day before and a
    new row starts on the date; rows before the date are never touched, so deals dated earlier
    keep crediting the old territory's holders. Refused (PLNG015) when the design was applied
    already or an account has a territory change dated after ``effective_from``.
    """
    _require_role(principal, MAY_APPLY, "apply")
    actor = principal.actor
    with transaction(target, actor) as conn:
        design = _stored(conn, design_id, with_accounts=True)
        if design.status == "applied":
            raise AttainError(f"design {design.name!r} was applied from {design.applied_from} already",
                              code=NOT_APPLICABLE)
        history = _account_territories(conn, design.accounts["account_id"].to_list())
        _refuse_later_changes(history, effective_from)
        in_force = (history.filter((pl.col("valid_from") <= effective_from)
                                   & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= effective_from)))
                    .sort("valid_from").group_by("account_id").last())
        wanted = design.accounts.select("account_id", "territory_id").join(
            in_force.rename({"territory_id": "today"}), on="account_id", how="left")
        moving = wanted.filter(pl.col("today").is_null() | (pl.col("today") != pl.col("territory_id")))
        closing = moving.filter(pl.col("valid_from") < effective_from).select(
            "account_id", pl.col("today").alias("territory_id"), "valid_from",
            pl.lit(effective_from - dt.timedelta(days=1)).alias("valid_to"))
        opening = moving.select("account_id", "territory_id", pl.lit(effective_from).alias("valid_from"),
                                pl.lit(None, dtype=pl.Date).alias("valid_to"))
        created = _ensure_territories(conn, sorted(set(opening["territory_id"].to_list())), actor)
        rows = pl.concat([closing, opening]).to_arrow()
        upsert(conn, "account_territory", rows, batch_id=None, actor=actor,
               source_file=f"territory design {design.name}")
        conn.execute(update(territory_design).where(territory_design.c.id == design_id).values(
            status="applied", applied_from=effective_from, applied_by=principal.username,
            applied_at=dt.datetime.now(dt.UTC)))
        record(conn, actor, "apply", "territory_design", str(design_id), {"status": "proposed"},
               {"status": "applied", "applied_from": effective_from, "moved": moving.height})
    return Applied(design_id, effective_from, moving.height, closing.height, created)


def _account_territories(conn: Connection, accounts: list[str]) -> pl.DataFrame:
    t = ENTITY_TABLES["account_territory"].c
    rows = conn.execute(select(t.account_id, t.territory_id, t.valid_from, t.valid_to)
                        .where(t.account_id.in_(accounts))).all() if accounts else []
    return pl.DataFrame([dict(r._mapping) for r in rows], schema={
        "account_id": pl.String, "territory_id": pl.String, "valid_from": pl.Date, "valid_to": pl.Date})


def _refuse_later_changes(history: pl.DataFrame, effective_from: dt.date) -> None:
    later = history.filter(pl.col("valid_from") > effective_from).sort("account_id", "valid_from")
    if later.height:
        listed = later.select("account_id", "territory_id", "valid_from").head(20).iter_rows()
        issues = [Issue(NOT_APPLICABLE, f"account {a} moves to {t} from {f}: a change after {effective_from}")
                  for a, t, f in listed]
        raise AttainError(f"{later.height} account(s) already have a territory change after "
                          f"{effective_from}; apply the design from a later date", issues,
                          code=NOT_APPLICABLE)


def _ensure_territories(conn: Connection, names: list[str], actor: str) -> list[str]:
    known = existing_keys(conn, "territory", "territory_id")
    new = [n for n in names if n not in known]
    if new:
        upsert(conn, "territory", pa.table({"territory_id": new, "name": new}), batch_id=None, actor=actor,
               source_file="territory design")
    return new


def balance_table(accounts: pl.DataFrame, column: str) -> pl.DataFrame:
    """Per territory of ``column`` (territory_id or previous_territory_id): accounts, potential, vs mean."""
    rows = accounts.filter(pl.col(column).is_not_null()).group_by(column).agg(
        pl.len().alias("accounts"), pl.col("potential").sum().alias("potential"),
        pl.col("workload").sum().alias("workload")).sort(column)
    if rows.height == 0:
        return rows
    mean = sum(rows["potential"].to_list(), Decimal(0)) / rows.height
    share = [(p / mean - 1) if mean else Decimal(0) for p in rows["potential"].to_list()]
    return rows.rename({column: "territory"}).with_columns(
        vs_mean=pl.Series([s.quantize(Decimal("0.0001")) for s in share], dtype=pl.Decimal(12, 4)))


def design_tradeoff(target: str | Engine, principal: Principal, design_id: int, shares: Sequence[float],
                    time_limit: float = 10.0) -> list[TradeoffPoint]:
    """Balance vs disruption for a saved design's accounts: today's territories' medoids as centers."""
    stored = read_design(target, principal, design_id)
    frame = stored.accounts
    today = frame["previous_territory_id"].to_list()
    if frame.height == 0 or any(t is None for t in today):
        raise AttainError("a trade-off curve needs today's territory of every account", code=BAD_ACCOUNTS)
    names = sorted(set(today))
    index = {name: i for i, name in enumerate(names)}

    def floats(column: str) -> npt.NDArray[np.float64]:
        return np.array([float(v) for v in frame[column].to_list()], dtype=np.float64)

    accounts = Accounts(frame["account_id"].to_list(), floats("potential"), floats("latitude"),
                        floats("longitude"), current=np.array([index[t] for t in today], dtype=np.int64))
    return tradeoff(accounts, seed_centers(accounts, len(names)), shares, Limits(time_limit=time_limit))


# -- a planner's home --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanningDesk:
    """What the planning home lists: quota versions by where they stand, and territory designs."""

    drafts: list[QuotaVersion]  # drafts being set, the principal's own first
    approved: list[QuotaVersion]  # approved, waiting to be published
    published: list[QuotaVersion]  # the latest published versions, newest first
    proposed: list[StoredDesign]  # designs saved, not applied
    may_draft: bool


def planning_desk(target: str | Engine, principal: Principal, recent: int = 5) -> PlanningDesk:
    """Quota versions and territory designs where they stand, for someone who may read them (AUTH004
    otherwise): every draft (the principal's own first), approved ones waiting to be published, the
    ``recent`` latest published, and the designs not applied yet."""
    from attain.services import quota_versions as qv

    versions = qv.list_versions(target, principal)
    drafts = sorted((v for v in versions if v.status == "draft"),
                    key=lambda v: (v.created_by != principal.username, v.name, -v.number))
    published = sorted((v for v in versions if v.status == "published"),
                       key=lambda v: v.published_as or 0, reverse=True)  # numbered in publishing order
    return PlanningDesk(drafts, [v for v in versions if v.status == "approved"], published[:recent],
                        [d for d in list_designs(target, principal) if d.status == "proposed"],
                        principal.role in qv.MAY_DRAFT)
