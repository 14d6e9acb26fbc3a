"""Territory design: assign accounts to K territories, balanced, compact, with little disruption.

The model (a capacitated p-median) is solved as a HiGHS MILP:

- ``x[i,k] = 1`` when account i is in territory k; every account in exactly one territory;
- balance: each territory's potential (and optionally workload) within ``tolerance`` of the mean;
- optional disruption limit: at most ``max_moved`` of the accounts leave their current territory;
- objective: total distance (km, great circle) from each account to its territory's center.

Centers are given, or chosen: exactly (centers are accounts, ``y[j]`` open, small instances) or by
alternating "assign with the MILP, move each center to the account nearest its territory's
centroid" (large instances). The optimality gap HiGHS reports is returned with every design; it
is the gap of the assignment for the final centers. When HiGHS finds no feasible design within
the time limit, a greedy assignment repaired by local search is returned instead (``method``
says which). Potentials are planning estimates, not money: floats are fine here.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import highspy
import numpy as np
import numpy.typing as npt
from scipy import sparse

from attain.core.errors import AttainError
from attain.planning.codes import BAD_ACCOUNTS, NO_DESIGN

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
EARTH_KM = 6371.0088


@dataclass(frozen=True)
class Accounts:
    """Accounts to place: ids, potential, workload, latitude/longitude and today's territory (-1: none)."""

    ids: Sequence[str]
    potential: Floats
    lat: Floats
    lon: Floats
    workload: Floats | None = None
    current: Ints | None = None

    def __post_init__(self) -> None:
        n = len(self.ids)
        arrays = [self.potential, self.lat, self.lon, self.workload, self.current]
        if any(a is not None and len(a) != n for a in arrays):
            raise AttainError("account columns have different lengths", code=BAD_ACCOUNTS)
        if n == 0 or not np.all(np.isfinite(self.lat)) or not np.all(np.isfinite(self.lon)):
            raise AttainError("no accounts, or accounts without coordinates", code=BAD_ACCOUNTS)
        if np.any(self.potential < 0) or (self.workload is not None and np.any(self.workload < 0)):
            raise AttainError("negative potential or workload", code=BAD_ACCOUNTS)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Design:
    """A territory design and how good it is."""

    territory: Ints  # territory index of each account
    centers: Ints  # index of the account at the center of each territory
    distance_km: float
    bound_km: float
    gap: float
    method: str  # "milp", "milp-exact", "heuristic"
    seconds: float
    moved: int = 0
    loads: Floats = field(default_factory=lambda: np.zeros(0))

    @property
    def max_imbalance(self) -> float:
        """Largest |territory potential ÷ mean - 1|."""
        mean = float(self.loads.mean()) if len(self.loads) else 0.0
        return float(np.abs(self.loads / mean - 1).max()) if mean else 0.0


def distances(accounts: Accounts, points: Ints) -> Floats:
    """Great-circle km from every account (rows) to the accounts ``points`` (columns)."""
    lat, lon = np.radians(accounts.lat), np.radians(accounts.lon)
    la, lo = lat[points][None, :], lon[points][None, :]
    dlat, dlon = la - lat[:, None], lo - lon[:, None]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(la) * np.sin(dlon / 2) ** 2
    return np.asarray(2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1))), dtype=np.float64)


@dataclass(frozen=True)
class Limits:
    """Balance and disruption limits and solver settings."""

    tolerance: float = 0.05
    workload_tolerance: float | None = None
    max_moved: float | None = None  # share of accounts with a current territory allowed to move
    time_limit: float = 60.0
    gap: float = 0.01
    threads: int = 2


def _bounds(values: Floats, k: int, tolerance: float) -> tuple[float, float]:
    """Balance band per territory. Potential and workload are solver weights, not pay: the MILP works
    in floating point by nature (decision 0005); no payout or quota amount passes through here."""
    mean = float(values.sum()) / k
    return mean * (1 - tolerance), mean * (1 + tolerance)


def _check(accounts: Accounts, k: int, limits: Limits) -> None:
    if not 1 <= k <= len(accounts):
        raise AttainError(f"K = {k} territories for {len(accounts)} accounts", code=BAD_ACCOUNTS)
    if limits.tolerance < 0 or (limits.max_moved is not None and not 0 <= limits.max_moved <= 1):
        raise AttainError("tolerance must be ≥ 0 and the moved share in 0..1", code=BAD_ACCOUNTS)


