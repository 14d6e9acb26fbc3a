"""PDF statements benchmark: N statements of one period, batched over processes vs one at a time.

    .venv/bin/python benchmarks/statements_bench.py [--statements 1000] [--period 2025-06]
        [--workers 2] [--batch 40] [--serial 50] [--store var/bench/pay_store.db]

The store is the 10k-payee synthetic company with a year's run, as kept by
``benchmarks/payout_bench.py --skip-pure --statements 0 --keep-store var/bench/pay_store.db``
(built here the same way when it is missing). Renders ``--statements`` PDFs with
``services.statement_pdf.render_period_pdfs`` and, for comparison, ``--serial`` PDFs one at a time
with ``services.statements.render_statements`` (0: skip). Prints one JSON line: statements, seconds
(wall), per_statement, cpu_seconds (this process, user + system, plus its workers' CPU time),
cpu_per_statement,
peak RSS of this process and of the largest worker, and the load average (wall time on a shared
machine is inflated by others: read the CPU figures). Nothing is asserted.
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

from attain.services.access import COMMAND_LINE
from attain.services.statement_pdf import render_period_pdfs
from attain.services.statements import render_statements


def cpu_seconds() -> float:
    """User + system CPU of this process (the batch workers add theirs, measured where they run)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def ensure_store(path: Path) -> str:
    """The kept payout-benchmark store, built (company, plan, a year's run) when missing."""
    url = f"sqlite:///{path.resolve()}"
    if path.exists():
        return url
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import payout_bench as pb

    from attain.engine import CalcOptions, load_folder
    from attain.services.runs import run_payouts

    inputs = load_folder(pb.company(Path("var/bench/company"), 10_000, 200_000))
    path.parent.mkdir(parents=True, exist_ok=True)
    pb.load_store(url, inputs)
    run_payouts(url, year=pb.YEAR, options=CalcOptions(threads=2, memory_limit="1500MB"), actor="bench")
    return url


def measure(name: str, figures: dict[str, Any], action: Any) -> list[Path]:
    """Wall and CPU of one way of rendering (the batch workers report their own CPU)."""
    start, cpu = time.perf_counter(), cpu_seconds()
    done = action()
    written: list[Path] = done if isinstance(done, list) else done.paths
    workers = 0.0 if isinstance(done, list) or not done.processes else done.worker_cpu_seconds
    seconds, used = time.perf_counter() - start, cpu_seconds() - cpu + workers
    count = max(1, len(written))
    if not isinstance(done, list):
        figures["peak_worker_rss_mb"] = done.peak_worker_rss_mb
    figures[name] = {
        "statements": len(written),
        "seconds": round(seconds, 2),
        "per_statement": round(seconds / count, 4),
        "cpu_seconds": round(used, 2),
        "cpu_per_statement": round(used / count, 4),
    }
    print(f"{name}: {figures[name]}", file=sys.stderr)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=1000)
    parser.add_argument("--period", default="2025-06")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--batch", type=int, default=40)
    parser.add_argument("--serial", type=int, default=50, help="Also render this many one at a time")
    parser.add_argument("--store", type=Path, default=Path("var/bench/pay_store.db"))
    args = parser.parse_args(argv)
    url = ensure_store(args.store)
    figures: dict[str, Any] = {"period": args.period, "workers": args.workers, "batch": args.batch}
    with tempfile.TemporaryDirectory(prefix="attain-statements-") as folder:
        if args.serial:
            measure(
                "serial",
                figures,
                lambda: render_statements(
                    url, COMMAND_LINE, args.period, Path(folder) / "serial", limit=args.serial
                ),
            )
        written = measure(
            "batched",
            figures,
            lambda: render_period_pdfs(
                url,
                COMMAND_LINE,
                args.period,
                Path(folder) / "batched",
                workers=args.workers,
                batch_size=args.batch,
                limit=args.statements,
            ),
        )
        figures["pdf_bytes"] = sum(p.stat().st_size for p in written)
    figures.update(figures.pop("batched"))
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    figures["load_average"] = [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(figures, default=str))


if __name__ == "__main__":
    main()
