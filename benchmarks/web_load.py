"""Loopback load on the rep home and the statement page: p50/p95/p99, throughput and CPU, as JSON lines.

    .venv/bin/python benchmarks/web_load.py                          # 10k-payee company, SQLite, 50 reps
    .venv/bin/python benchmarks/web_load.py --workers 2 --think 0 1  # 2 server processes; no pause, then ~1 s
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

The server is ``attain serve --workers N`` (``--workers``, 1 by default) on a free loopback port. Every
client signs in first (httpx) and asks for its page once (not timed). Then, for ``--seconds`` per
``--think`` value (several may be given: ``--think 0 1``), each client sends a request, waits for the whole
answer and pauses before the next:

- ``--think 0``: no pause, the harshest case (a closed loop: latency = clients / throughput);
- ``--think T``: a pause drawn uniformly from [T/2, 3T/2] after each answer, and each client's first timed
  request after a random offset in [0, T): 50 people at their desks do not click in the same millisecond.
  ``--lockstep`` drops the randomness (every client pauses exactly T and they all start together): the
  whole population then arrives as one burst each round, the burst queues behind one another, and the
  tail measures the burst, not the page (see docs/web.md, "Load").

The timed requests go through a small HTTP/1.1 keep-alive client written on asyncio streams (one
connection per client, the session cookie from the sign-in), which costs the load generator about a
tenth of httpx's CPU: on a 2-core box the generator shares the cores with the server, and every
millisecond it burns is a millisecond the server waits. Printed per target and think time, as one JSON
line: latency percentiles of the timed requests, requests per second, the CPU the server (all its
processes) and the load generator used during the timed window, each per request, and the load average
before and after (the machine is shared: read wall figures next to the CPU ones). Figures are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from payout_bench import PLAN, YEAR  # the same paid company (benchmarks/ is sys.path[0])

PASSWORDS = {"admin": "attain-admin-demo", "finance": "attain-finance-demo",
             "melvin": "attain-manager-demo", "darcel": "attain-rep-demo"}
REP_PASSWORD = "attain-load-rep-password"
SESSION_COOKIE = "attain_session"
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


# -- the server -------------------------------------------------------------------------------------


def start_server(env: dict[str, str], port: int, log: Path, workers: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "attain.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers)]
    server = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/login", timeout=1).status_code == 200 and (
                    workers == 1 or len(descendants(server.pid)) >= workers):
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    server.terminate()
    raise RuntimeError(f"attain serve did not start; see {log}")


def descendants(pid: int) -> list[int]:
    """Every living process below ``pid`` (uvicorn's workers and their helpers), from /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc; 0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(pid: int) -> float:
    """CPU seconds of the server: its main process and every worker below it."""
    return sum(cpu_seconds(p) for p in [pid, *descendants(pid)])


# -- the clients ------------------------------------------------------------------------------------


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> None:
    token = CSRF.search((await client.get("/login")).text)
    assert token, "no CSRF token on the sign-in page"
    answer = await client.post("/login", data={"username": username, "password": password,
                                               "csrf_token": token.group(1)})
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in as {username} failed: {answer.status_code}")


async def session_cookies(base: str, logins: list[tuple[str, str]]) -> list[str]:
    """Sign every login in (argon2 is slow on purpose: once per run, not timed); their session cookies."""
    cookies = []
    async with httpx.AsyncClient(base_url=base, follow_redirects=False, timeout=120) as client:
        for username, password in logins:
            client.cookies.clear()
            await sign_in(client, username, password)
            cookies.append(str(client.cookies.get(SESSION_COOKIE)))
    return cookies


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, server closes) of one HTTP/1.1 answer: Content-Length or chunked body."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = await read_chunked(reader)
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, body, headers.get("connection", "").lower() == "close"


async def read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
    while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, if any
        pass
    return b"".join(parts)


