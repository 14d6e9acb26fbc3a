"""The web dashboards show each amount with its currency and never add two currencies (SQLite and
PostgreSQL).

The two-currency company of tests/api/test_currencies_api.py: Mia's team is Khalid (gulf, KWD, a
5,000.000 KWD quota) and Uma (gulf in KWD and states in USD, a 4,000.000 KWD quota). In January the
expected commission is 35.004 KWD for Khalid, 70.002 KWD and 30.00 USD for Uma: the team is
9,000.000 KWD of quota with 105.006 KWD and, on its own row, 30.00 USD of commission, never
105.036 or 100.006995 of anything.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from attain.api.app import create_app
from attain.settings import Settings
from tests.api.conftest import sign_in
from tests.api.test_currencies_api import two_currency_url  # noqa: F401 - the fixture

JANUARY = {"period": "2017-01", "as_of": "2017-01-31"}


@pytest.fixture
def admin(two_currency_url: str, tmp_path: Path) -> Iterator[TestClient]:  # noqa: F811
    settings = Settings(home=tmp_path / "home", database_url=two_currency_url, secret_key="test-secret-key")
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield sign_in(client, "admin")


def _section(html: str, key: str) -> str:
    return html.split(f'id="{key}"', 1)[1].split("</section>", 1)[0]


def _rows(section: str) -> list[list[str]]:
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in body.split("</tr>") if "<td" in row]


def test_the_team_page_shows_each_reps_figures_in_their_currency(admin: TestClient) -> None:
    page = admin.get("/dashboards/manager", params={"subject": "M1", **JANUARY})
    assert page.status_code == 200, page.text
    rows = _rows(_section(page.text, "forecast_by_rep"))
    cells = {(row[0], row[2]): row for row in rows}
    assert set(cells) == {("K1", "KWD"), ("U1", "KWD"), ("U1", "USD")}
    assert cells["K1", "KWD"][3] == "5,000.000 KWD" and cells["K1", "KWD"][-1] == "35.004 KWD"
    assert cells["U1", "KWD"][-1] == "70.002 KWD" and cells["U1", "USD"][-1] == "30.00 USD"
    assert cells["U1", "USD"][3] == "—"  # no dollar quota
    assert "100.00" not in page.text.split('id="forecast_by_rep"', 1)[1].split("</section>")[0]
    assert "Uma Usd: figures in KWD and USD, one row per currency" in page.text


def test_the_executive_page_has_no_team_sum_across_currencies(admin: TestClient) -> None:
    page = admin.get("/dashboards/executive", params=JANUARY)
    assert page.status_code == 200, page.text
    rows = {row[2]: row for row in _rows(_section(page.text, "forecast_by_team"))}
    assert set(rows) == {"KWD", "USD"}
    assert rows["KWD"][3] == "9,000.000 KWD" and rows["KWD"][-1] == "105.006 KWD"
    assert rows["USD"][-1] == "30.00 USD"
    assert "105.036" not in page.text and "135.006" not in page.text


def test_the_csv_export_names_each_rows_currency(admin: TestClient) -> None:
    answer = admin.get("/dashboards/executive/forecast_by_team.csv", params=JANUARY)
    assert answer.status_code == 200, answer.text
    lines = list(csv.DictReader(io.StringIO(answer.text)))
    assert {(r["Currency"], r["Quota"], r["Expected commission"]) for r in lines} == {
        ("KWD", "9000.000", "105.006"), ("USD", "", "30.00")}


def test_the_other_panels_name_the_currency_of_their_data(admin: TestClient) -> None:
    """Both quotas are in dinars and the company has no opportunities: the catalog panels are in KWD
    (tests/analytics/test_forecast_currencies.py has a team whose deals are in two currencies)."""
    page = admin.get("/dashboards/manager", params={"subject": "M1", **JANUARY}).text
    assert ">Revenue (KWD)</th>" in _section(page, "leaderboard")
    khalid = admin.get("/dashboards/rep", params={"subject": "K1", **JANUARY})
    assert khalid.status_code == 200, khalid.text
    pace = _section(khalid.text, "pace")
    assert ">Won to date (KWD)</th>" in pace and ">Quota pro rata (KWD)</th>" in pace
    assert "USD" not in pace
    assert re.search(r">[0-9,]+\.[0-9]{3}</td>", pace)  # the dinar quota pro rata to the fils