# -- the assignment MILP (centers fixed) --------------------------------------------------------


@dataclass(frozen=True)
class _Rows:
    """The constraints of an assignment: balance rows per measure and an optional stay row."""

    measures: list[tuple[Floats, Floats, Floats]]  # values, lower per territory, upper per territory
    stay: tuple[Ints, Ints, float] | None = None  # accounts with a territory today, it, minimum staying


def _rows(accounts: Accounts, k: int, limits: Limits) -> _Rows:
    measures = []
    pairs = [(accounts.potential, limits.tolerance)]
    if accounts.workload is not None and limits.workload_tolerance is not None:
        pairs.append((accounts.workload, limits.workload_tolerance))
    for values, tolerance in pairs:
        low, high = _bounds(values, k, tolerance)
        measures.append((values, np.full(k, low), np.full(k, high)))
    stay = None
    if limits.max_moved is not None and accounts.current is not None:
        has = np.flatnonzero(accounts.current >= 0)
        stay = (has, accounts.current[has], float(np.ceil((1 - limits.max_moved) * len(has) - 1e-9)))
    return _Rows(measures, stay)


def _assignment_model(dist: Floats, spec: _Rows) -> highspy.HighsLp:
    n, k = dist.shape
    var = np.arange(n * k, dtype=np.int64).reshape(n, k)
    rows: list[Ints] = [np.repeat(np.arange(n), k)]
    cols: list[Ints] = [var.ravel()]
    vals: list[Floats] = [np.ones(n * k)]
    lower: list[float] = [1.0] * n
    upper: list[float] = [1.0] * n
    for values, low, high in spec.measures:
        rows.append(len(lower) + np.tile(np.arange(k), n))
        cols.append(var.ravel())
        vals.append(np.repeat(values, k))
        lower += low.tolist()
        upper += high.tolist()
    if spec.stay is not None:
        who, where, minimum = spec.stay
        rows.append(np.full(len(who), len(lower)))
        cols.append(var[who, where])
        vals.append(np.ones(len(who)))
        lower.append(minimum)
        upper.append(highspy.kHighsInf)
    matrix = sparse.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                               shape=(len(lower), n * k))
    return _lp(dist.ravel(), matrix, np.array(lower), np.array(upper))


def _lp(cost: Floats, matrix: sparse.csc_matrix, lower: Floats, upper: Floats,
        col_upper: Floats | None = None, integer: npt.NDArray[np.bool_] | None = None) -> highspy.HighsLp:
    """A HiGHS model: binaries by default; ``col_upper``/``integer`` for continuous columns (flows)."""
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(lp.num_col_)
    lp.col_upper_ = np.ones(lp.num_col_) if col_upper is None else col_upper
    lp.row_lower_, lp.row_upper_ = lower, upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    if integer is None:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * lp.num_col_
    else:
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in integer]
    return lp


@dataclass(frozen=True)
class _Solved:
    x: Floats | None
    objective: float
    bound: float
    gap: float


def _solve(lp: highspy.HighsLp, limits: Limits, start: Floats | None = None, relax: bool = False
           ) -> _Solved:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(float(limits.time_limit), 0.5))
    h.setOptionValue("mip_rel_gap", float(limits.gap))
    h.setOptionValue("threads", int(limits.threads))
    h.setOptionValue("random_seed", 0)
    if relax:
        lp.integrality_ = []
        h.setOptionValue("solver", "simplex")
    h.passModel(lp)
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = list(start)
        solution.value_valid = True
        h.setSolution(solution)
    h.run()
    info = h.getInfo()
    if info.primal_solution_status != 2:  # no feasible solution
        return _Solved(None, float("inf"), -float("inf"), float("inf"))
    x = np.asarray(h.getSolution().col_value, dtype=np.float64)
    objective = float(info.objective_function_value)
    bound = objective if relax else float(info.mip_dual_bound)
    return _Solved(x, objective, bound, 0.0 if relax else float(info.mip_gap))


