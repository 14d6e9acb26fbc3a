"""Browser journey on the real app (uvicorn on a loopback port) with the system Chromium.

Admin signs in, sees the payees, opens one, signs out; a rep signs in and cannot open another
payee (the page says "Not found"). Screenshots land in tests/artifacts/ (git-ignored).
Browser, server and sign-in plumbing: tests/e2e/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.company import seed_company
from tests.e2e.conftest import ARTIFACTS, serving, sign_in

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``attain serve`` on a free loopback port, over a SQLite database holding the test company."""
    with serving(tmp_path_factory.mktemp("e2e-home"), seed_company, "e2e-secret-key") as base:
        yield base


def test_admin_browses_payees_and_a_rep_cannot_open_another(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    sign_in(page, live_server, "admin")
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
    sign_in(rep, live_server, "ray")
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
