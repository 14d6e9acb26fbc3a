"""Browser journey: a manager opens her team dashboard from the team page, sees only her team, the
charts drawn under the strict CSP, and downloads the whole dashboard as XLSX (system Chromium and
server plumbing from tests/e2e/conftest.py; screenshots in tests/artifacts/)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.company import seed_company
from tests.e2e.conftest import ARTIFACTS, serving, sign_in

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def company_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``attain serve`` over the tiny company (Mona manages Ray, Rita and the rep named <script>)."""
    with serving(tmp_path_factory.mktemp("e2e-dashboard-home"), seed_company, "e2e-key") as base:
        yield base


def test_manager_opens_her_team_dashboard_and_downloads_it(company_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, company_server, "mona")
    page.goto(f"{company_server}/team")
    page.get_by_role("link", name="Sales dashboard").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Team of Mona Manager").is_visible()
    leaderboard = page.get_by_role("table", name="Leaderboard, 2024-Q1")
    assert leaderboard.get_by_role("cell", name="Ray Rep", exact=True).is_visible()
    assert leaderboard.get_by_role("cell", name="<script>alert(1)</script>", exact=True).is_visible()
    assert page.get_by_text("Otto Outside").count() == 0 and page.get_by_text("Grace Boss").count() == 0
    page.wait_for_selector("#chart-manager-leaderboard[data-chart-ready='true'] svg", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "e2e-manager-dashboard.png"), full_page=True)
    with page.expect_download() as caught:
        page.get_by_role("link", name="Download every panel (XLSX)").click()
    download = caught.value
    assert download.suggested_filename == "dashboard-manager-MONA-2024-Q1.xlsx"
    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))  # the saved file has no suffix
    leaders = next(sheet for sheet in book.worksheets if sheet.title.startswith("Leaderboard"))
    ids = sorted(row[1] for row in leaders.iter_rows(min_row=3, values_only=True))
    assert ids == ["MONA", "RAY", "RITA", "XSS"]
    assert errors == []  # no CSP violations or script errors
    context.close()
