"""Loopback load on a page: p50/p95/p99 latency and throughput, printed as JSON lines.

    .venv/bin/python benchmarks/web_load.py                      # MavenTech demo, 20 clients x 10 s
    .venv/bin/python benchmarks/web_load.py --clients 20 --seconds 10 --users admin melvin
    .venv/bin/python benchmarks/web_load.py --target rep-home --users darcel melvin

Targets: ``payee`` (``/payees/<id>``), ``rep-home`` (the rep home ``/reps/<id>``: earnings, attainment,
next tier, recent deals — the demo is paid for 2017 first, so the page shows a real run).

It loads the sample company (``attain demo``) into a throwaway SQLite home (or uses
``--database-url``), starts ``attain serve`` (one uvicorn worker) on a free loopback port, signs
each client in as the given demo user, and requests ``/payees/<id>`` round-robin over the payees
that user may see, for a bounded time. Each user's run prints one JSON line. Figures are printed,
never asserted.
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
from urllib.parse import quote

import httpx

PASSWORDS = {"admin": "attain-admin-demo", "finance": "attain-finance-demo",
             "melvin": "attain-manager-demo", "darcel": "attain-rep-demo"}
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(home: Path, database_url: str | None, paid: bool = False) -> dict[str, str]:
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


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "attain.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError(f"attain serve did not start; see {log}")


async def sign_in(client: httpx.AsyncClient, username: str) -> None:
    token = CSRF.search((await client.get("/login")).text)
    assert token, "no CSRF token on the sign-in page"
    answer = await client.post("/login", data={"username": username, "password": PASSWORDS[username],
                                               "csrf_token": token.group(1)})
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in as {username} failed: {answer.status_code}")


PAGES = {"payee": "/payees/{}", "rep-home": "/reps/{}"}


async def one_client(client: httpx.AsyncClient, page: str, payees: list[str], offset: int, until: float,
                     timings: list[float], failures: list[int]) -> None:
    i = offset
    while time.perf_counter() < until:
        started = time.perf_counter()
        try:
            answer = await client.get(page.format(quote(payees[i % len(payees)], safe="")))
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


async def warm(client: httpx.AsyncClient) -> None:
    """Reopen a keep-alive connection the server closed while the other clients were signing in."""
    try:
        await client.get("/api/v1/me")
    except httpx.TransportError:
        await client.get("/api/v1/me")


async def load(base: str, username: str, clients: int, seconds: float,
               target: str = "payee") -> dict[str, object]:
    """Sign every client in first (argon2 is slow on purpose), then time only the page requests."""
    sessions = [httpx.AsyncClient(base_url=base, follow_redirects=False, timeout=60) for _ in range(clients)]
    try:
        for session in sessions:
            await sign_in(session, username)
        await asyncio.gather(*(warm(session) for session in sessions))
        page = (await sessions[0].get("/api/v1/payees", params={"limit": 200})).json()
        payees = [row["payee_id"] for row in page["items"]]
        timings: list[float] = []
        failures: list[int] = []
        started = time.perf_counter()
        until = started + seconds
        await asyncio.gather(*(one_client(session, PAGES[target], payees, n, until, timings, failures)
                               for n, session in enumerate(sessions)))
        wall = time.perf_counter() - started
    finally:
        for session in sessions:
            await session.aclose()
    cuts = statistics.quantiles(timings, n=100) if len(timings) >= 2 else [float("nan")] * 99
    return {"page": PAGES[target].format("<id>"), "user": username, "payees": len(payees), "clients": clients,
            "seconds": round(wall, 2), "requests": len(timings), "failures": len(failures),
            "req_per_s": round(len(timings) / wall, 1), "p50_ms": round(cuts[49] * 1000, 1),
            "p95_ms": round(cuts[94] * 1000, 1), "p99_ms": round(cuts[98] * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--users", nargs="+", default=["admin", "melvin"], choices=sorted(PASSWORDS))
    parser.add_argument("--database-url", default=None, help="use this database (already demo-loaded)")
    parser.add_argument("--target", choices=sorted(PAGES), default="payee")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="attain-web-load-") as folder:
        home = Path(folder)
        env = prepare(home, args.database_url, paid=args.target == "rep-home")
        port = free_port()
        server = start_server(env, port, home / "server.log")
        try:
            url = f"http://127.0.0.1:{port}"
            for username in args.users:
                figures = asyncio.run(load(url, username, args.clients, args.seconds, args.target))
                print(json.dumps(figures), flush=True)
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
