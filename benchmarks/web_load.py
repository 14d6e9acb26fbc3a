"""Loopback load on the rep home and the statement page: p50/p95/p99, throughput and CPU, as JSON lines.

    .venv/bin/python benchmarks/web_load.py                          # 10k-payee company, SQLite, 50 reps
    .venv/bin/python benchmarks/web_load.py --backend postgres       # the same in PostgreSQL
    .venv/bin/python benchmarks/web_load.py --users admin            # admin drilling into 1,000 payees
    .venv/bin/python benchmarks/web_load.py --company demo --target payee --users admin melvin

Companies:

- ``synthetic`` (default): ``attain.services.synthetic.generate_company`` with ``--payees`` (10,000) and
  ``--transactions`` (200,000) of 2025, upserted through the store's bulk path, a monthly plan (split and
  roll-up credit, a tiered commission, a recoverable draw, a 10% holdback, clawbacks) published and the
  year paid by ``run_payouts``. The loaded store is kept (SQLite: ``--home``, default
  ``var/bench/web-<payees>x<transactions>``; PostgreSQL: schema ``web_<payees>x<transactions>`` in
  ATTAIN_TEST_POSTGRES_URL) and reused by the next run unless ``--fresh``. Users: ``admin`` and one rep
  account per client (``loadrep001``...), each linked to a different payee paid in December.
- ``demo``: the MavenTech sample (``attain demo``, 2017 paid), users admin/finance/melvin/darcel.

Targets: ``rep-home`` (``/reps/<id>``), ``statement`` (``/reps/<id>/statements/<period>``, the HTML
statement of the newest paid period) and ``payee`` (``/payees/<id>``). With ``--users rep`` every client
signs in as its own rep and asks for its own page (what 50 reps at their desks do); with ``admin`` (or
another named user) the clients go round-robin over up to 1,000 payees that user may see.

The server is ``attain serve`` (one uvicorn worker, its default) on a free loopback port. Every client
signs in first and asks for its page once (not timed); then each sends its next request as soon as the
previous answer arrives (``--think`` seconds of pause in between, 0 by default: the harshest case) for
``--seconds``. Printed per target: latency percentiles of the timed requests, requests per second, and
the CPU seconds the server and the load generator used during the timed window (the machine is shared,
so wall figures depend on the load; the load average is printed too). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from payout_bench import PLAN, YEAR  # the same paid company (benchmarks/ is sys.path[0])

PASSWORDS = {"admin": "attain-admin-demo", "finance": "attain-finance-demo",
             "melvin": "attain-manager-demo", "darcel": "attain-rep-demo"}
REP_PASSWORD = "attain-load-rep-password"
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
ROOT = Path(__file__).resolve().parents[1]
STATEMENT_PERIOD = f"{YEAR}-12"
PAGES = {"payee": "/payees/{payee}", "rep-home": "/reps/{payee}",
         "statement": "/reps/{payee}/statements/{period}"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def say(message: str) -> None:
    print(f"[web_load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- the companies ----------------------------------------------------------------------------------


def prepare_demo(home: Path, database_url: str | None, paid: bool) -> dict[str, str]:
    env = {**os.environ, "ATTAIN_HOME": str(home)}
    if database_url:
        env["ATTAIN_DATABASE_URL"] = database_url
        return env
    attain = [sys.executable, "-m", "attain.cli.main"]
    subprocess.run([*attain, "init"], env=env, check=True, capture_output=True)
    subprocess.run([*attain, "demo"], env=env, check=True, capture_output=True)
    if paid:
        subprocess.run([*attain, "run", "--year", "2017"], env=env, check=True, capture_output=True)
    return env


def synthetic_url(backend: str, payees: int, transactions: int, home: Path) -> str:
    """Where the synthetic company lives: a SQLite file in ``home`` or a schema of the test server."""
    if backend == "sqlite":
        return f"sqlite:///{home / 'attain.db'}"
    base = os.environ.get("ATTAIN_TEST_POSTGRES_URL")
    if not base:
        raise SystemExit("set ATTAIN_TEST_POSTGRES_URL: eval \"$(bash scripts/postgres.sh start)\"")
    schema = f"web_{payees}x{transactions}"
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


def _fresh_schema(url: str) -> None:
    from sqlalchemy.engine import make_url

    from attain.store.db import create_store_engine

    schema = make_url(url).query["options"].split("=")[-1]  # type: ignore[union-attr]
    engine = create_store_engine(os.environ["ATTAIN_TEST_POSTGRES_URL"])
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()


def load_users(url: str) -> list[tuple[str, str]]:
    """(username, payee) of the load-test reps already in the store (empty when not prepared)."""
    from sqlalchemy import select

    from attain.store.db import reading
    from attain.store.tables import app_user

    try:
        with reading(url) as conn:
            rows = conn.execute(select(app_user.c.username, app_user.c.payee_id)
                                .where(app_user.c.username.like("loadrep%")).order_by(app_user.c.username))
            return [(str(r.username), str(r.payee_id)) for r in rows]
    except Exception:
        return []


def build_synthetic(url: str, payees: int, transactions: int, reps: int, data: Path) -> None:
    """Generate, upsert, publish the plan, pay the year and add the users (see the module docstring)."""
    import yaml

    from attain.engine import CalcOptions, load_folder
    from attain.services.runs import run_payouts
    from attain.services.synthetic import generate_company
    from attain.store.bulk import upsert
    from attain.store.db import transaction, upgrade
    from attain.store.plans import publish, save_draft

    if not (data / "transaction.parquet").exists():
        generate_company(data, payees=payees, transactions=transactions, year=YEAR)
    inputs = load_folder(data)
    upgrade(url)
    say(f"loading {inputs['payee'].num_rows} payees and {inputs['transaction'].num_rows} deals")
    with transaction(url, "bench") as conn:
        for name in inputs:
            table = inputs[name] if name != "opportunity_split" else merged_splits(inputs[name])
            if table.num_rows:
                keep = [c for c in table.column_names if c not in ("source_file", "source_line")]
                upsert(conn, name, table.select(keep), batch_id=None, actor="bench")
        save_draft(conn, "sales", 1, yaml.safe_dump(PLAN), actor="bench")
        publish(conn, "sales", 1, actor="bench")
    say("paying the year (run_payouts)")
    options = CalcOptions(threads=2, memory_limit="1500MB")
    outcome = run_payouts(url, year=YEAR, options=options, actor="bench")
    say(f"run {outcome.run_id}: {outcome.lines} payout lines for {outcome.payees} payees")
    add_users(url, reps)


def merged_splits(splits: Any) -> Any:
    """The generator may split a deal twice to one payee: one row per key (percents added) for the store."""
    import pyarrow as pa

    grouped = splits.group_by(["opportunity_id", "payee_id"]).aggregate([("percent", "sum"), ("role", "min")])
    return pa.table({"opportunity_id": grouped.column("opportunity_id"),
                     "payee_id": grouped.column("payee_id"), "role": grouped.column("role_min"),
                     "percent": grouped.column("percent_sum")}).cast(splits.schema)


def add_users(url: str, reps: int) -> None:
    """``admin`` and ``reps`` rep accounts, each linked to a different payee paid in December."""
    from sqlalchemy import insert, select

    from attain.services.auth import hash_password
    from attain.store.db import transaction
    from attain.store.tables import app_user, payout

    with transaction(url, "bench") as conn:
        paid = conn.execute(select(payout.c.payee_id).distinct()
                            .where(payout.c.period_label == STATEMENT_PERIOD)
                            .order_by(payout.c.payee_id)).scalars().all()
        step = max(1, len(paid) // reps)
        chosen = paid[::step][:reps]
        conn.execute(insert(app_user).values(username="admin", role="admin",
                                             password_hash=hash_password(PASSWORDS["admin"])))
        rep_hash = hash_password(REP_PASSWORD)
        conn.execute(insert(app_user), [
            {"username": f"loadrep{n:03d}", "role": "rep", "payee_id": payee, "password_hash": rep_hash}
            for n, payee in enumerate(chosen, start=1)])


def prepare_synthetic(args: argparse.Namespace) -> tuple[dict[str, str], str]:
    from attain.store.db import dispose_engine

    home = args.home or ROOT / "var" / "bench" / f"web-{args.payees}x{args.transactions}"
    home.mkdir(parents=True, exist_ok=True)
    url = synthetic_url(args.backend, args.payees, args.transactions, home)
    ready = (home / "attain.db").exists() or args.backend == "postgres"
    if args.fresh or not ready or len(load_users(url)) < args.clients:
        dispose_engine(url)  # no pooled connection may outlive the file it points at
        if args.backend == "postgres":
            _fresh_schema(url)
        else:
            for path in home.glob("attain.db*"):
                path.unlink()
        started, cpu = time.perf_counter(), time.process_time()
        build_synthetic(url, args.payees, args.transactions, max(args.clients, 50), home / "company")
        say(f"prepared in {time.perf_counter() - started:.0f} s wall, {time.process_time() - cpu:.0f} CPU-s")
    env = {**os.environ, "ATTAIN_HOME": str(home), "ATTAIN_DATABASE_URL": url}
    return env, url


# -- the server and the clients ---------------------------------------------------------------------


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "attain.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError(f"attain serve did not start; see {log}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> None:
    token = CSRF.search((await client.get("/login")).text)
    assert token, "no CSRF token on the sign-in page"
    answer = await client.post("/login", data={"username": username, "password": password,
                                               "csrf_token": token.group(1)})
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in as {username} failed: {answer.status_code}")


async def one_client(client: httpx.AsyncClient, paths: list[str], offset: int, until: float, think: float,
                     timings: list[float], failures: list[int]) -> None:
    i = offset
    while time.perf_counter() < until:
        started = time.perf_counter()
        try:
            answer = await client.get(paths[i % len(paths)])
        except httpx.TransportError:
            failures.append(0)
            continue
        finally:
            i += 1
        elapsed = time.perf_counter() - started
        if answer.status_code == 200:
            timings.append(elapsed)
        else:
            failures.append(answer.status_code)
        if think:
            await asyncio.sleep(think)


def page_paths(target: str, payees: list[str], period: str) -> list[str]:
    return [PAGES[target].format(payee=quote(p, safe=""), period=period) for p in payees]


async def signed_in_clients(base: str, logins: list[tuple[str, str]]) -> list[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    sessions = [httpx.AsyncClient(base_url=base, follow_redirects=False, timeout=120, limits=limits)
                for _ in logins]
    for session, (username, password) in zip(sessions, logins, strict=True):
        await sign_in(session, username, password)
    return sessions


async def warm(client: httpx.AsyncClient, path: str) -> None:
    """Ask for the page once (not timed), reopening a keep-alive connection the server closed while the
    other clients were signing in (uvicorn closes idle ones after 5 s)."""
    try:
        await client.get(path)
    except httpx.TransportError:
        await client.get(path)


async def load(base: str, logins: list[tuple[str, str]], paths: list[list[str]], seconds: float,
               think: float, server_pid: int) -> dict[str, Any]:
    """Sign every client in first (argon2 is slow on purpose), warm each page once, then time."""
    sessions = await signed_in_clients(base, logins)
    try:
        await asyncio.gather(*(warm(s, p[n % len(p)]) for n, (s, p) in enumerate(zip(sessions, paths,
                                                                                      strict=True))))
        timings: list[float] = []
        failures: list[int] = []
        server_cpu, client_cpu, load_before = cpu_seconds(server_pid), time.process_time(), os.getloadavg()[0]
        started = time.perf_counter()
        until = started + seconds
        await asyncio.gather(*(one_client(s, p, n + 1, until, think, timings, failures)
                               for n, (s, p) in enumerate(zip(sessions, paths, strict=True))))
        wall = time.perf_counter() - started
        server_cpu = cpu_seconds(server_pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
    finally:
        for session in sessions:
            await session.aclose()
    cuts = statistics.quantiles(timings, n=100) if len(timings) >= 2 else [float("nan")] * 99
    return {"clients": len(sessions), "seconds": round(wall, 2), "requests": len(timings),
            "failures": len(failures), "req_per_s": round(len(timings) / wall, 1),
            "p50_ms": round(cuts[49] * 1000, 1), "p95_ms": round(cuts[94] * 1000, 1),
            "p99_ms": round(cuts[98] * 1000, 1), "max_ms": round(max(timings, default=0) * 1000, 1),
            "server_cpu_s": round(server_cpu, 2),
            "server_cpu_ms_per_request": round(1000 * server_cpu / max(1, len(timings)), 2),
            "client_cpu_s": round(client_cpu, 2),
            "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)]}


def plan_clients(args: argparse.Namespace, username: str, url: str | None) -> tuple[
        list[tuple[str, str]], list[list[str]]]:
    """Who signs in, and the pages each client asks for."""
    if username == "rep":
        reps = load_users(url or "")[: args.clients]
        logins = [(name, REP_PASSWORD) for name, _ in reps]
        return logins, [page_paths(args.target, [payee], args.period) for _, payee in reps]
    password = PASSWORDS[username]
    payees = visible_payees(args, url, username)
    pages = page_paths(args.target, payees, args.period)
    return [(username, password)] * args.clients, [pages] * args.clients


def visible_payees(args: argparse.Namespace, url: str | None, username: str) -> list[str]:
    """Up to 1,000 payees paid in the statement period, spread over the company (admin: everyone)."""
    if url is None or username != "admin":
        return asyncio.run(_api_payees(args.base, username))
    from sqlalchemy import select

    from attain.store.db import reading
    from attain.store.tables import payout

    with reading(url) as conn:
        paid = conn.execute(select(payout.c.payee_id).distinct()
                            .where(payout.c.period_label == args.period)
                            .order_by(payout.c.payee_id)).scalars().all()
    return list(paid[:: max(1, len(paid) // 1000)])


async def _api_payees(base: str, username: str) -> list[str]:
    (session,) = await signed_in_clients(base, [(username, PASSWORDS[username])])
    try:
        page = (await session.get("/api/v1/payees", params={"limit": 200})).json()
    finally:
        await session.aclose()
    return [row["payee_id"] for row in page["items"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--company", choices=["synthetic", "demo"], default="synthetic")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--payees", type=int, default=10_000)
    parser.add_argument("--transactions", type=int, default=200_000)
    parser.add_argument("--home", type=Path, default=None, help="keep the synthetic SQLite store here")
    parser.add_argument("--fresh", action="store_true", help="rebuild the synthetic company")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--think", type=float, default=0.0, help="pause of each client between requests")
    parser.add_argument("--users", nargs="+", default=None, choices=["rep", *sorted(PASSWORDS)],
                        help="rep: each client its own rep (synthetic); default rep / admin melvin (demo)")
    parser.add_argument("--database-url", default=None, help="demo: use this database (already loaded)")
    parser.add_argument("--target", nargs="+", choices=sorted(PAGES), default=["rep-home", "statement"])
    parser.add_argument("--prepare-only", action="store_true")
    args = parser.parse_args()
    synthetic = args.company == "synthetic"
    args.users = args.users or (["rep"] if synthetic else ["admin", "melvin"])
    args.period = STATEMENT_PERIOD if synthetic else "2017-Q4"
    with tempfile.TemporaryDirectory(prefix="attain-web-load-") as folder:
        scratch = Path(folder)
        if synthetic:
            env, url = prepare_synthetic(args)
        else:
            env, url = prepare_demo(scratch, args.database_url, paid=True), None
        if args.prepare_only:
            return
        port = free_port()
        args.base = f"http://127.0.0.1:{port}"
        server = start_server(env, port, scratch / "server.log")
        try:
            for username in args.users:
                for target in args.target:
                    logins, paths = plan_clients(argparse.Namespace(**{**vars(args), "target": target}),
                                                 username, url)
                    figures = asyncio.run(load(args.base, logins, paths, args.seconds, args.think,
                                               server.pid))
                    backend = args.backend if synthetic else "demo"
                    print(json.dumps({"company": args.company, "backend": backend,
                                      "page": PAGES[target], "user": username,
                                      "pages": len({page for pages in paths for page in pages}),
                                      "think_s": args.think, "server": "attain serve (1 uvicorn worker)",
                                      **figures}), flush=True)
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
