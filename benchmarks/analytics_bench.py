"""Analytics benchmark: time per dashboard (every panel) and per query, on the sample and a synthetic company.

    .venv/bin/python benchmarks/analytics_bench.py [--sample-db sqlite:///var/bench/maven.db]
        [--payees 10000] [--transactions 1000000] [--data var/bench/analytics-company] [--repeat 3]

The sample company (MavenTech) is loaded with ``attain.services.demo`` into ``--sample-db`` when that
database is empty. The synthetic company comes from ``attain.services.synthetic.generate_company``;
it has no opportunities or activities, so this script derives one won opportunity per booking
(engaged 30 days before) plus, for a fifth of them, an open Engaging one, and one call per
opportunity: a benchmark shape, not sales data. Prints one JSON line per company, every figure as
wall and CPU seconds (the CPU of every thread of the process: the fair figure on a shared machine):
reading the tables, building the fact tables once (what ``attain.services.metrics.snapshot`` keeps
between requests), the best of ``--repeat`` runs of each whole dashboard as the web page builds it
(executive on the company, manager on the team of the manager with most reports, rep on that team's
top seller; without the expected commission), the expected commission's engine run once, and the
single queries behind the panels.
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

from attain.analytics import dashboards
from attain.analytics.compute import compute_metrics, parse_period
from attain.analytics.forecast import forecast_vs_quota, stage_weighted
from attain.analytics.funnel import period_needs, weekly_call_targets, weekly_targets
from attain.analytics.panels import payee_names
from attain.analytics.views import connect, scoped

TEAM_SQL = """
WITH RECURSIVE line AS (SELECT payee_id, manager_id FROM reporting_line
                        QUALIFY row_number() OVER (PARTITION BY payee_id ORDER BY valid_from DESC) = 1),
chosen AS (SELECT manager_id FROM line GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1),
team(payee_id) AS (SELECT manager_id FROM chosen
                   UNION SELECT l.payee_id FROM line l JOIN team t ON l.manager_id = t.payee_id)
SELECT payee_id FROM team ORDER BY 1"""


def scopes(con: duckdb.DuckDBPyConnection) -> tuple[list[str], str]:
    """The team of the manager with most direct reports (and everyone below), and that team's top seller."""
    team = [row[0] for row in con.execute(TEAM_SQL).fetchall()]
    top = con.execute("SELECT payee_id FROM fact_deal WHERE status = 'won' "
                      "AND payee_id IN (SELECT unnest($t)) GROUP BY 1 ORDER BY sum(amount) DESC LIMIT 1",
                      {"t": team}).fetchone()
    return team, top[0] if top else team[-1]


def queries(period: str, cutoff: date) -> dict[str, Callable[[duckdb.DuckDBPyConnection], Any]]:
    """The single queries behind the dashboards, timed one by one (on the whole company)."""
    window = parse_period(period)
    return {
        "query: company metrics, period vs previous": lambda c: compute_metrics(c, None, period),
        "query: every metric by manager": lambda c: compute_metrics(c, "manager", period),
        "query: every metric by payee (leaderboard)": lambda c: compute_metrics(c, "payee", period),
        "query: revenue by territory and segment": lambda c: compute_metrics(
            c, "territory,segment", period, ["revenue", "customer_lifetime_value", "csat"]),
        "query: funnel needs (calls a day)": lambda c: period_needs(c, window, cutoff),
        "query: weekly call targets with carry": lambda c: weekly_targets(
            c, window, weekly_call_targets(period_needs(c, window, window.start), window)),
        "query: stage-weighted forecast": lambda c: stage_weighted(c, cutoff, (cutoff, window.end)),
        "query: forecast vs quota by rep": lambda c: forecast_vs_quota(c, window.start, window.end, cutoff),
        "panel: leaderboard (every payee)": lambda c: dashboards.leaderboard(c, window, payee_names(c)),
    }


def best(run: Callable[[], Any], repeat: int) -> dict[str, float]:
    """The fastest of ``repeat`` runs: wall seconds and the process's CPU seconds (every thread)."""
    fastest = {"wall": float("inf"), "cpu": 0.0}
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        run()
        wall = time.perf_counter() - started
        if wall < fastest["wall"]:
            fastest = {"wall": round(wall, 3), "cpu": round(time.process_time() - cpu, 3)}
    return fastest


