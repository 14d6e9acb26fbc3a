"""Payout benchmark on the synthetic company: the pay stage, a stored run + diff, and statements to PDF.

    .venv/bin/python benchmarks/payout_bench.py [--payees 10000] [--transactions 1000000]
        [--store-transactions 200000] [--statements 200] [--threads 2] [--data var/bench/company]
        [--skip-pure] [--keep-store var/bench/pay_store.db]

1. Pure (file mode): engine over 12 monthly periods + the pay stage (a recoverable draw for every
   payee, a 10% holdback released two months later, clawbacks within 90 days) on ``--transactions``.
2. Store (SQLite in a temporary folder): the company with ``--store-transactions`` is upserted, the
   plan published, ``run_payouts`` for the year, 1% of the deals changed, a second run, and
   ``diff`` of the two runs, then a ``--payee`` run of one rep and of one manager.
3. Statements (one at a time, ``services.statements.render_statements``): ``--statements`` payees'
   PDF statements of one period from the stored run (0: skip). The batch renderer has its own
   benchmark, ``benchmarks/statements_bench.py``, which can reuse the store kept by ``--keep-store``.

Prints one JSON line of figures (seconds, rows, peak RSS); nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import yaml

from attain.engine import CalcOptions, InputTables, calculate, load_folder
from attain.payouts import pay
from attain.plans.schema import PlanDocument
from attain.services.access import COMMAND_LINE
from attain.services.runs import diff, run_payouts
from attain.services.statements import render_statements
from attain.services.synthetic import generate_company
from attain.store.bulk import upsert
from attain.store.db import transaction, upgrade
from attain.store.plans import publish, save_draft

YEAR = 2025
MONTHS = [f"{YEAR}-{m:02d}" for m in range(1, 13)]
PLAN: dict[str, Any] = {
    "plan": "sales",
    "version": 1,
    "effective_from": f"{YEAR}-01-01",
    "pay_period": "month",
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
            "rating": "marginal",
            "evaluation": "cumulative",
            "tier_period": "year",
            "tiers": [{"from": 0, "to": 500000, "rate": "2%"}, {"from": 500000, "rate": "4%"}],
        }
    ],
    "payout": {
        "draws": [
            {"id": "ramp", "kind": "recoverable_draw", "amount": 1500, "max_recovery_per_period": 1000}
        ],
        "schedules": [
            {"id": "holdback", "installments": [{"share": "90%"}, {"share": "10%", "delay_periods": 2}]}
        ],
        "clawback": {"window_days": 90},
    },
}


def peak_rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def timed(figures: dict[str, Any], name: str, action: Callable[[], Any]) -> Any:
    """Wall seconds and this process's CPU seconds (all its threads) of one step."""
    start, cpu = time.perf_counter(), time.process_time()
    value = action()
    figures[f"{name}_seconds"] = round(time.perf_counter() - start, 2)
    figures[f"{name}_cpu_seconds"] = round(time.process_time() - cpu, 2)
    print(
        f"{name}: {figures[f'{name}_seconds']}s wall, {figures[f'{name}_cpu_seconds']}s CPU", file=sys.stderr
    )
    return value


def company(root: Path, payees: int, transactions: int) -> Path:
    data = root / f"{payees}x{transactions}"
    if not (data / "transaction.parquet").exists():
        generate_company(data, payees=payees, transactions=transactions, year=YEAR)
    return data


def pure(figures: dict[str, Any], data: Path, threads: int) -> None:
    plan = PlanDocument.model_validate(PLAN)
    inputs = timed(figures, "pure_load", lambda: load_folder(data))
    with tempfile.TemporaryDirectory(prefix="attain-pay-bench-") as out:
        options = CalcOptions(threads=threads, memory_limit="1500MB", output_dir=Path(out))
        result = timed(figures, "pure_engine", lambda: calculate(inputs, [plan], MONTHS, options))
        paid = timed(
            figures,
            "pure_pay",
            lambda: pay(result, [plan], inputs, MONTHS, threads=threads, memory_limit="1500MB"),
        )
    figures.update(
        pure_transactions=inputs["transaction"].num_rows,
        pure_payees=inputs["payee"].num_rows,
        pure_payout_lines=paid.lines.num_rows,
        pure_balances=paid.balances.num_rows,
        pure_holds=paid.holds.num_rows,
        pure_issues=len(paid.issues),
    )


def merged_splits(splits: pa.Table) -> pa.Table:
    """The generator may split a deal twice to one payee: one row per key (percents added) for the store."""
    grouped = splits.group_by(["opportunity_id", "payee_id"]).aggregate([("percent", "sum"), ("role", "min")])
    return pa.table(
        {
            "opportunity_id": grouped.column("opportunity_id"),
            "payee_id": grouped.column("payee_id"),
            "role": grouped.column("role_min"),
            "percent": grouped.column("percent_sum"),
        }
    ).cast(splits.schema)


