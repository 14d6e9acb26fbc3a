"""Browser journey on the real app (uvicorn on a loopback port) with the system Chromium.

Admin signs in, sees the payees, opens one, signs out; a rep signs in and cannot open another
payee (the page says "Not found"). Screenshots land in tests/artifacts/ (git-ignored).
Chromium is the Debian package at /usr/bin/chromium (installed by scripts/bootstrap.sh); this
test never downloads a browser. Without it the test is skipped locally and fails under CI.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from attain.store.db import dispose_engine, upgrade
from tests.api.company import PASSWORD, seed_company

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.slow


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


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``attain serve`` on a free loopback port, over a SQLite database holding the test company."""
    home = tmp_path_factory.mktemp("e2e-home")
    url = f"sqlite:///{home / 'attain.db'}"
    upgrade(url)
    seed_company(url)
    dispose_engine(url)
    port = _free_port()
    env = {**os.environ, "ATTAIN_HOME": str(home), "ATTAIN_DATABASE_URL": url,
           "ATTAIN_SECRET_KEY": "e2e-secret-key"}
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


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
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


def _sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_admin_browses_payees_and_a_rep_cannot_open_another(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    _sign_in(page, live_server, "admin")
    assert page.get_by_role("heading", name="Welcome, admin").is_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Payees").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Ray Rep").is_visible()
    assert page.get_by_role("link", name="<script>alert(1)</script>").is_visible()  # shown as text
    page.screenshot(path=str(ARTIFACTS / "e2e-admin-payees.png"), full_page=True)
    page.get_by_role("link", name="Ray Rep").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Ray Rep", level=1).is_visible()
    assert page.get_by_text("120,000.00 USD").is_visible()
    page.screenshot(path=str(ARTIFACTS / "e2e-admin-payee.png"), full_page=True)
    page.get_by_role("link", name="Payees", exact=True).first.click()
    page.get_by_label("Search by name or id").fill("rita")  # live search: no submit
    expect(page.get_by_role("link", name="Ray Rep")).to_have_count(0)
    expect(page.get_by_role("link", name="Rita Rep")).to_be_visible()
    assert page.url.endswith("/payees?q=rita")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert page.get_by_text("You are signed out.").is_visible()
    page.goto(f"{live_server}/payees")
    assert page.get_by_role("heading", name="Sign in").is_visible()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    rep = phone.new_page()
    _sign_in(rep, live_server, "ray")
    assert rep.get_by_role("heading", name="Hello, Ray Rep").is_visible()
    rep.screenshot(path=str(ARTIFACTS / "e2e-rep-home-phone.png"), full_page=True)
    assert errors == []  # no CSP violations, script errors or missing assets
    answer = rep.goto(f"{live_server}/payees/RITA")
    assert answer is not None and answer.status == 404
    assert rep.get_by_role("heading", name="Not found").is_visible()
    assert "Rita" not in rep.content()
    rep.screenshot(path=str(ARTIFACTS / "e2e-rep-other-payee.png"), full_page=True)
    context.close()
    phone.close()
