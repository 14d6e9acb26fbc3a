"""Analytics benchmark: time per dashboard query, on the sample company and the synthetic company.

    .venv/bin/python benchmarks/analytics_bench.py [--sample-db sqlite:///var/bench/maven.db]
        [--payees 10000] [--transactions 1000000] [--data var/bench/analytics-company] [--repeat 3]

The sample company (MavenTech) is loaded with ``attain.services.demo`` into ``--sample-db`` when that
database is empty. The synthetic company comes from ``attain.services.synthetic.generate_company``;
it has no opportunities or activities, so this script derives one won opportunity per booking
(engaged 30 days before) plus, for a fifth of them, an open Engaging one, and one call per
opportunity: a benchmark shape, not sales data. Prints one JSON line per company: seconds to read
the tables, to build the fact tables once, and for every dashboard query the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from attain.analytics.compute import compute_metrics, parse_period
from attain.analytics.forecast import forecast_vs_quota, stage_weighted
from attain.analytics.funnel import period_needs, weekly_call_targets, weekly_targets
from attain.analytics.views import connect


def dashboard(period: str, cutoff: date) -> dict[str, Callable[[duckdb.DuckDBPyConnection], Any]]:
    """The queries behind the executive, manager and rep dashboards."""
    window = parse_period(period)
    return {
        "executive: company metrics, period vs previous": lambda c: compute_metrics(c, None, period),
        "executive: revenue/win rate by office": lambda c: compute_metrics(
            c, "office", period, ["revenue", "win_rate", "quota_attainment"]),
        "manager: team metrics by manager": lambda c: compute_metrics(c, "manager", period),
        "manager: open pipeline by manager and stage": lambda c: compute_metrics(
            c, "manager,stage", None, ["open_pipeline", "open_deals"]),
        "rep: leaderboard, every metric by payee": lambda c: compute_metrics(c, "payee", period),
        "rep: funnel needs (calls a day)": lambda c: period_needs(c, window, cutoff),
        "manager: weekly call targets with carry": lambda c: weekly_targets(
            c, window, weekly_call_targets(period_needs(c, window, window.start), window)),
        "executive: stage-weighted forecast next month": lambda c: stage_weighted(
            c, cutoff, (cutoff, window.end)),
        "manager: forecast vs quota by rep": lambda c: forecast_vs_quota(c, window.start, window.end, cutoff),
    }


def measure(tables: dict[str, pa.Table], period: str, cutoff: date, repeat: int) -> dict[str, float]:
    started = time.perf_counter()
    con = connect(tables)
    timings = {"prepare: register tables, build fact tables": round(time.perf_counter() - started, 3)}
    for name, query in dashboard(period, cutoff).items():
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            query(con)
            best = min(best, time.perf_counter() - started)
        timings[name] = round(best, 3)
    con.close()
    return timings


def sample_company(url: str) -> dict[str, pa.Table]:
    from attain.services.demo import load_demo
    from attain.services.metrics import analysis_tables
    from attain.store.db import upgrade

    upgrade(url)
    tables = analysis_tables(url)
    if tables["opportunity"].num_rows == 0:
        load_demo(url, actor="bench", work=Path("var/bench/demo"))
        tables = analysis_tables(url)
    return tables


SYNTHETIC_DEALS = """
SELECT 'O-' || transaction_id AS opportunity_id, NULL::VARCHAR AS name, account_id, owner_id, product_id,
       'Won' AS stage, 'won' AS status, amount, currency, NULL::DATE AS created_date,
       CAST(date - INTERVAL 30 DAY AS DATE) AS engage_date, date AS close_date,
       NULL::VARCHAR AS forecast_category
FROM txn WHERE kind = 'booking'
UNION ALL
SELECT 'P-' || transaction_id, NULL, account_id, owner_id, product_id, 'Engaging', 'open', NULL,
       currency, NULL, date, NULL, NULL
FROM txn WHERE kind = 'booking' AND hash(transaction_id) % 5 = 0
"""


def synthetic_company(folder: Path, payees: int, transactions: int) -> dict[str, pa.Table]:
    from attain.engine import load_folder
    from attain.services.synthetic import generate_company

    if not (folder / "transaction.parquet").exists():
        generate_company(folder, payees=payees, transactions=transactions, year=2025)
    tables = dict(load_folder(folder).items())
    con = duckdb.connect()
    con.register("txn", tables["transaction"])
    deals = con.sql(SYNTHETIC_DEALS).to_arrow_table()
    con.register("deals", deals)
    tables["opportunity"] = deals
    tables["activity"] = con.sql("""
        SELECT 'A-' || opportunity_id AS activity_id, owner_id AS payee_id, 'call' AS kind,
               CAST(engage_date AS TIMESTAMP) AS occurred_at, account_id, opportunity_id,
               NULL::VARCHAR AS outcome, 10::BIGINT AS duration_minutes FROM deals""").to_arrow_table()
    con.close()
    return tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sample-db", default="sqlite:///var/bench/maven.db")
    parser.add_argument("--payees", type=int, default=10_000)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--data", default="var/bench/analytics-company")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-synthetic", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    tables = sample_company(args.sample_db)
    read = round(time.perf_counter() - started, 2)
    rows = tables["opportunity"].num_rows
    timings = measure(tables, "2017-Q4", date(2017, 11, 15), args.repeat)
    print(json.dumps({"company": "MavenTech sample", "opportunities": rows, "read_seconds": read,
                      "query_seconds": timings}))
    if args.skip_synthetic:
        return
    started = time.perf_counter()
    tables = synthetic_company(Path(args.data), args.payees, args.transactions)
    read = round(time.perf_counter() - started, 2)
    timings = measure(tables, "2025-Q4", date(2025, 11, 15), args.repeat)
    print(json.dumps({"company": f"synthetic {args.payees} payees",
                      "opportunities": tables["opportunity"].num_rows, "read_seconds": read,
                      "query_seconds": timings}))


if __name__ == "__main__":
    main()
