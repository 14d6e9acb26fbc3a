"""Contiguous territories: every territory a connected piece of an adjacency graph of its accounts.

The graph says which accounts touch (shared county/ZIP borders, a road, or — when none is given —
the Delaunay triangulation of their positions). Contiguity is modelled with one flow per territory
rooted at its center account (Shirabe's single-commodity flow): every other account of territory k
consumes one unit of k's flow, and k's flow may only run along edges whose both ends are in k. An
account can then be in k only if a path inside k leads to k's center: k is connected.

Columns: ``x[i,k]`` (binary) as in the plain assignment, plus ``f[k,a]`` (continuous, 0..n-1) for
every territory and directed arc. The balance and disruption rows are the plain model's. The model
is solved whole by HiGHS (the LP-and-fix shortcut of ``territories.assign`` does not keep
connectivity), so it is meant for hundreds of accounts, not thousands; the reported gap is HiGHS's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import highspy
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import breadth_first_order, connected_components
from scipy.spatial import Delaunay, QhullError

from attain.core.errors import AttainError
from attain.planning.codes import BAD_ACCOUNTS, NO_DESIGN
from attain.planning.territories import (
    Accounts,
    Design,
    Floats,
    Ints,
    Limits,
    _bounds,
    _check,
    _design,
    _left,
    _lp,
    _rows,
    _solve,
    distances,
)

RowBlock = Callable[[Ints, Ints, Floats], None]
"""Adds coefficients (rows, columns, values) to the model being built."""
INF = highspy.kHighsInf


def adjacency_from_pairs(ids: Sequence[str], pairs: Sequence[tuple[str, str]]) -> Ints:
    """Edges (account index pairs) from pairs of account ids; an unknown id is PLNG005."""
    index = {account: i for i, account in enumerate(ids)}
    unknown = sorted({a for pair in pairs for a in pair if a not in index})
    if unknown:
        raise AttainError(f"adjacency names unknown accounts: {', '.join(unknown[:10])}", code=BAD_ACCOUNTS)
    edges = np.array([(index[a], index[b]) for a, b in pairs if a != b], dtype=np.int64).reshape(-1, 2)
    return _undirected(edges)


def _undirected(edges: Ints) -> Ints:
    ordered = np.sort(edges, axis=1)
    return np.unique(ordered, axis=0) if len(ordered) else ordered


def delaunay_adjacency(accounts: Accounts) -> Ints:
    """Accounts that are neighbours in the Delaunay triangulation of their (locally flat) positions."""
    scale = np.cos(np.radians(float(np.mean(accounts.lat))))
    points = np.column_stack([accounts.lon * scale, accounts.lat])
    try:
        triangles = Delaunay(points).simplices
    except (QhullError, ValueError):  # fewer than 3 distinct points, or all on a line
        order = np.lexsort((points[:, 1], points[:, 0]))
        return _undirected(np.column_stack([order[:-1], order[1:]]).astype(np.int64))
    edges = np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [0, 2]]])
    return _undirected(edges.astype(np.int64))


def is_contiguous(territory: Ints, adjacency: Ints, k: int) -> bool:
    """True when every territory's accounts form one connected piece of the graph."""
    n = len(territory)
    same = territory[adjacency[:, 0]] == territory[adjacency[:, 1]]
    kept = adjacency[same]
    graph = sparse.coo_matrix((np.ones(len(kept)), (kept[:, 0], kept[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    pieces = {(int(t), int(c)) for t, c in zip(territory, label, strict=True)}
    return len(pieces) == len(set(territory.tolist())) and len(pieces) <= k


def assign_contiguous(accounts: Accounts, centers: Ints, adjacency: Ints, limits: Limits | None = None
                      ) -> Design:
    """Best balanced assignment to the given centers in which every territory is connected."""
    limits = limits or Limits()
    k, n = len(centers), len(accounts)
    _check(accounts, k, limits)
    if len(adjacency) and (adjacency.min() < 0 or adjacency.max() >= n):
        raise AttainError("adjacency refers to accounts that do not exist", code=BAD_ACCOUNTS)
    began = time.perf_counter()
    dist = distances(accounts, centers)
    lp, columns = _flow_model(dist, accounts, centers, adjacency, limits)
    start = contiguous_start(accounts, centers, adjacency, dist, limits)
    warm = None if start is None else _start_vector(start, centers, adjacency, n)
    solved = _solve(lp, _left(limits, began), warm)
    if solved.x is None and start is not None:
        return _design(accounts, start, centers, dist, "heuristic-contiguous", began, -float("inf"))
    if solved.x is None:
        raise AttainError("no contiguous design meets the balance/disruption limits in the time given "
                          "(every account must be reachable from a center through the graph)", code=NO_DESIGN)
    territory = solved.x[:columns].reshape(n, k).argmax(axis=1).astype(np.int64)
    return _design(accounts, territory, centers, dist, "milp-contiguous", began, solved.bound)


def _flow_model(dist: Floats, accounts: Accounts, centers: Ints, adjacency: Ints, limits: Limits
                ) -> tuple[highspy.HighsLp, int]:
    """The assignment model plus one rooted flow per territory; returns (model, number of x columns)."""
    n, k = dist.shape
    arcs = np.concatenate([adjacency, adjacency[:, ::-1]]) if len(adjacency) else np.zeros((0, 2), np.int64)
    a = len(arcs)
    x = np.arange(n * k, dtype=np.int64).reshape(n, k)
    f = n * k + np.arange(k * a, dtype=np.int64).reshape(k, a)
    big = float(n - 1)
    rows: list[Ints] = []
    cols: list[Ints] = []
    vals: list[Floats] = []
    lower: list[float] = []
    upper: list[float] = []

    def block(row_ids: Ints, col_ids: Ints, values: Floats) -> None:
        rows.append(row_ids)
        cols.append(col_ids)
        vals.append(values)

    block(np.repeat(np.arange(n), k), x.ravel(), np.ones(n * k))
    lower += [1.0] * n
    upper += [1.0] * n
    spec = _rows(accounts, k, limits)
    for values, low, high in spec.measures:
        block(len(lower) + np.tile(np.arange(k), n), x.ravel(), np.repeat(values, k))
        lower += low.tolist()
        upper += high.tolist()
    if spec.stay is not None:
        who, where, minimum = spec.stay
        block(np.full(len(who), len(lower)), x[who, where], np.ones(len(who)))
        lower.append(minimum)
        upper.append(INF)
    _conservation(block, lower, upper, x, f, arcs, centers)
    _capacity(block, lower, upper, x, f, arcs, big)
    matrix = sparse.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                               shape=(len(lower), n * k + k * a))
    col_upper = np.concatenate([np.ones(n * k), np.full(k * a, big)])
    integer = np.concatenate([np.ones(n * k, dtype=bool), np.zeros(k * a, dtype=bool)])
    lp = _lp(np.concatenate([dist.ravel(), np.zeros(k * a)]), matrix, np.array(lower), np.array(upper),
             col_upper, integer)
    fixed = np.zeros(n * k + k * a)
    fixed[x[centers, np.arange(k)]] = 1.0  # each center is in its own territory
    lp.col_lower_ = fixed
    return lp, n * k


def _conservation(block: RowBlock, lower: list[float], upper: list[float], x: Ints, f: Ints, arcs: Ints,
                  centers: Ints) -> None:
    """For each territory k and account i: inflow - outflow = x[i,k] (free at k's center)."""
    n, k = x.shape
    add = block
    for t in range(k):
        base = len(lower)
        row_of = base + np.arange(n)
        add(row_of[arcs[:, 1]], f[t], np.ones(len(arcs)))
        add(row_of[arcs[:, 0]], f[t], -np.ones(len(arcs)))
        add(row_of, x[:, t], -np.ones(n))
        bounds = np.zeros(n)
        lower += bounds.tolist()
        upper += bounds.tolist()
        lower[base + int(centers[t])] = -INF
        upper[base + int(centers[t])] = INF


def _capacity(block: RowBlock, lower: list[float], upper: list[float], x: Ints, f: Ints, arcs: Ints,
              big: float) -> None:
    """Flow of k only along arcs with both ends in k: f[k,a] <= (n-1) x[tail,k] and <= (n-1) x[head,k]."""
    k = x.shape[1]
    a = len(arcs)
    for t in range(k):
        for end in (0, 1):
            base = len(lower)
            row_of = base + np.arange(a)
            block(row_of, f[t], np.ones(a))
            block(row_of, x[arcs[:, end], t], np.full(a, -big))
            lower += [-INF] * a
            upper += [0.0] * a


# -- a contiguous, balanced starting design (warm start and fallback) -------------------------------------


def _graph(n: int, edges: Ints) -> sparse.csr_matrix:
    both = np.concatenate([edges, edges[:, ::-1]]) if len(edges) else np.zeros((0, 2), np.int64)
    return sparse.csr_matrix((np.ones(len(both)), (both[:, 0], both[:, 1])), shape=(n, n))


def _pieces(territory: Ints, edges: Ints) -> Ints:
    """Connected-piece label of every account within its own territory (-1 accounts stay alone)."""
    n = len(territory)
    same = (territory[edges[:, 0]] == territory[edges[:, 1]]) & (territory[edges[:, 0]] >= 0)
    _, label = connected_components(_graph(n, edges[same]), directed=False)
    return np.asarray(label, dtype=np.int64)


def contiguous_start(accounts: Accounts, centers: Ints, adjacency: Ints, dist: Floats, limits: Limits
                     ) -> Ints | None:
    """Nearest-center assignment made contiguous, then balanced by moves along borders; None if stuck.

    1. Each account goes to its nearest center; only the piece holding the center is kept.
    2. Unplaced accounts join an adjacent territory (nearest center first), wave after wave.
    3. While a territory is outside its balance band, move a border account between neighbouring
       territories (never a center, never one whose leaving splits its territory), cheapest first.
    4. Border moves that shorten travel within the band, for up to two seconds.
    """
    k = dist.shape[1]
    territory: Ints = np.asarray(dist.argmin(axis=1), dtype=np.int64)
    territory[centers] = np.arange(k)
    label = _pieces(territory, adjacency)
    territory[label != label[centers][territory]] = -1
    if not _grow(territory, adjacency, dist):
        return None
    low, high = _bounds(accounts.potential, k, limits.tolerance)
    if not _balance(territory, accounts.potential, adjacency, dist, centers, low, high):
        return None
    _shorten(territory, accounts.potential, adjacency, dist, centers, low, high)
    return territory


def _shorten(territory: Ints, p: Floats, edges: Ints, dist: Floats, centers: Ints, low: float, high: float,
             seconds: float = 2.0) -> None:
    """Border moves that shorten travel and keep every territory balanced and connected."""
    k = len(centers)
    both = np.concatenate([edges, edges[:, ::-1]]) if len(edges) else np.zeros((0, 2), np.int64)
    movable = np.ones(len(territory), dtype=bool)
    movable[centers] = False
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        load = np.bincount(territory, weights=p, minlength=k).astype(np.float64)
        moves = both[(territory[both[:, 0]] != territory[both[:, 1]]) & movable[both[:, 0]]]
        account, origin, target = moves[:, 0], territory[moves[:, 0]], territory[moves[:, 1]]
        travel = dist[account, target] - dist[account, origin]
        fits = (load[origin] - p[account] >= low - 1e-9) & (load[target] + p[account] <= high + 1e-9)
        better = fits & (travel < -1e-9)
        if not better.any():
            return
        order = np.argsort(travel[better], kind="stable")
        if not _first_safe_move(territory, edges, moves[better][order], target[better][order]):
            return


def _grow(territory: Ints, edges: Ints, dist: Floats) -> bool:
    both = np.concatenate([edges, edges[:, ::-1]]) if len(edges) else np.zeros((0, 2), np.int64)
    while (territory < 0).any():
        reach = both[(territory[both[:, 0]] < 0) & (territory[both[:, 1]] >= 0)]
        if len(reach) == 0:
            return False
        cost = dist[reach[:, 0], territory[reach[:, 1]]]
        order = np.argsort(cost, kind="stable")
        first = np.unique(reach[order, 0], return_index=True)[1]
        chosen = reach[order][first]
        territory[chosen[:, 0]] = territory[chosen[:, 1]]
    return True


def _balance(territory: Ints, p: Floats, edges: Ints, dist: Floats, centers: Ints, low: float,
             high: float) -> bool:
    """Border moves that most reduce the total distance to the balance band (then the cheapest).

    A planning heuristic over accounts (not a hot path): each step scores every border move at once
    and makes the best one that leaves the losing territory connected.
    """
    k = len(centers)
    both = np.concatenate([edges, edges[:, ::-1]]) if len(edges) else np.zeros((0, 2), np.int64)
    movable = np.ones(len(territory), dtype=bool)
    movable[centers] = False

    def excess(load: Floats) -> Floats:
        return np.maximum(load - high, 0) + np.maximum(low - load, 0)

    for _ in range(4 * len(territory)):
        load = np.bincount(territory, weights=p, minlength=k).astype(np.float64)
        if excess(load).max() <= 1e-9:
            return True
        src, dst = both[:, 0], both[:, 1]
        ts, td = territory[src], territory[dst]
        moves = both[(ts != td) & movable[src]]
        if len(moves) == 0:
            return False
        account, origin, target = moves[:, 0], territory[moves[:, 0]], territory[moves[:, 1]]
        change = (excess(load[origin] - p[account]) + excess(load[target] + p[account])
                  - excess(load[origin]) - excess(load[target]))
        better = change < -1e-9
        if not better.any():
            return False
        travel = dist[account, target] - dist[account, origin]
        order = np.lexsort((travel[better], change[better]))
        if not _first_safe_move(territory, edges, moves[better][order], target[better][order]):
            return False
    return False


def _first_safe_move(territory: Ints, edges: Ints, moves: Ints, targets: Ints) -> bool:
    """Make the first move whose account's territory stays connected without it."""
    for (account, _), target in zip(moves[:50], targets[:50], strict=True):
        trial = territory.copy()
        trial[account] = target
        home = territory[account]
        members = trial == home
        keep = edges[members[edges[:, 0]] & members[edges[:, 1]]]
        index = np.flatnonzero(members)
        if len(index) == 0:
            continue
        local = np.full(len(territory), -1, dtype=np.int64)
        local[index] = np.arange(len(index))
        graph = sparse.coo_matrix((np.ones(len(keep)), (local[keep[:, 0]], local[keep[:, 1]])),
                                  shape=(len(index), len(index)))
        if connected_components(graph, directed=False)[0] == 1:
            territory[account] = target
            return True
    return False


def _start_vector(territory: Ints, centers: Ints, edges: Ints, n: int) -> Floats:
    """x and flow values of a contiguous design: flow along a BFS tree of each territory = subtree size."""
    k = len(centers)
    arcs = np.concatenate([edges, edges[:, ::-1]]) if len(edges) else np.zeros((0, 2), np.int64)
    arc_index = {(int(a), int(b)): i for i, (a, b) in enumerate(arcs)}
    x = np.zeros((n, k))
    x[np.arange(n), territory] = 1.0
    flows = np.zeros((k, len(arcs)))
    for t in range(k):
        members = territory == t
        keep = edges[members[edges[:, 0]] & members[edges[:, 1]]]
        order, parent = breadth_first_order(_graph(n, keep), int(centers[t]), directed=False,
                                            return_predecessors=True)
        size = np.where(members, 1.0, 0.0)
        for node in order[::-1]:  # children before parents
            up = parent[node]
            if up >= 0:
                size[up] += size[node]
                flows[t, arc_index[(int(up), int(node))]] = size[node]
    return np.concatenate([x.ravel(), flows.ravel()])
