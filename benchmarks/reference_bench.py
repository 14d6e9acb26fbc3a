"""Reference-oracle benchmark: the row-by-row oracle (tests/reference) on a synthetic sample.

    .venv/bin/python benchmarks/reference_bench.py [--transactions 100000] [--payees 200]
        [--data var/bench/company]

Generates (or reuses) a synthetic company with ``--transactions`` deals (``generate_company``),
runs the engine benchmark's plan (split + roll-up credit, 3-tier marginal commission with an
accelerator, a SPIFF and a yearly cap) through the reference oracle and through the engine, checks
that both agree to the cent on every component total, and prints one JSON line of figures
(wall and CPU seconds of each, the load average of the machine when the run ended, peak RSS).

The oracle files each payee's credits by pay period once and keeps running year totals, so its
time grows about linearly with the credits (and with payees x days on plan for who-is-on-plan-when);
most of it is the formula interpreter on the SPIFF filter and the multiplier condition. The
engine's speed is measured by engine_bench.py; this sample only checks the two agree at scale.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package (the oracle)

from engine_bench import PLAN  # this folder (the script's) is on the path first
from tests.reference import engine_probe, oracle

from attain.core.entities import ENTITIES
from attain.engine import CalcOptions, calculate, load_folder
from attain.plans.schema import PlanDocument
from attain.services.synthetic import generate_company

PERIODS = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]


def oracle_tables(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """The company's Parquet files as the oracle's typed rows (dates, Decimals, ints; no floats)."""
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in ENTITIES}
    for name, spec in ENTITIES.items():
        path = folder / f"{name}.parquet"
        if path.exists():
            tables[name] = pq.read_table(path, columns=list(spec.names)).to_pylist()
    return tables


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payees", type=int, default=200)
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--data", type=Path, default=Path("var/bench/company"))
    args = parser.parse_args(argv)
    data = args.data / f"{args.payees}x{args.transactions}"
    if not (data / "transaction.parquet").exists():
        generate_company(data, payees=args.payees, transactions=args.transactions)
    plan = PlanDocument.model_validate(PLAN)
    tables = oracle_tables(data)
    start, cpu = time.perf_counter(), time.process_time()
    expected = oracle.calculate(tables, [plan], PERIODS)
    oracle_seconds, oracle_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    result = calculate(load_folder(data), [plan], PERIODS, CalcOptions(threads=2))
    engine_seconds, engine_cpu = time.perf_counter() - start, time.process_time() - cpu
    oracle_amounts = expected.amounts()
    problems = engine_probe.disagreements(oracle_amounts, engine_probe.totals(result.component_totals))
    print(
        json.dumps(
            {
                "transactions": len(tables["transaction"]),
                "payees": len(tables["payee"]),
                "oracle_seconds": round(oracle_seconds, 2),
                "oracle_cpu_seconds": round(oracle_cpu, 2),
                "oracle_transactions_per_second": round(len(tables["transaction"]) / oracle_seconds),
                "engine_seconds": round(engine_seconds, 2),
                "engine_cpu_seconds": round(engine_cpu, 2),
                "component_totals": result.component_totals.num_rows,
                "oracle_amount_total": str(engine_probe.to_cent(sum(oracle_amounts.values(), Decimal(0)))),
                "disagreements": len(problems),
                "first_disagreements": problems[:3],
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "load_average_1m": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