def assign(accounts: Accounts, centers: Ints, limits: Limits | None = None) -> Design:
    """Best balanced assignment of accounts to the given centers (account indexes).

    1. The LP relaxation (simplex): its optimum is a lower bound, and it leaves only a few accounts
       split between territories (about one per balance row).
    2. Accounts the LP assigns whole are fixed; the split ones are assigned by a small MILP within
       the room left. If that meets the gap against the LP bound, done.
    3. Otherwise the full MILP, warm-started with the best design so far, for the time left.
    4. If HiGHS has nothing feasible in time: the greedy + local search heuristic.
    """
    limits = limits or Limits()
    k = len(centers)
    _check(accounts, k, limits)
    began = time.perf_counter()
    dist = distances(accounts, centers)
    spec = _rows(accounts, k, limits)
    relaxed = _solve(_assignment_model(dist, spec), limits, relax=True)
    if relaxed.x is None:
        raise AttainError("no design meets the balance/disruption limits (widen the tolerance "
                          "or allow more moves)", code=NO_DESIGN)
    best = _fix_and_finish(dist, spec, relaxed.x.reshape(dist.shape), _left(limits, began), relaxed.bound)
    if best is not None and _gap(_total(dist, best), relaxed.bound) <= limits.gap:
        return _design(accounts, best, centers, dist, "milp", began, relaxed.bound)
    if best is None:
        best = greedy(accounts, dist, limits)
        if best is not None and not _meets_disruption(accounts, best, limits):
            best = None
    start = None
    if best is not None:
        start = np.zeros(dist.size)
        start[np.arange(len(accounts)) * k + best] = 1
    solved = _solve(_assignment_model(dist, spec), _left(limits, began), start)
    bound = max(relaxed.bound, solved.bound)
    if solved.x is not None:
        territory = solved.x.reshape(dist.shape).argmax(axis=1).astype(np.int64)
        return _design(accounts, territory, centers, dist, "milp", began, bound)
    if best is None:
        raise AttainError("no design found within the time limit", code=NO_DESIGN)
    return _design(accounts, best, centers, dist, "heuristic", began, bound)


def _left(limits: Limits, began: float) -> Limits:
    return _with_time(limits, limits.time_limit - (time.perf_counter() - began))


def _total(dist: Floats, territory: Ints) -> float:
    return float(dist[np.arange(len(territory)), territory].sum())


def _gap(total: float, bound: float) -> float:
    if total <= 0:
        return 0.0
    return max((total - bound) / total, 0.0) if np.isfinite(bound) else float("nan")


def _fix_and_finish(dist: Floats, spec: _Rows, x: Floats, limits: Limits, bound: float) -> Ints | None:
    """Keep the LP's whole assignments; assign the split accounts by a MILP in the room left.

    If that misses the gap, free more accounts (those closest to another center first: 5%, 10%,
    20%) and re-solve the sub-MILP warm-started from the best design, while time is left.
    """
    began = time.perf_counter()
    territory: Ints = x.argmax(axis=1).astype(np.int64)
    split = x.max(axis=1) < 1 - 1e-6
    best = _resolve(dist, spec, territory, split, limits, None)
    rows = np.arange(len(x))
    ordered = np.sort(dist, axis=1)
    for share in (0.05, 0.10, 0.20):
        if best is not None and _gap(_total(dist, best), bound) <= limits.gap:
            break
        if _left(limits, began).time_limit < 1:
            break
        base = best if best is not None else territory
        regret = np.where(dist[rows, base] <= ordered[:, 0], ordered[:, 1], ordered[:, 0]) - dist[rows, base]
        free = split.copy()
        free[np.argsort(regret, kind="stable")[: int(share * len(x))]] = True
        trial = _resolve(dist, spec, base, free, _left(limits, began), best)
        if trial is not None and (best is None or _total(dist, trial) < _total(dist, best)):
            best = trial
    return best


