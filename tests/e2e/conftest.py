"""Shared browser-test plumbing: the system Chromium, a real `attain serve` on a loopback port, sign-in.

Chromium is the Debian package at /usr/bin/chromium (installed by scripts/bootstrap.sh); these tests
never download a browser. Without it they are skipped locally and fail under CI.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from attain.store.db import dispose_engine, upgrade
from tests.api.company import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser test cannot run: {reason} (CI is set, so this is a failure; "
                    "run scripts/bootstrap.sh to install the Debian chromium package)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(base: str, server: subprocess.Popen[bytes], log: Path, timeout: float = 120.0) -> None:
    """Wait for the server (generous: a busy CI box may take long to import and start)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"attain serve exited with {server.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/login", timeout=5.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.25)
    tail = log.read_text()[-2000:]
    raise RuntimeError(f"attain serve did not answer on {base} within {timeout} s:\n{tail}")


@contextmanager
def serving(home: Path, seed: Callable[[str], object], secret: str) -> Iterator[str]:
    """``attain serve`` on a free loopback port over a fresh SQLite database filled by ``seed``."""
    url = f"sqlite:///{home / 'attain.db'}"
    upgrade(url)
    seed(url)
    dispose_engine(url)
    port = _free_port()
    env = {**os.environ, "ATTAIN_HOME": str(home), "ATTAIN_DATABASE_URL": url, "ATTAIN_SECRET_KEY": secret}
    log_path = home / "server.log"
    log = log_path.open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "attain.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, server, log_path)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the login form."""
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """The system Chromium, headless, with the flags this closed network needs."""
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright Python package is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                              headless=True)
        yield chromium
        chromium.close()
