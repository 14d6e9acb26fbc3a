"""Browser journeys on pay data (system Chromium and server plumbing from tests/e2e/conftest.py):
a rep opens a deal's explanation from their home; an admin imports a bad file, sees the row
errors, then imports a good one. Screenshots land in tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import ARTIFACTS, serving, sign_in
from tests.web.paid_company import seed_paid_company

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def paid_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``attain serve`` over a SQLite database holding the test company and a pay run of 2024-Q1."""
    with serving(tmp_path_factory.mktemp("e2e-pay-home"), seed_paid_company, "e2e-key") as base:
        yield base


def test_rep_opens_a_payout_explanation(paid_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, paid_server, "ray")
    assert page.get_by_role("heading", name="Hello, Ray Rep").is_visible()
    assert page.get_by_role("img", name="bookings: 30.2% of quota").is_visible()
    assert page.get_by_text("to reach 5.00% on commission").is_visible()
    page.screenshot(path=str(ARTIFACTS / "e2e-rep-home-paid.png"), full_page=True)
    page.get_by_role("link", name="Explain T-RAY-1").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Why T-RAY-1 paid 90.00").is_visible()
    assert page.get_by_text("3,000.15 at 3% = 90.00").is_visible()
    page.screenshot(path=str(ARTIFACTS / "e2e-rep-deal-explanation.png"), full_page=True)
    assert errors == []  # no CSP violations or script errors
    context.close()


def test_admin_imports_a_bad_file_then_a_good_one(paid_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, paid_server, "admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    page.wait_for_load_state()
    page.get_by_label("What the file holds").select_option("payee")
    bad = b"payee_id,name,currency,hire_date\nE2E1,Ok,USD,2024-01-02\nE2E2,Bad Day,USD,31/02/2024\n"
    page.get_by_label("File (CSV, XLSX or Parquet)").set_input_files(
        files=[{"name": "payees.csv", "mimeType": "text/csv", "buffer": bad}])
    page.get_by_role("button", name="Import").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="payees.csv was refused: nothing was written").is_visible()
    report = page.get_by_role("table", name="Row-level report")
    assert report.get_by_role("cell", name="31/02/2024", exact=True).is_visible()
    page.screenshot(path=str(ARTIFACTS / "e2e-admin-import-errors.png"), full_page=True)
    good = b"payee_id,name,currency,hire_date\nE2E1,Ok,USD,2024-01-02\nE2E2,Good Day,USD,2024-02-28\n"
    page.get_by_label("What the file holds").select_option("payee")
    page.get_by_label("File (CSV, XLSX or Parquet)").set_input_files(
        files=[{"name": "payees.csv", "mimeType": "text/csv", "buffer": good}])
    page.get_by_role("button", name="Import").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Imported payees.csv").is_visible()
    assert page.get_by_text("2 created").is_visible()
    page.screenshot(path=str(ARTIFACTS / "e2e-admin-import-done.png"), full_page=True)
    context.close()
