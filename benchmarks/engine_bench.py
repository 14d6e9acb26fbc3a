"""Engine benchmark: a full fiscal year for a synthetic company, with the trace written to Parquet.

    .venv/bin/python benchmarks/engine_bench.py [--payees 10000] [--transactions 5000000]
        [--data var/bench/company] [--threads 2] [--memory-limit 1GB]

Generates (or reuses) the company, runs a plan with owner/split credit + a 1-level manager roll-up,
a 3-tier marginal cumulative commission with an accelerator (multiplier), a SPIFF and a yearly cap,
writes credits and earnings (the trace) to Parquet, and prints one JSON line of figures, among them
``scan_seconds``: a bare DuckDB scan-and-sum of the same transactions in the same process.
Figures of the runs so far: docs/engine.md ("Benchmark").
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from attain.engine import CalcOptions, calculate, load_folder
from attain.plans.schema import PlanDocument
from attain.services.synthetic import generate_company

PLAN = {
    "plan": "sales",
    "version": 1,
    "effective_from": "2025-01-01",
    "pay_period": "quarter",
    "credit_rules": [
        {"id": "owner_or_team", "kind": "split", "fallback_to_owner": True},
        {"id": "managers", "kind": "rollup", "levels": 1},
    ],
    "measures": [{"id": "bookings", "proration": "days"}],
    "components": [
        {
            "id": "commission",
            "kind": "tiered",
            "measure": "bookings",
            "basis": "attainment",
            "rating": "marginal",
            "evaluation": "cumulative",
            "tiers": [
                {"from": 0, "to": 0.5, "rate": "2%"},
                {"from": 0.5, "to": 1.0, "rate": "4%"},
                {"from": 1.0, "rate": "6%"},
            ],
            "cap": {"amount": 250000, "per": "year"},
        },
        {
            "id": "multi_year",
            "kind": "multiplier",
            "applies_to": ["commission"],
            "factor": 1.5,
            "condition": "contract_term_months >= 36",
        },
        {
            "id": "cloud_spiff",
            "kind": "spiff",
            "filter": "product_family = 'Cloud' and amount >= 40000",
            "amount": 250,
            "credit_rules": ["owner_or_team"],
        },
    ],
}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _scan_seconds(data: Path, threads: int) -> float:
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    start = time.perf_counter()
    source = data / "transaction.parquet"
    con.execute(f"SELECT owner_id, SUM(amount) FROM read_parquet('{source}') GROUP BY owner_id").fetchall()  # noqa: S608
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payees", type=int, default=10_000)
    parser.add_argument("--transactions", type=int, default=5_000_000)
    parser.add_argument("--data", type=Path, default=Path("var/bench/company"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="1GB")
    args = parser.parse_args(argv)
    data = args.data / f"{args.payees}x{args.transactions}"
    if not (data / "transaction.parquet").exists():
        began = time.perf_counter()
        generate_company(data, payees=args.payees, transactions=args.transactions)
        print(f"generated {data} in {time.perf_counter() - began:.1f}s", file=sys.stderr)
    plan = PlanDocument.model_validate(PLAN)
    with tempfile.TemporaryDirectory(prefix="attain-bench-") as out:
        options = CalcOptions(threads=args.threads, memory_limit=args.memory_limit, output_dir=Path(out))
        start = time.perf_counter()
        inputs = load_folder(data)
        result = calculate(
            inputs,
            [plan],
            ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"],
            options,
            progress=lambda stage: print(f"{time.perf_counter() - start:6.2f}s {stage}", file=sys.stderr),
        )
        seconds = time.perf_counter() - start
        figures = {
            "transactions": inputs.rows("transaction"),
            "payees": inputs.rows("payee"),
            "credits": result.rows("credits"),
            "earning_lines": result.rows("earnings"),
            "seconds": round(seconds, 2),
            "transactions_per_second": round(inputs.rows("transaction") / seconds),
            "peak_rss_mb": round(_peak_rss_mb()),
            "scan_seconds": round(_scan_seconds(data, args.threads), 3),
            "threads": args.threads,
            "memory_limit": args.memory_limit,
            "issues": len(result.issues),
        }
        figures["times_scan"] = round(seconds / figures["scan_seconds"], 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
