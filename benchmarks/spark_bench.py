"""Spark benchmark: the engine benchmark's plan and company on Spark local[N] (or embedded, to compare).

    .venv/bin/python benchmarks/spark_bench.py [--executor spark|duckdb] [--transactions 5000000]
        [--payees 10000] [--data var/bench/company] [--threads 2] [--driver-memory 6g]

Same plan (benchmarks/engine_bench.py), same full year with the trace written to Parquet; the
company's big Parquet files (transactions, splits) are read by Spark where they lie
(``register_parquet``, listed as ``inputs_read_in_place``), the others shipped as Arrow. For
Spark, the JVM start-up (starting the context) is timed apart from the calculation. CPU seconds
are counted for this Python process and for the JVM (read from /proc: Spark's JVM is a child
process that ``/usr/bin/time`` does not always see), because wall time on a shared machine
mostly measures the other users. Prints one JSON line; figures and sizing: docs/spark.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from engine_bench import PLAN, _scan_seconds  # benchmarks/ is the script folder (sys.path[0])

from attain.engine import CalcOptions, calculate, load_folder
from attain.plans.schema import PlanDocument
from attain.services.synthetic import generate_company

PERIODS = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]


def _children() -> list[int]:
    """Process ids of this process's descendants (the JVM and its helpers)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [os.getpid()]
    while frontier:
        parent = frontier.pop()
        kids = [pid for pid, ppid in parents.items() if ppid == parent]
        found += kids
        frontier += kids
    return found


def _jvm_figures() -> tuple[float, float]:
    """(CPU seconds, peak RSS MB) of the descendants still running."""
    cpu, peak = 0.0, 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in _children():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / ticks
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) / 1024)
        except (OSError, IndexError, ValueError):
            continue
    return cpu, peak


def _python_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _start_spark(options: CalcOptions) -> float:
    """Start the Spark context (the JVM) and return the seconds it took."""
    from attain.engine.executors.spark import SparkExecutor

    began = time.perf_counter()
    SparkExecutor.from_options(options).close()
    return time.perf_counter() - began


def run(args: argparse.Namespace) -> dict[str, Any]:
    data = args.data / f"{args.payees}x{args.transactions}"
    if not (data / "transaction.parquet").exists():
        began = time.perf_counter()
        generate_company(data, payees=args.payees, transactions=args.transactions)
        print(f"generated {data} in {time.perf_counter() - began:.1f}s", file=sys.stderr)
    plan = PlanDocument.model_validate(PLAN)
    figures: dict[str, Any] = {"executor": args.executor, "threads": args.threads}
    with tempfile.TemporaryDirectory(prefix="attain-spark-bench-", dir=args.temp_dir) as out:
        options = CalcOptions(
            threads=args.threads,
            memory_limit=args.driver_memory if args.executor == "spark" else args.memory_limit,
            executor=args.executor,
            output_dir=Path(out),
            temp_dir=args.temp_dir,
        )
        if args.executor == "spark":
            figures["startup_seconds"] = round(_start_spark(options), 2)
        cpu_before, jvm_before = _python_cpu(), _jvm_figures()[0]
        stages: dict[str, float] = {}
        start = time.perf_counter()

        def stage(name: str) -> None:
            stages[name] = round(time.perf_counter() - start, 2)
            print(f"{stages[name]:8.2f}s {name}", file=sys.stderr, flush=True)

        inputs = load_folder(data)
        result = calculate(inputs, [plan], PERIODS, options, progress=stage)
        seconds = time.perf_counter() - start
        jvm_cpu, jvm_peak = _jvm_figures()
        figures |= {
            "transactions": inputs.rows("transaction"),
            "payees": inputs.rows("payee"),
            "inputs_read_in_place": [name for name in inputs if inputs.file(name) is not None],
            "credits": result.rows("credits"),
            "earning_lines": result.rows("earnings"),
            "seconds": round(seconds, 2),
            "transactions_per_second": round(inputs.rows("transaction") / seconds),
            "python_cpu_seconds": round(_python_cpu() - cpu_before, 1),
            "jvm_cpu_seconds": round(jvm_cpu - jvm_before, 1),
            "python_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "jvm_peak_rss_mb": round(jvm_peak),
            "stage_started_at": stages,
            "issues": len(result.issues),
            "scan_seconds": round(_scan_seconds(data, args.threads), 3),
        }
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--executor", choices=["spark", "duckdb"], default="spark")
    parser.add_argument("--payees", type=int, default=10_000)
    parser.add_argument("--transactions", type=int, default=5_000_000)
    parser.add_argument("--data", type=Path, default=Path("var/bench/company"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--driver-memory", default="6g", help="Spark driver JVM heap (local: all Spark)")
    parser.add_argument("--memory-limit", default="1500MB", help="DuckDB memory limit (--executor duckdb)")
    parser.add_argument("--temp-dir", type=Path, default=None, help="Spill and Parquet parts folder")
    print(json.dumps(run(parser.parse_args(argv))))


if __name__ == "__main__":
    main()