def _resolve(dist: Floats, spec: _Rows, territory: Ints, free_mask: npt.NDArray[np.bool_], limits: Limits,
             start: Ints | None) -> Ints | None:
    """Re-assign the ``free_mask`` accounts by a MILP, the others kept where ``territory`` puts them."""
    territory = territory.copy()
    split = np.flatnonzero(free_mask)
    if len(split) == 0:
        return territory
    fixed = np.flatnonzero(~free_mask)
    k = dist.shape[1]
    measures = []
    for values, low, high in spec.measures:
        used = np.bincount(territory[fixed], weights=values[fixed], minlength=k)
        measures.append((values[split], low - used, high - used))
    stay = None
    if spec.stay is not None:
        who, where, minimum = spec.stay
        today = np.full(len(territory), -1, dtype=np.int64)
        today[who] = where
        kept = float((today[fixed] == territory[fixed]).sum())
        mask = today[split] >= 0
        stay = (np.flatnonzero(mask), today[split][mask], minimum - kept)
    warm = None
    if start is not None:
        warm = np.zeros(len(split) * k)
        warm[np.arange(len(split)) * k + start[split]] = 1
    solved = _solve(_assignment_model(dist[split], _Rows(measures, stay)), limits, warm)
    if solved.x is None:
        return None
    territory[split] = solved.x.reshape(len(split), k).argmax(axis=1)
    return territory


def _meets_disruption(accounts: Accounts, territory: Ints, limits: Limits) -> bool:
    if limits.max_moved is None or accounts.current is None:
        return True
    has = accounts.current >= 0
    moved = int((has & (accounts.current != territory)).sum())
    return moved <= limits.max_moved * int(has.sum()) + 1e-9


def _design(accounts: Accounts, territory: Ints, centers: Ints, dist: Floats, method: str,
            began: float, bound: float) -> Design:
    total = _total(dist, territory)
    gap = _gap(total, bound)
    moved = int(((accounts.current >= 0) & (accounts.current != territory)).sum()) \
        if accounts.current is not None else 0
    loads = np.bincount(territory, weights=accounts.potential, minlength=len(centers)).astype(np.float64)
    return Design(territory, centers, total, bound, gap, method,
                  time.perf_counter() - began, moved, loads)


# -- heuristic: greedy + local search -------------------------------------------------------------


def greedy(accounts: Accounts, dist: Floats, limits: Limits, seconds: float = 5.0) -> Ints | None:
    """Largest accounts first to the nearest territory with room, then moves that shorten travel.

    Keeps every territory under its upper bound throughout, then repairs territories under their
    lower bound by pulling the cheapest accounts from territories that can spare them. Returns None
    when it cannot reach the balance (the MILP may still). Disruption limits are not modeled here.
    """
    n, k = dist.shape
    low, high = _bounds(accounts.potential, k, limits.tolerance)
    order = np.argsort(-accounts.potential, kind="stable")
    load = np.zeros(k)
    territory = np.full(n, -1, dtype=np.int64)
    for i in order:  # a planning heuristic over accounts, not a calculation hot path
        for t in np.argsort(dist[i]):
            if load[t] + accounts.potential[i] <= high:
                territory[i] = t
                load[t] += accounts.potential[i]
                break
        else:
            t = int(np.argmin(load))
            territory[i], load[t] = t, load[t] + accounts.potential[i]
    _repair(accounts.potential, dist, territory, load, low, high)
    if load.min() < low - 1e-9 or load.max() > high + 1e-9:
        return None
    _improve(accounts.potential, dist, territory, load, low, high, time.perf_counter() + seconds)
    if accounts.workload is not None and limits.workload_tolerance is not None:
        wlow, whigh = _bounds(accounts.workload, k, limits.workload_tolerance)
        work = np.bincount(territory, weights=accounts.workload, minlength=k)
        if work.min() < wlow - 1e-9 or work.max() > whigh + 1e-9:
            return None
    return territory


def _repair(p: Floats, dist: Floats, territory: Ints, load: Floats, low: float, high: float) -> None:
    for _ in range(len(p)):
        short = int(np.argmin(load))
        if load[short] >= low - 1e-9:
            return
        donors = (territory != short) & (load[territory] - p >= low) & (load[short] + p <= high) & (p > 0)
        if not donors.any():
            return
        cost = np.where(donors, dist[:, short] - dist[np.arange(len(p)), territory], np.inf)
        i = int(np.argmin(cost))
        load[territory[i]] -= p[i]
        territory[i] = short
        load[short] += p[i]


