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
from scipy.sparse.csgraph import connected_components
from scipy.spatial import Delaunay, QhullError

from attain.core.errors import AttainError
from attain.planning.codes import BAD_ACCOUNTS, NO_DESIGN
from attain.planning.territories import (
    Accounts,
    Design,
    Floats,
    Ints,
    Limits,
    _check,
    _design,
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
    solved = _solve(lp, limits)
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
