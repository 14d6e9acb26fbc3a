"""Territory design benchmark: 3,000 accounts x 30 territories, ±5% potential balance.

    .venv/bin/python benchmarks/territory_bench.py [--accounts 3000] [--territories 30]
        [--tolerance 0.05] [--workload-tolerance 0.1] [--time-limit 60] [--threads 2] [--rounds 3]
        [--rebalance-moved 0.05] [--contiguous]

``--contiguous`` keeps every territory connected on the Delaunay graph of the accounts (the flow
model of ``attain.planning.contiguity``, solved whole by HiGHS): use it on hundreds of accounts,
e.g. ``--accounts 300 --territories 10 --contiguous``; it prints the plain design beside it.

Accounts are synthetic (fixed seed): clustered around 12 metro areas in the continental US, with a
skewed potential (log-normal) and a workload of 1-20 visits. Centers start from farthest-point
seeding; each round is one HiGHS MILP (90,000 binaries) warm-started from the greedy + local search
heuristic. Prints solve time, HiGHS's gap, the heuristic's distance and the 1-minute load average.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from attain.planning.contiguity import delaunay_adjacency, is_contiguous
from attain.planning.territories import Accounts, Limits, design, distances, greedy, seed_centers


def synthetic_accounts(n: int, seed: int = 42) -> Accounts:
    """Accounts around 12 metro areas, log-normal potential, 1-20 visits of workload."""
    rng = np.random.default_rng(seed)
    metros = np.column_stack([rng.uniform(30, 47, 12), rng.uniform(-122, -72, 12)])
    which = rng.integers(0, 12, n)
    lat = metros[which, 0] + rng.normal(0, 1.2, n)
    lon = metros[which, 1] + rng.normal(0, 1.5, n)
    potential = np.round(rng.lognormal(11, 1.0, n), 0)
    workload = rng.integers(1, 21, n).astype(np.float64)
    return Accounts([f"ACC{i:05d}" for i in range(n)], potential, lat, lon, workload)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=3000)
    parser.add_argument("--territories", type=int, default=30)
    parser.add_argument("--tolerance", type=float, default=0.05)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workload-tolerance", type=float, default=None)
    parser.add_argument("--rebalance-moved", type=float, default=None,
                        help="Then grow potentials ±20% (seeded) and rebalance moving at most this share")
    parser.add_argument("--contiguous", action="store_true",
                        help="Keep territories connected (Delaunay graph)")
    args = parser.parse_args()
    accounts = synthetic_accounts(args.accounts)
    limits = Limits(tolerance=args.tolerance, workload_tolerance=args.workload_tolerance,
                    time_limit=args.time_limit, gap=0.01, threads=args.threads)
    load_before = os.getloadavg()[0]
    began = time.perf_counter()
    centers = seed_centers(accounts, args.territories)
    dist = distances(accounts, centers)
    heuristic = greedy(accounts, dist, limits)
    heuristic_seconds = time.perf_counter() - began
    heuristic_km = float(dist[np.arange(len(accounts)), heuristic].sum()) if heuristic is not None else None
    result = design(accounts, args.territories, limits, rounds=args.rounds)
    if args.contiguous:
        contiguous(accounts, args.territories, limits, args.rounds, result.territory)
    load_after = os.getloadavg()[0]
    print(f"accounts={len(accounts)} territories={args.territories} tolerance=±{args.tolerance:.0%} "
          f"workload={args.workload_tolerance} threads={args.threads} rounds={args.rounds}")
    print(f"heuristic (greedy + local search, first centers): {heuristic_seconds:.1f} s, "
          f"{heuristic_km:,.0f} km" if heuristic_km is not None else "heuristic: no balanced design")
    print(f"design: method={result.method} time={result.seconds:.1f} s distance={result.distance_km:,.0f} km "
          f"bound={result.bound_km:,.0f} km gap={result.gap:.3%} max imbalance={result.max_imbalance:.2%}")
    print(f"load average (1 min): {load_before:.1f} before, {load_after:.1f} after; cpus={os.cpu_count()}")
    if args.rebalance_moved is not None:
        rebalance(accounts, result.territory, limits, args.rebalance_moved)


def contiguous(accounts: Accounts, k: int, limits: Limits, rounds: int, plain: np.ndarray) -> None:
    """The same design with every territory connected on the accounts' Delaunay graph."""
    graph = delaunay_adjacency(accounts)
    began = time.perf_counter()
    result = design(accounts, k, limits, rounds=rounds, adjacency=graph)
    print(f"plain design contiguous: {is_contiguous(plain, graph, k)}; graph: {len(graph)} edges")
    print(f"contiguous: method={result.method} time={time.perf_counter() - began:.1f} s "
          f"distance={result.distance_km:,.0f} km gap={result.gap:.3%} "
          f"max imbalance={result.max_imbalance:.2%} connected={is_contiguous(result.territory, graph, k)}")


def rebalance(accounts: Accounts, today: np.ndarray, limits: Limits, share: float) -> None:
    """A year later: potentials change ±20%; rebalance with at most ``share`` of the accounts moving."""
    grown = np.round(accounts.potential * np.random.default_rng(1).uniform(0.8, 1.2, len(accounts)))
    later = Accounts(accounts.ids, grown, accounts.lat, accounts.lon, accounts.workload, today)
    loads = np.bincount(today, weights=grown)
    k = len(loads)
    moved_limits = Limits(limits.tolerance, limits.workload_tolerance, share, limits.time_limit, limits.gap,
                          limits.threads)
    result = design(later, k, moved_limits, rounds=1)
    print(f"rebalance: imbalance before {np.abs(loads / loads.mean() - 1).max():.2%}; at most {share:.0%} "
          f"moving: method={result.method} time={result.seconds:.1f} s moved={result.moved} "
          f"gap={result.gap:.3%} max imbalance={result.max_imbalance:.2%} load={os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
