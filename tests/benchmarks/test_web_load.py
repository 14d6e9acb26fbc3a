"""benchmarks/web_load.py's own parts: the small HTTP/1.1 client that times the pages, the think-time
schedule that keeps 50 simulated reps from clicking in lockstep, and the server's CPU summed over its
worker processes. (The figures themselves come from running the script: docs/web.md, "Load".)"""

from __future__ import annotations

import asyncio
import importlib
import random
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def web_load() -> ModuleType:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        return importlib.import_module("web_load")
    finally:
        sys.path.remove(str(BENCHMARKS))


def answer_of(web_load: ModuleType, raw: bytes) -> tuple[int, bytes, bool]:
    async def read() -> tuple[int, bytes, bool]:
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        return await web_load.read_answer(reader)  # type: ignore[no-any-return]

    return asyncio.run(read())


def test_an_answer_with_a_length_is_read_whole(web_load: ModuleType) -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/html\r\n\r\nhelloEXTRA"
    assert answer_of(web_load, raw) == (200, b"hello", False)


def test_a_chunked_answer_and_a_closing_server(web_load: ModuleType) -> None:
    raw = (b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
           b"4\r\nWiki\r\n6;ext=1\r\npedia!\r\n0\r\nX-Trailer: 1\r\n\r\n")
    assert answer_of(web_load, raw) == (404, b"Wikipedia!", True)


def test_a_cut_answer_is_an_error_not_a_short_page(web_load: ModuleType) -> None:
    with pytest.raises(asyncio.IncompleteReadError):
        answer_of(web_load, b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort")


def test_the_client_keeps_its_connection_and_reopens_a_closed_one(web_load: ModuleType) -> None:
    seen: list[bytes] = []
    connections = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            try:
                request = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            seen.append(request)
            closing = request.startswith(b"GET /bye")
            body = request.split(b" ")[1]
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s"
                         % (len(body), b"Connection: close\r\n" if closing else b"", body))
            await writer.drain()
            if closing:
                break
        writer.close()

    async def scenario() -> list[tuple[int, int]]:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = web_load.KeepAlive("127.0.0.1", port, "signed-cookie")
        try:
            return [await client.get(path) for path in ("/a", "/bb", "/bye", "/after")]
        finally:
            await client.close()
            server.close()
            await server.wait_closed()

    assert asyncio.run(scenario()) == [(200, 2), (200, 3), (200, 4), (200, 6)]
    assert connections == 2  # one kept alive for three requests, one more after the server closed it
    assert all(b"Cookie: attain_session=signed-cookie\r\n" in request for request in seen)


def test_lockstep_clients_start_together_and_pause_alike(web_load: ModuleType) -> None:
    pace = web_load.Pace(1.0, True, random.Random(1))
    assert {pace.first() for _ in range(20)} == {0.0}
    assert {pace.pause() for _ in range(20)} == {1.0}


def test_think_times_are_spread_around_their_mean(web_load: ModuleType) -> None:
    pace = web_load.Pace(1.0, False, random.Random(1))
    firsts = [pace.first() for _ in range(2000)]
    pauses = [pace.pause() for _ in range(2000)]
    assert 0 <= min(firsts) and max(firsts) < 1 and len(set(firsts)) == 2000
    assert 0.5 <= min(pauses) and max(pauses) <= 1.5
    assert abs(sum(pauses) / len(pauses) - 1.0) < 0.03
    assert web_load.Pace(0.0, False, random.Random(1)).first() == 0.0  # no think: start at once


def test_the_server_cpu_counts_every_worker(web_load: ModuleType) -> None:
    # the worker burns 0.4 s so /proc's clock ticks (which may lag process_time by a tick) pass 0.3
    burn = ("import time\nend = time.process_time() + 0.4\n"
            "while time.process_time() < end: pass\ntime.sleep(30)")
    parent = subprocess.Popen([sys.executable, "-c",
                               "import subprocess, sys, time\n"
                               f"child = subprocess.Popen([sys.executable, '-c', {burn!r}])\n"
                               "time.sleep(30)"])
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            below = web_load.descendants(parent.pid)
            if below and web_load.cpu_seconds(below[0]) >= 0.3:
                break
            time.sleep(0.05)
        assert len(below) == 1
        assert web_load.server_cpu_seconds(parent.pid) >= web_load.cpu_seconds(below[0]) >= 0.3
        assert web_load.cpu_seconds(parent.pid) < 0.3  # the parent alone would miss the worker
    finally:
        for pid in web_load.descendants(parent.pid):
            subprocess.run(["kill", str(pid)], check=False)
        parent.kill()
        parent.wait()
    assert web_load.cpu_seconds(2**22 + 7) == 0.0  # a process that is gone counts nothing