def measure(tables: dict[str, pa.Table], period: str, cutoff: date, repeat: int,
            commission: Callable[[duckdb.DuckDBPyConnection], Any] | None = None,
            only: str = "") -> dict[str, Any]:
    """Seconds to build the facts once, per whole dashboard (every panel) and per single query."""
    built: list[duckdb.DuckDBPyConnection] = []
    timings: dict[str, Any] = {"prepare: register tables, build fact tables": best(
        lambda: built.append(connect(tables)), 1)}
    con = built[0]
    window = parse_period(period)
    team, seller = scopes(con)
    timings["manager team size"] = len(team)
    boards = {
        "dashboard: executive (company)": lambda: dashboards.executive(scoped(con, None), window, cutoff),
        "dashboard: manager (largest team)": lambda: dashboards.manager(scoped(con, team), window, cutoff),
        "dashboard: rep (its top seller)": lambda: dashboards.rep(scoped(con, [seller]), window, cutoff),
    }
    for name, board in boards.items():
        if only in name:
            timings[name] = best(board, repeat)
    if commission is not None and not only:
        timings["expected commission, company (engine run)"] = best(lambda: commission(con), 1)
    for name, query in queries(period, cutoff).items():
        if only in name:
            timings[name] = best(lambda q=query: q(con), repeat)  # type: ignore[misc]
    con.close()
    return timings


def company_commission(tables: dict[str, pa.Table], plans: list[Any], period: str,
                       cutoff: date) -> Callable[[duckdb.DuckDBPyConnection], Any]:
    """Expected commission of every rep for the period: the engine on bookings to the cut-off plus
    each rep's weighted pipeline (what the executive dashboard's forecast panel adds)."""
    from datetime import timedelta

    from attain.services.forecast import commission_for

    window = parse_period(period)

    def run(con: duckdb.DuckDBPyConnection) -> Any:
        reps = forecast_vs_quota(con, window.start, window.end, cutoff)
        expected = {r["payee_id"]: r["pipeline"] for r in reps}
        return commission_for(tables, plans, window, cutoff + timedelta(days=1), expected)

    return run


def sample_company(url: str) -> dict[str, pa.Table]:
    """MavenTech with its synthetic survey answers, every entity as the dashboards' snapshot reads it."""
    from attain.services.demo import load_demo
    from attain.services.metrics import seed_demo_surveys
    from attain.store.db import reading, upgrade
    from attain.store.repos import load_inputs

    upgrade(url)
    with reading(url) as conn:
        tables = load_inputs(conn)
    if tables["opportunity"].num_rows == 0 or tables["survey"].num_rows == 0:
        if tables["opportunity"].num_rows == 0:
            load_demo(url, actor="bench", work=Path("var/bench/demo"))
        seed_demo_surveys(url, actor="bench")
        with reading(url) as conn:
            tables = load_inputs(conn)
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
    parser.add_argument("--skip-sample", action="store_true")
    parser.add_argument("--only", default="", help="time only what is named with this")
    parser.add_argument("--commission", action="store_true",
                        help="also time the synthetic company's engine run")
    args = parser.parse_args()

    from attain.services.calc import published_plans

    loaded: list[dict[str, pa.Table]] = []
    if not args.skip_sample:
        sample_company(args.sample_db)  # load once (not timed)
        read = best(lambda: loaded.append(sample_company(args.sample_db)), 1)
        tables = loaded[0]
        rows = tables["opportunity"].num_rows
        cost = company_commission(tables, published_plans(args.sample_db), "2017-Q4", date(2017, 11, 15))
        timings = measure(tables, "2017-Q4", date(2017, 11, 15), args.repeat, cost, args.only)
        print(json.dumps({"company": "MavenTech sample", "opportunities": rows, "read": read,
                          "seconds": timings}))
    if args.skip_synthetic:
        return
    loaded.clear()
    read = best(lambda: loaded.append(synthetic_company(Path(args.data), args.payees, args.transactions)), 1)
    tables = loaded[0]
    cost = company_commission(tables, [synthetic_plan()], "2025-Q4", date(2025, 11, 15))
    timings = measure(tables, "2025-Q4", date(2025, 11, 15), args.repeat, cost if args.commission else None,
                      args.only)
    print(json.dumps({"company": f"synthetic {args.payees} payees",
                      "opportunities": tables["opportunity"].num_rows, "read": read,
                      "seconds": timings}))


def synthetic_plan() -> Any:
    """The engine benchmark's plan (tiered commission with a manager roll-up) for the synthetic company."""
    import sys

    from attain.plans.schema import PlanDocument

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from engine_bench import PLAN

    return PlanDocument.model_validate(PLAN)


if __name__ == "__main__":
    main()
