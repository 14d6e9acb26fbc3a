"""Territory design against brute force on small instances, plus balance, disruption and fallback."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from attain.core.errors import AttainError
from attain.planning.territories import (
    Accounts,
    Limits,
    assign,
    design,
    distances,
    greedy,
    p_median,
    tradeoff,
)


def sample(n: int, seed: int, current: bool = False) -> Accounts:
    rng = np.random.default_rng(seed)
    return Accounts(
        ids=[f"A{i}" for i in range(n)],
        potential=rng.integers(10, 100, n).astype(np.float64),
        lat=rng.uniform(40, 42, n),
        lon=rng.uniform(-75, -72, n),
        workload=rng.integers(1, 10, n).astype(np.float64),
        current=(np.arange(n) % 2).astype(np.int64) if current else None,
    )


def brute_assign(acc: Accounts, centers: np.ndarray, tol: float, max_moved: float | None = None
                 ) -> float:
    dist = distances(acc, centers)
    n, k = dist.shape
    low, high = acc.potential.sum() / k * (1 - tol), acc.potential.sum() / k * (1 + tol)
    best = np.inf
    for choice in itertools.product(range(k), repeat=n):
        t = np.array(choice)
        load = np.bincount(t, weights=acc.potential, minlength=k)
        if load.min() < low or load.max() > high:
            continue
        if max_moved is not None and acc.current is not None and (t != acc.current).sum() > max_moved * n:
            continue
        best = min(best, float(dist[np.arange(n), t].sum()))
    return best


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_assignment_matches_brute_force(seed: int) -> None:
    acc = sample(9, seed)
    centers = np.array([0, 4, 8])
    expected = brute_assign(acc, centers, 0.15)
    found = assign(acc, centers, Limits(tolerance=0.15, gap=0.0))
    assert found.method == "milp"
    assert found.distance_km == pytest.approx(expected, rel=1e-6)
    assert found.gap <= 1e-6
    assert found.max_imbalance <= 0.15 + 1e-9


def test_balance_costs_travel() -> None:
    acc = sample(9, 4)
    centers = np.array([0, 4, 8])
    loose = assign(acc, centers, Limits(tolerance=1.0, gap=0.0))
    tight = assign(acc, centers, Limits(tolerance=0.1, gap=0.0))
    assert loose.distance_km == pytest.approx(brute_assign(acc, centers, 1.0), rel=1e-6)
    assert tight.distance_km >= loose.distance_km
    assert tight.max_imbalance <= 0.1 + 1e-9


def test_disruption_limit_matches_brute_force() -> None:
    acc = sample(10, 5, current=True)
    centers = np.array([0, 1])
    for share in (0.1, 0.3, 1.0):
        found = assign(acc, centers, Limits(tolerance=0.2, max_moved=share, gap=0.0))
        assert found.moved <= share * 10
        assert found.distance_km == pytest.approx(brute_assign(acc, centers, 0.2, share), rel=1e-6)


def brute_p_median(acc: Accounts, k: int, tol: float) -> float:
    n = len(acc)
    best = np.inf
    for centers in itertools.combinations(range(n), k):
        best = min(best, brute_assign(acc, np.array(centers), tol))
    return best


@pytest.mark.parametrize("seed", [6, 7])
def test_exact_p_median_matches_brute_force(seed: int) -> None:
    acc = sample(7, seed)
    found = p_median(acc, 2, Limits(tolerance=0.2, gap=0.0))
    assert found.distance_km == pytest.approx(brute_p_median(acc, 2, 0.2), rel=1e-6)
    assert len(found.centers) == 2 and found.max_imbalance <= 0.2 + 1e-9


def test_infeasible_balance_is_an_error() -> None:
    acc = Accounts(["a", "b", "c"], np.array([100.0, 1.0, 1.0]), np.array([40.0, 41, 42]),
                   np.array([-75.0, -74, -73]))
    with pytest.raises(AttainError) as caught:
        assign(acc, np.array([0, 1]), Limits(tolerance=0.05))
    assert caught.value.code == "PLNG006"


def test_bad_input() -> None:
    with pytest.raises(AttainError) as caught:
        Accounts(["a"], np.array([-1.0]), np.array([1.0]), np.array([1.0]))
    assert caught.value.code == "PLNG005"
    with pytest.raises(AttainError):
        design(sample(3, 1), 5)


def test_heuristic_is_balanced_and_close() -> None:
    acc = sample(200, 8)
    centers = np.array([0, 50, 100, 150, 199])
    dist = distances(acc, centers)
    heuristic = greedy(acc, dist, Limits(tolerance=0.05))
    assert heuristic is not None
    load = np.bincount(heuristic, weights=acc.potential, minlength=5)
    mean = acc.potential.sum() / 5
    assert np.all(np.abs(load / mean - 1) <= 0.05 + 1e-9)
    optimum = assign(acc, centers, Limits(tolerance=0.05, gap=0.0))
    assert optimum.gap <= 1e-4
    assert dist[np.arange(200), heuristic].sum() <= optimum.distance_km * 1.5


def test_large_design_alternates_centers() -> None:
    acc = sample(150, 9)
    found = design(acc, 4, Limits(tolerance=0.05, time_limit=20), rounds=3)
    assert found.max_imbalance <= 0.05 + 1e-9
    assert found.gap <= 0.01 + 1e-9
    assert sorted(set(found.territory.tolist())) == [0, 1, 2, 3]


def test_tradeoff_more_moves_better_balance() -> None:
    acc = sample(12, 10, current=True)
    curve = tradeoff(acc, np.array([0, 1]), [0.0, 0.25, 1.0], Limits(time_limit=10))
    imbalance = [p.imbalance for p in curve]
    assert curve[0].moved == 0
    assert imbalance[0] >= imbalance[1] - 1e-3 >= imbalance[2] - 2e-3
    assert acc.current is not None
    today = np.bincount(acc.current, weights=acc.potential, minlength=2)
    assert imbalance[0] == pytest.approx(float(np.abs(today / today.mean() - 1).max()), abs=1e-3)
