"""Browser journey at the finance desk (system Chromium, `attain serve`; plumbing in tests/e2e/conftest.py):
an admin starts a run and watches it finish (the job page polls), sees the run's chart; a finance user
approves the admin's adjustment; a rep's dispute becomes an adjustment. No CSP violation or script
error on the way. Screenshots land in tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import ARTIFACTS, serving, sign_in
from tests.web.paid_company import seed_paid_company

pytestmark = pytest.mark.slow
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def desk_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``attain serve`` over a SQLite database holding the test company and a pay run of 2024-Q1."""
    with serving(tmp_path_factory.mktemp("e2e-desk"), seed_paid_company, "e2e-desk-key") as base:
        yield base


def _page(browser, errors: list[str], viewport: dict[str, int] | None = None):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page


def test_admin_starts_a_run_and_watches_it_finish(desk_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    context, page = _page(browser, errors)
    sign_in(page, desk_server, "admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Runs").click()
    page.wait_for_load_state()
    page.get_by_label("Periods to calculate and pay").fill("2024-Q1")
    page.get_by_role("button", name="Start run").click()
    page.wait_for_url("**/admin/jobs/*")
    assert page.get_by_role("heading", name="Run of 2024-Q1").is_visible()
    page.get_by_role("link", name="Open run").wait_for(state="visible", timeout=120_000)
    assert page.locator("progress").get_attribute("value") == "100"
    assert page.locator("[data-job-field=state]").inner_text() == "succeeded"
    page.screenshot(path=str(ARTIFACTS / "e2e-admin-run-finished.png"), full_page=True)
    page.get_by_role("link", name="Open run").click()
    page.wait_for_load_state()
    page.wait_for_selector('[data-chart-ready="true"]', timeout=30_000)
    assert page.locator(".chart-view svg").count() == 1
    assert page.get_by_role("img", name="amount paid per period, by kind of line").is_visible()
    page.screenshot(path=str(ARTIFACTS / "e2e-admin-run-chart.png"), full_page=True)
    assert errors == []  # no CSP violations or script errors (charts and polling included)
    context.close()


def _new_adjustment(page, base: str) -> str:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/desk/adjustments")
    page.locator("#adj-payee").fill("RITA")
    page.locator("#adj-period").fill("2024-Q1")
    page.locator("#adj-amount").fill("150.00")
    page.locator("#adj-currency").fill("USD")
    page.locator("#adj-reason").fill("Onboarding bonus agreed by the VP")
    page.get_by_role("button", name="Record adjustment").click()
    page.wait_for_url("**/desk/adjustments/*")
    return str(page.url)


def test_finance_approves_the_admins_adjustment(desk_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    admin_context, admin = _page(browser, errors)
    sign_in(admin, desk_server, "admin")
    address = _new_adjustment(admin, desk_server)
    assert admin.get_by_text("You wrote this adjustment").is_visible()
    admin_context.close()
    context, page = _page(browser, errors, PHONE)
    sign_in(page, desk_server, "finance")
    page.goto(address)
    page.get_by_label("Comment (optional)").fill("Matches the offer letter")
    page.screenshot(path=str(ARTIFACTS / "e2e-finance-adjustment-phone.png"), full_page=True)
    page.get_by_role("button", name="Approve adjustment").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="approved").is_visible()
    assert page.get_by_text("by the next pay run of its period").is_visible()
    page.goto(f"{desk_server}/desk/adjustments?status=approved")
    assert page.get_by_role("cell", name="Onboarding bonus agreed by the VP").is_visible()
    page.screenshot(path=str(ARTIFACTS / "e2e-finance-adjustments-list-phone.png"), full_page=True)
    assert errors == []
    context.close()


def test_a_reps_dispute_becomes_an_adjustment(desk_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    rep_context, rep = _page(browser, errors)
    sign_in(rep, desk_server, "ray")
    rep.get_by_placeholder("What looks wrong?").first.fill("T-RAY-2 closed at 3,000, not 2,000")
    rep.get_by_role("button", name="Raise dispute").first.click()
    rep.wait_for_load_state()
    context, page = _page(browser, errors)
    sign_in(page, desk_server, "finance")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Disputes").click()
    page.wait_for_load_state()
    page.get_by_role("row", name="T-RAY-2 closed at 3,000").get_by_role("link").first.click()
    page.wait_for_load_state()
    page.get_by_label("Answer (the payee sees it)").fill("The CRM says 3,000: we correct it.")
    page.get_by_role("button", name="Send answer").click()
    page.wait_for_load_state()
    assert page.get_by_label("Currency").input_value() == "USD"  # pre-filled from the disputed line
    assert page.get_by_label("Paid in period").input_value() == "2024-Q1"
    page.get_by_label("Amount to pay (negative takes back)").fill("30.00")
    page.screenshot(path=str(ARTIFACTS / "e2e-finance-dispute-thread.png"), full_page=True)
    page.get_by_role("button", name="Create adjustment").click()
    page.wait_for_url("**/desk/adjustments/*")
    assert page.get_by_role("heading", name="The payout line it corrects").is_visible()
    assert page.get_by_text("30.00 USD").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "e2e-dispute-became-adjustment.png"), full_page=True)
    rep.goto(f"{desk_server}/my/disputes")
    assert rep.get_by_text("The CRM says 3,000: we correct it.").is_visible()
    assert rep.get_by_text("adjusted", exact=True).first.is_visible()
    rep.screenshot(path=str(ARTIFACTS / "e2e-rep-my-disputes.png"), full_page=True)
    assert errors == []
    context.close()
    rep_context.close()


def test_admin_previews_a_draft_plan_with_its_chart(desk_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    from tests.web.paid_company import PLAN

    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    context, page = _page(browser, errors)
    sign_in(page, desk_server, "admin")
    page.goto(f"{desk_server}/admin/plans")
    draft = PLAN.replace("version: 1", "version: 2").replace("2024-01-01", "2024-04-01")
    draft = draft.replace('rate: "5%"', 'rate: "7%"')
    page.get_by_label("Plan (YAML)").set_input_files(
        files=[{"name": "web_plan_v2.yaml", "mimeType": "text/yaml", "buffer": draft.encode()}]
    )
    page.get_by_role("button", name="Save as draft and preview").click()
    page.wait_for_url("**/preview")
    assert page.get_by_role("heading", name="Preview of web_plan version 2 on 2024-Q1").is_visible()
    page.wait_for_selector('[data-chart-ready="true"]', timeout=30_000)
    assert page.get_by_role("img", name="Who gains and who loses under web_plan v2 in 2024-Q1").is_visible()
    assert page.get_by_role("heading", name="Who gains").is_visible()
    page.screenshot(path=str(ARTIFACTS / "e2e-admin-plan-preview.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Discard the draft").click()
    page.wait_for_url("**/admin/plans")
    assert page.get_by_text("Discarded the draft web_plan version 2.").is_visible()
    assert errors == []
    context.close()