def _improve(p: Floats, dist: Floats, territory: Ints, load: Floats, low: float, high: float,
             deadline: float) -> None:
    """First-improvement moves of one account to another territory while balance holds."""
    rows = np.arange(len(p))
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        gain = dist[rows, territory][:, None] - dist
        fits = (load[territory] - p >= low)[:, None] & (load[None, :] + p[:, None] <= high)
        gain = np.where(fits, gain, 0.0)
        for i in np.argsort(-gain.max(axis=1))[: max(1, len(p) // 10)]:
            t = int(np.argmax(gain[i]))
            src = territory[i]
            if gain[i, t] > 1e-9 and load[src] - p[i] >= low and load[t] + p[i] <= high:
                load[src] -= p[i]
                load[t] += p[i]
                territory[i] = t
                improved = True


# -- choosing centers -----------------------------------------------------------------------------


def design(accounts: Accounts, k: int, limits: Limits | None = None, centers: Ints | None = None,
           rounds: int = 3, exact_up_to: int = 60, adjacency: Ints | None = None) -> Design:
    """Design K territories: exact p-median for small instances, else alternate assignment and centers.

    Given ``centers`` are kept. Otherwise, with at most ``exact_up_to`` accounts and no territories
    today the centers are chosen inside the MILP; otherwise they start from today's territories (or
    a spread-out seed) and move to the account nearest each territory's centroid for ``rounds``
    rounds, keeping the best. With an ``adjacency`` graph (edges of account indexes) every
    territory is kept connected (``attain.planning.contiguity``; centers by alternation).
    """
    limits = limits or Limits()
    _check(accounts, k, limits)
    if adjacency is not None:
        return _contiguous_design(accounts, k, limits, centers, rounds, exact_up_to, adjacency)
    if centers is not None:
        return assign(accounts, np.asarray(centers, dtype=np.int64), limits)
    if len(accounts) <= exact_up_to and accounts.current is None:
        return p_median(accounts, k, limits)
    began = time.perf_counter()
    current = seed_centers(accounts, k)
    best: Design | None = None
    for _ in range(max(1, rounds)):
        left = limits.time_limit - (time.perf_counter() - began)
        if best is not None and left < 1:
            break
        trial = assign(accounts, current, _with_time(limits, max(left, 1.0)))
        if best is None or trial.distance_km < best.distance_km - 1e-6:
            best = trial
        moved = recenter(accounts, trial.territory, k)
        if np.array_equal(np.sort(moved), np.sort(current)):
            break
        current = moved
    assert best is not None
    return Design(best.territory, best.centers, best.distance_km, best.bound_km, best.gap, best.method,
                  time.perf_counter() - began, best.moved, best.loads)


def _contiguous_design(accounts: Accounts, k: int, limits: Limits, centers: Ints | None, rounds: int,
                       exact_up_to: int, adjacency: Ints) -> Design:
    """Centers from the plain design (30% of the time), then the contiguous assignment to them."""
    from attain.planning.contiguity import assign_contiguous

    began = time.perf_counter()
    if centers is None:
        plain = design(accounts, k, _with_time(limits, limits.time_limit * 0.3), None, rounds, exact_up_to)
        centers = plain.centers
    found = assign_contiguous(accounts, np.asarray(centers, dtype=np.int64), adjacency, _left(limits, began))
    return replace(found, seconds=time.perf_counter() - began)


def _with_time(limits: Limits, seconds: float) -> Limits:
    return Limits(limits.tolerance, limits.workload_tolerance, limits.max_moved, seconds, limits.gap,
                  limits.threads)


def seed_centers(accounts: Accounts, k: int) -> Ints:
    """Today's territories' medoids when every account has one, else farthest-point seeding."""
    today = accounts.current
    if today is not None and np.all(today >= 0) and len(np.unique(today)) == k:
        return recenter(accounts, today, k)
    chosen = [int(np.argmax(accounts.potential))]
    nearest = distances(accounts, np.array(chosen))[:, 0]
    for _ in range(k - 1):
        nxt = int(np.argmax(nearest * np.sqrt(accounts.potential + 1e-9)))
        chosen.append(nxt)
        nearest = np.minimum(nearest, distances(accounts, np.array([nxt]))[:, 0])
    return np.array(chosen, dtype=np.int64)


def recenter(accounts: Accounts, territory: Ints, k: int) -> Ints:
    """For each territory, the account of the territory nearest its centroid."""
    centers = np.zeros(k, dtype=np.int64)
    for t in range(k):
        members = np.flatnonzero(territory == t)
        lat, lon = accounts.lat[members].mean(), accounts.lon[members].mean()
        east = (accounts.lon[members] - lon) * np.cos(np.radians(lat))
        near = (accounts.lat[members] - lat) ** 2 + east**2
        centers[t] = members[int(np.argmin(near))]
    return centers


# -- exact p-median for small instances ----------------------------------------------------------


def p_median(accounts: Accounts, k: int, limits: Limits | None = None) -> Design:
    """Exact: choose K center accounts and the balanced assignment minimizing total distance."""
    limits = limits or Limits()
    _check(accounts, k, limits)
    began = time.perf_counter()
    n = len(accounts)
    everyone = np.arange(n, dtype=np.int64)
    dist = distances(accounts, everyone)
    low, high = _bounds(accounts.potential, k, limits.tolerance)
    x = everyone.reshape(n, 1) * n + everyone  # x[i, j] column index; y[j] = n*n + j
    y = n * n + everyone
    rows: list[Ints] = []
    cols: list[Ints] = []
    vals: list[Floats] = []
    lower: list[float] = []
    upper: list[float] = []

    def row(columns: Ints, values: Floats, lo: float, hi: float) -> None:
        rows.append(np.full(len(columns), len(lower)))
        cols.append(columns)
        vals.append(values)
        lower.append(lo)
        upper.append(hi)

    inf = highspy.kHighsInf
    for i in range(n):
        row(x[i], np.ones(n), 1.0, 1.0)
    for j in range(n):
        for i in range(n):
            row(np.array([x[i, j], y[j]]), np.array([1.0, -1.0]), -inf, 0.0)
        row(np.append(x[:, j], y[j]), np.append(accounts.potential, -high), -inf, 0.0)
        row(np.append(x[:, j], y[j]), np.append(accounts.potential, -low), 0.0, inf)
    row(y, np.ones(n), float(k), float(k))
    matrix = sparse.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                               shape=(len(lower), n * n + n))
    solved = _solve(_lp(np.append(dist.ravel(), np.zeros(n)), matrix, np.array(lower), np.array(upper)),
                    limits)
    if solved.x is None:
        raise AttainError("no design meets the balance limits", code=NO_DESIGN)
    centers = np.flatnonzero(solved.x[n * n:] > 0.5).astype(np.int64)
    pick = solved.x[: n * n].reshape(n, n)[:, centers].argmax(axis=1).astype(np.int64)
    return _design(accounts, pick, centers, dist[:, centers], "milp-exact", began, solved.bound)


# -- balance vs disruption --------------------------------------------------------------------------


@dataclass(frozen=True)
class TradeoffPoint:
    """Best achievable balance when at most ``max_moved`` of the accounts may move."""

    max_moved: float
    imbalance: float
    moved: int
    distance_km: float


def tradeoff(accounts: Accounts, centers: Ints, shares: Sequence[float], limits: Limits | None = None
             ) -> list[TradeoffPoint]:
    """For each allowed moved share: the smallest max imbalance reachable (then shortest travel)."""
    limits = limits or Limits()
    if accounts.current is None:
        raise AttainError("a trade-off curve needs today's territory of the accounts", code=BAD_ACCOUNTS)
    points = []
    for share in shares:
        tolerance = _min_tolerance(accounts, centers, share, limits)
        result = assign(accounts, centers, Limits(tolerance + 1e-6, None, share, limits.time_limit,
                                                  limits.gap, limits.threads))
        points.append(TradeoffPoint(share, result.max_imbalance, result.moved, result.distance_km))
    return points


def _min_tolerance(accounts: Accounts, centers: Ints, share: float, limits: Limits) -> float:
    """Bisection on the tolerance: the tightest balance the MILP can meet with this many moves."""
    low, high = 0.0, 1.0
    for _ in range(12):
        mid = (low + high) / 2
        try:
            assign(accounts, centers, Limits(mid, None, share, limits.time_limit, 0.5, limits.threads))
            high = mid
        except AttainError:
            low = mid
    return high