class KeepAlive:
    """One client's keep-alive HTTP/1.1 connection, sending its session cookie (reopened if closed)."""

    def __init__(self, host: str, port: int, cookie: str) -> None:
        self.host, self.port = host, port
        self.head = f"Host: {host}:{port}\r\nCookie: {SESSION_COOKIE}={cookie}\r\nAccept: text/html\r\n\r\n"
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str) -> tuple[int, int]:
        """(status, body length) of ``GET path``; one retry on a connection the server had closed."""
        for retry in (False, True):
            if self.streams is None:
                self.streams = await asyncio.open_connection(self.host, self.port)
            reader, writer = self.streams
            writer.write(f"GET {path} HTTP/1.1\r\n{self.head}".encode("latin-1"))
            try:
                status, body, closing = await read_answer(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                await self.close()
                if retry:
                    raise
                continue
            if closing:
                await self.close()
            return status, len(body)
        raise AssertionError("unreachable")

    async def close(self) -> None:
        if self.streams is not None:
            writer = self.streams[1]
            self.streams = None
            writer.close()
            try:
                await writer.wait_closed()
            except ConnectionError:
                pass


@dataclass
class Pace:
    """How a client waits: ``think`` seconds on average, randomized unless ``lockstep``."""

    think: float
    lockstep: bool
    rng: random.Random

    def first(self) -> float:
        return 0.0 if self.lockstep or not self.think else self.rng.uniform(0, self.think)

    def pause(self) -> float:
        return self.think if self.lockstep else self.rng.uniform(self.think / 2, 3 * self.think / 2)


async def one_client(client: KeepAlive, paths: list[str], offset: int, until: float, pace: Pace,
                     timings: list[float], failures: list[int]) -> None:
    await asyncio.sleep(pace.first())
    i = offset
    while time.perf_counter() < until:
        started = time.perf_counter()
        try:
            status, size = await client.get(paths[i % len(paths)])
        except (OSError, asyncio.IncompleteReadError):
            failures.append(0)
            continue
        finally:
            i += 1
        if status == 200 and size:
            timings.append(time.perf_counter() - started)
        else:
            failures.append(status)
        if pace.think:
            await asyncio.sleep(pace.pause())


def page_paths(target: str, payees: list[str], period: str) -> list[str]:
    return [PAGES[target].format(payee=quote(p, safe=""), period=period) for p in payees]


async def load(port: int, cookies: list[str], paths: list[list[str]], seconds: float, pace: Pace,
               server_pid: int) -> dict[str, Any]:
    """Warm each client's page once, then time ``seconds`` of requests (see the module docstring)."""
    clients = [KeepAlive("127.0.0.1", port, cookie) for cookie in cookies]
    try:
        for client, pages in zip(clients, paths, strict=True):
            await client.get(pages[0])
        timings: list[float] = []
        failures: list[int] = []
        server_cpu, client_cpu = server_cpu_seconds(server_pid), time.process_time()
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        until = started + seconds
        await asyncio.gather(*(one_client(c, p, n + 1, until, pace, timings, failures)
                               for n, (c, p) in enumerate(zip(clients, paths, strict=True))))
        wall = time.perf_counter() - started
        server_cpu = server_cpu_seconds(server_pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
    finally:
        for client in clients:
            await client.close()
    return {"clients": len(clients), **figures(timings, failures, wall, server_cpu, client_cpu, load_before)}


def figures(timings: list[float], failures: list[int], wall: float, server_cpu: float, client_cpu: float,
            load_before: float) -> dict[str, Any]:
    cuts = statistics.quantiles(timings, n=100) if len(timings) >= 2 else [float("nan")] * 99
    done = max(1, len(timings))
    return {"seconds": round(wall, 2), "requests": len(timings), "failures": len(failures),
            "req_per_s": round(len(timings) / wall, 1),
            "p50_ms": round(cuts[49] * 1000, 1), "p95_ms": round(cuts[94] * 1000, 1),
            "p99_ms": round(cuts[98] * 1000, 1), "max_ms": round(max(timings, default=0) * 1000, 1),
            "server_cpu_s": round(server_cpu, 2),
            "server_cpu_ms_per_request": round(1000 * server_cpu / done, 2),
            "client_cpu_s": round(client_cpu, 2),
            "client_cpu_ms_per_request": round(1000 * client_cpu / done, 2),
            "server_cores_busy": round(server_cpu / wall, 2),
            "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)]}


def logins_of(args: argparse.Namespace, username: str, url: str | None) -> list[tuple[str, str]]:
    """Who signs in: each rep as themselves, or ``--clients`` sessions of one named user."""
    if username == "rep":
        return [(name, REP_PASSWORD) for name, _ in load_users(url or "")[: args.clients]]
    return [(username, PASSWORDS[username])] * args.clients


def paths_of(args: argparse.Namespace, username: str, url: str | None, target: str) -> list[list[str]]:
    """The pages each client asks for: a rep their own, a named user round-robin over who they may see."""
    if username == "rep":
        reps = load_users(url or "")[: args.clients]
        return [page_paths(target, [payee], args.period) for _, payee in reps]
    pages = page_paths(target, visible_payees(args, url, username), args.period)
    return [pages] * args.clients


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
    async with httpx.AsyncClient(base_url=base, timeout=120) as session:
        await sign_in(session, username, PASSWORDS[username])
        page = (await session.get("/api/v1/payees", params={"limit": 200})).json()
    return [row["payee_id"] for row in page["items"]]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--company", choices=["synthetic", "demo"], default="synthetic")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--payees", type=int, default=10_000)
    parser.add_argument("--transactions", type=int, default=200_000)
    parser.add_argument("--home", type=Path, default=None, help="keep the synthetic SQLite store here")
    parser.add_argument("--fresh", action="store_true", help="rebuild the synthetic company")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1, help="attain serve --workers (processes)")
    parser.add_argument("--seconds", type=float, default=20.0, help="timed window per target and think")
    parser.add_argument("--think", type=float, nargs="+", default=[0.0],
                        help="mean pause of each client between requests (several: one run each)")
    parser.add_argument("--lockstep", action="store_true",
                        help="every client pauses exactly --think and all start together")
    parser.add_argument("--seed", type=int, default=5, help="seed of the randomized think times")
    parser.add_argument("--users", nargs="+", default=None, choices=["rep", *sorted(PASSWORDS)],
                        help="rep: each client its own rep (synthetic); default rep / admin melvin (demo)")
    parser.add_argument("--database-url", default=None, help="demo: use this database (already loaded)")
    parser.add_argument("--target", nargs="+", choices=sorted(PAGES), default=["rep-home", "statement"])
    parser.add_argument("--prepare-only", action="store_true")
    args = parser.parse_args()
    args.synthetic = args.company == "synthetic"
    args.users = args.users or (["rep"] if args.synthetic else ["admin", "melvin"])
    args.period = STATEMENT_PERIOD if args.synthetic else "2017-Q4"
    return args


def measure(args: argparse.Namespace, url: str | None, port: int, server_pid: int) -> None:
    """One JSON line per user, target and think time."""
    for username in args.users:
        cookies = asyncio.run(session_cookies(args.base, logins_of(args, username, url)))
        for target in args.target:
            paths = paths_of(args, username, url, target)
            for think in args.think:
                pace = Pace(think, args.lockstep, random.Random(args.seed))
                found = asyncio.run(load(port, cookies, paths, args.seconds, pace, server_pid))
                backend = args.backend if args.synthetic else "demo"
                print(json.dumps({"company": args.company, "backend": backend,
                                  "page": PAGES[target], "user": username,
                                  "pages": len({page for pages in paths for page in pages}),
                                  "think_s": think, "lockstep": args.lockstep,
                                  "server": f"attain serve --workers {args.workers}", "cores": os.cpu_count(),
                                  **found}), flush=True)


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="attain-web-load-") as folder:
        scratch = Path(folder)
        if args.synthetic:
            env, url = prepare_synthetic(args)
        else:
            env, url = prepare_demo(scratch, args.database_url, paid=True), None
        if args.prepare_only:
            return
        port = free_port()
        args.base = f"http://127.0.0.1:{port}"
        server = start_server(env, port, scratch / "server.log", args.workers)
        try:
            measure(args, url, port, server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