def load_store(url: str, inputs: InputTables) -> None:
    upgrade(url)
    with transaction(url, "bench") as conn:
        for name in inputs:
            table = inputs[name] if name != "opportunity_split" else merged_splits(inputs[name])
            if table.num_rows:
                keep = [c for c in table.column_names if c not in ("source_file", "source_line")]
                upsert(conn, name, table.select(keep), batch_id=None, actor="bench")
        save_draft(conn, "sales", 1, yaml.safe_dump(PLAN), actor="bench")
        publish(conn, "sales", 1, actor="bench")


def change_one_percent(url: str, inputs: InputTables) -> None:
    deals = inputs["transaction"]
    picked = deals.filter(pc.equal(pc.bit_wise_and(pa.array(range(deals.num_rows), pa.int64()), 127), 0))
    bumped = pc.multiply(picked.column("amount"), pa.scalar(Decimal("1.10"), pa.decimal128(3, 2)))
    index = picked.schema.get_field_index("amount")
    picked = picked.set_column(
        index, "amount", pc.cast(bumped, deals.schema.field("amount").type, safe=False)
    )
    keep = [c for c in picked.column_names if c not in ("source_file", "source_line")]
    with transaction(url, "bench") as conn:
        upsert(conn, "transaction", picked.select(keep), batch_id=None, actor="bench")


def stored(figures: dict[str, Any], data: Path, threads: int, statements: int, keep: Path | None) -> None:
    with tempfile.TemporaryDirectory(prefix="attain-pay-store-") as folder:
        if keep is not None:
            keep.parent.mkdir(parents=True, exist_ok=True)
            keep.unlink(missing_ok=True)
        url = f"sqlite:///{keep.resolve() if keep else Path(folder) / 'bench.db'}"
        inputs = load_folder(data)
        timed(figures, "store_load", lambda: load_store(url, inputs))
        options = CalcOptions(threads=threads, memory_limit="1500MB")
        first = timed(
            figures, "store_run", lambda: run_payouts(url, year=YEAR, options=options, actor="bench")
        )
        timed(figures, "store_change_1pct", lambda: change_one_percent(url, inputs))
        second = timed(
            figures, "store_rerun", lambda: run_payouts(url, year=YEAR, options=options, actor="bench")
        )
        _, changed = timed(
            figures, "store_diff", lambda: diff(url, COMMAND_LINE, second.run_id, first.run_id)
        )
        figures.update(
            store_transactions=inputs["transaction"].num_rows,
            store_payout_lines=first.lines,
            store_payees=first.payees,
            diff_rows=changed.num_rows,
            diff_example=(changed.slice(0, 1).to_pylist() or [{}])[0].get("reasons"),
        )
        rep = inputs["transaction"].column("owner_id")[0].as_py()
        manager = inputs["reporting_line"].column("manager_id")[0].as_py()
        for name, payee in (("store_payee_run_rep", rep), ("store_payee_run_manager", manager)):
            timed(
                figures,
                name,
                partial(run_payouts, url, year=YEAR, payees=[payee], options=options, actor="bench"),
            )
        if statements:
            out = Path(folder) / "statements"
            written = timed(
                figures,
                "statements_pdf",
                lambda: render_statements(url, COMMAND_LINE, f"{YEAR}-06", out, limit=statements),
            )
            figures["statements_rendered"] = len(written)
            per_cpu = figures["statements_pdf_cpu_seconds"] / max(1, len(written))
            figures["pdf_cpu_seconds_per_statement"] = round(per_cpu, 3)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payees", type=int, default=10_000)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--store-transactions", type=int, default=200_000)
    parser.add_argument("--statements", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data", type=Path, default=Path("var/bench/company"))
    parser.add_argument("--skip-pure", action="store_true")
    parser.add_argument("--skip-store", action="store_true")
    parser.add_argument(
        "--keep-store", type=Path, default=None, help="Keep the SQLite store here (for statements_bench)"
    )
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {"payees": args.payees, "threads": args.threads}
    if not args.skip_pure:
        pure(figures, company(args.data, args.payees, args.transactions), args.threads)
    if not args.skip_store:
        data = company(args.data, args.payees, args.store_transactions)
        stored(figures, data, args.threads, args.statements, args.keep_store)
    figures["peak_rss_mb"] = peak_rss_mb()
    figures["load_average"] = [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(figures, default=str))


if __name__ == "__main__":
    main()
