"""Contiguous territories: known optima on small graphs, checked by enumerating every assignment.

The road example: six accounts along one road 0-1-2-3-4-5, centers 0 (territory A) and 3 (B).
Account 5 lies next to A as the crow flies but can only be reached through B's stretch of road:
without contiguity it joins A (shorter travel), with contiguity it must join B.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from attain.core.errors import AttainError
from attain.planning.contiguity import (
    adjacency_from_pairs,
    assign_contiguous,
    contiguous_start,
    delaunay_adjacency,
    is_contiguous,
)
from attain.planning.territories import Accounts, Limits, assign, design, distances

ROAD = [("r0", "r1"), ("r1", "r2"), ("r2", "r3"), ("r3", "r4"), ("r4", "r5")]


def _road() -> Accounts:
    lon = np.array([0.0, 0.01, 0.02, 0.03, 0.04, 0.001])
    lat = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.001])
    return Accounts([f"r{i}" for i in range(6)], np.ones(6), lat, lon)


def _brute_force(accounts: Accounts, centers: np.ndarray, edges: np.ndarray, tolerance: float) -> float:
    """The least total distance over every balanced, contiguous assignment with centers in place."""
    k, n = len(centers), len(accounts)
    dist = distances(accounts, centers)
    mean = accounts.potential.sum() / k
    best = np.inf
    for combo in itertools.product(range(k), repeat=n):
        territory = np.array(combo, dtype=np.int64)
        if any(territory[c] != t for t, c in enumerate(centers)):
            continue
        loads = np.bincount(territory, weights=accounts.potential, minlength=k)
        if np.any(np.abs(loads - mean) > tolerance * mean + 1e-9) or not is_contiguous(territory, edges, k):
            continue
        best = min(best, float(dist[np.arange(n), territory].sum()))
    return best


def test_the_far_end_of_the_road_joins_the_territory_it_is_connected_to() -> None:
    accounts = _road()
    edges = adjacency_from_pairs(accounts.ids, ROAD)
    centers = np.array([0, 3], dtype=np.int64)
    loose = Limits(tolerance=1.0)
    free = assign(accounts, centers, loose)
    assert free.territory[5] == 0 and not is_contiguous(free.territory, edges, 2)
    joined = assign_contiguous(accounts, centers, edges, loose)
    assert joined.territory.tolist() == [0, 0, 1, 1, 1, 1]
    assert is_contiguous(joined.territory, edges, 2) and joined.method == "milp-contiguous"
    assert joined.distance_km == pytest.approx(_brute_force(accounts, centers, edges, 1.0), abs=1e-6)
    assert joined.gap <= 0.01


@pytest.mark.parametrize("seed", [2, 8, 14])
def test_matches_the_enumerated_optimum_on_random_small_graphs(seed: int) -> None:
    """Nine accounts, three territories, Delaunay neighbours: seeds where contiguity binds."""
    rng = np.random.default_rng(seed)
    n = 9
    accounts = Accounts([f"a{i}" for i in range(n)], rng.integers(1, 5, n).astype(float),
                        rng.uniform(40, 41, n), rng.uniform(-74, -73, n))
    edges = delaunay_adjacency(accounts)
    centers = np.array([0, 1, 2], dtype=np.int64)
    limits = Limits(tolerance=0.25, gap=0.0)
    free = assign(accounts, centers, limits)
    found = assign_contiguous(accounts, centers, edges, limits)
    assert not is_contiguous(free.territory, edges, 3) and is_contiguous(found.territory, edges, 3)
    assert found.distance_km == pytest.approx(_brute_force(accounts, centers, edges, 0.25), rel=1e-9)
    assert found.distance_km > free.distance_km


def test_design_keeps_every_territory_of_a_grid_connected() -> None:
    side = 6
    ys, xs = np.divmod(np.arange(side * side), side)
    accounts = Accounts([f"g{i}" for i in range(side * side)], np.ones(side * side), 40 + ys * 0.05,
                        -74 + xs * 0.05)
    pairs = [(f"g{i}", f"g{i + 1}") for i in range(side * side) if i % side < side - 1]
    pairs += [(f"g{i}", f"g{i + side}") for i in range(side * (side - 1))]
    edges = adjacency_from_pairs(accounts.ids, pairs)
    found = design(accounts, 4, Limits(tolerance=0.0, time_limit=30), adjacency=edges, rounds=2)
    assert is_contiguous(found.territory, edges, 4)
    assert np.bincount(found.territory).tolist() == [9, 9, 9, 9]


def test_bad_graphs_are_refused() -> None:
    accounts = _road()
    with pytest.raises(AttainError) as unknown:
        adjacency_from_pairs(accounts.ids, [("r0", "nowhere")])
    assert unknown.value.code == "PLNG005"
    island = adjacency_from_pairs(accounts.ids, ROAD[:2])  # r3, r4, r5 are cut off from center r0
    with pytest.raises(AttainError) as cut:
        assign_contiguous(accounts, np.array([0, 1], dtype=np.int64), island, Limits(tolerance=1.0))
    assert cut.value.code == "PLNG006"


def test_a_line_of_accounts_gets_a_path_graph() -> None:
    accounts = Accounts(["a", "b", "c"], np.ones(3), np.zeros(3), np.array([0.0, 2.0, 1.0]))
    assert delaunay_adjacency(accounts).tolist() == [[0, 2], [1, 2]]


def test_the_starting_design_is_balanced_and_connected() -> None:
    """The heuristic that warm-starts the solver (and stands in when it finds nothing in time)."""
    rng = np.random.default_rng(5)
    side = 10
    ys, xs = np.divmod(np.arange(side * side), side)
    accounts = Accounts([f"g{i}" for i in range(side * side)], rng.lognormal(3, 0.5, side * side),
                        40 + ys * 0.05, -74 + xs * 0.05)
    edges = delaunay_adjacency(accounts)
    centers = np.array([0, 9, 90, 99], dtype=np.int64)
    limits = Limits(tolerance=0.05)
    start = contiguous_start(accounts, centers, edges, distances(accounts, centers), limits)
    assert start is not None and is_contiguous(start, edges, 4)
    loads = np.bincount(start, weights=accounts.potential)
    assert np.abs(loads / loads.mean() - 1).max() <= 0.05 + 1e-9
    assert start[centers].tolist() == [0, 1, 2, 3]
