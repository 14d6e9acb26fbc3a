"""Planning use cases: quotas and territories from CSV files, plan modeling on the store's history.

Thin glue between files/the store and ``attain.planning``: CSV cells are read as text and parsed
exactly (``to_decimal``); a bad cell is a PLNG error naming the file, line and column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from attain.core.entities import REVERSAL_KINDS
from attain.core.errors import AttainError
from attain.core.money import MoneyError, to_decimal
from attain.planning.codes import BAD_ACCOUNTS, BAD_DRAFT, NO_WEIGHT
from attain.planning.modeling import Comparison, compare
from attain.planning.quotas import Allocation, FairnessRow, allocate, fairness, mix_weights
from attain.planning.territories import Accounts, Design, Limits, design


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


def design_from_file(path: Path, k: int | None, limits: Limits) -> TerritoryResult:
    """Design K territories (default: as many as today's) for the accounts of a CSV."""
    accounts, names = read_accounts(path)
    count = k or len(names)
    if not count:
        raise AttainError("give the number of territories (-k) or a territory column", code=BAD_ACCOUNTS)
    if names and count != len(names):
        accounts = Accounts(accounts.ids, accounts.potential, accounts.lat, accounts.lon,
                            accounts.workload, None)
        names = []
    return TerritoryResult(accounts, design(accounts, count, limits), names or
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
