"""Browser journey: Ray opens the what-if from his dashboard, asks "what if I made 2 calls a day at 5%
per call on deals of 1,000 next quarter", and sees revenue and commission next to his baseline, the
chart drawn under the strict CSP (system Chromium and server plumbing from tests/e2e/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import ARTIFACTS, serving, sign_in
from tests.web.test_whatif_pages import seed_whatif_company

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def whatif_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("e2e-whatif-home"), seed_whatif_company, "e2e-key") as base:
        yield base


def test_a_rep_runs_a_what_if_from_his_dashboard(whatif_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, whatif_server, "ray")
    page.goto(f"{whatif_server}/dashboards/rep?commission=0")
    page.get_by_role("link", name="What-if: change calls, conversion or deal size").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="What-if: Ray Rep").is_visible()
    page.locator("#period").fill("2024-Q2")
    page.locator("#start").fill("2024-04-01")
    page.locator("#calls_per_day").fill("2")
    page.locator("#orders_per_call").fill("0.05")
    page.locator("#deal_size").fill("1000")
    page.get_by_role("button", name="Show the what-if").click()
    page.wait_for_load_state()
    assert page.locator("[data-figure='revenue-whatif']").inner_text() == "6,500.00"
    assert page.locator("[data-figure='revenue-baseline']").inner_text() == "5,000.00"
    assert page.locator("[data-figure='commission_added-whatif']").inner_text() == "195.00"
    assert page.locator("#calls_per_day").input_value() == "2"  # the form keeps the what-if
    page.wait_for_selector("#chart-whatif[data-chart-ready='true'] svg", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "e2e-whatif.png"), full_page=True)
    assert errors == []  # no CSP violations or script errors
    context.close()
