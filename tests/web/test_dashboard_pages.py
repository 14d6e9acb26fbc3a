"""Dashboard pages on the tiny company (SQLite and PostgreSQL): who sees which team, and the exports.

Mona manages Ray, Rita and the rep named <script> (Otto left her team 60 days ago, Fred joins in
30 days). Every payee won one 5,000.00 deal on 2024-03-01, so the data date is 2024-03-01 and the
default period 2024-Q1.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.api.company import XSS_NAME

ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _csv(client: TestClient, path: str) -> list[dict[str, str]]:
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(answer.text)))


def test_each_role_lands_on_its_own_dashboard(signed_in: Callable[[str], TestClient]) -> None:
    assert signed_in("admin").get("/dashboards").headers["location"] == "/dashboards/executive"
    assert signed_in("mona").get("/dashboards").headers["location"] == "/dashboards/manager"
    assert signed_in("ray").get("/dashboards").headers["location"] == "/dashboards/rep"


def test_a_manager_sees_only_her_team_as_of_today(signed_in: Callable[[str], TestClient]) -> None:
    mona = signed_in("mona")
    page = mona.get("/dashboards/manager")
    assert page.status_code == 200
    html = page.text
    assert "Ray Rep" in html and "Rita Rep" in html and ESCAPED in html and XSS_NAME not in html
    assert "Otto Outside" not in html and "Fred Future" not in html and "Grace Boss" not in html
    assert "2024-Q1" in html and 'type="application/json"' in html  # charts as data, never inline script
    leaders = _csv(mona, "/dashboards/manager/leaderboard.csv")
    assert sorted(r["Payee id"] for r in leaders) == ["MONA", "RAY", "RITA", "XSS"]
    assert {r["Revenue"] for r in leaders} == {"5000.00"}


def test_out_of_scope_dashboards_are_not_found(signed_in: Callable[[str], TestClient]) -> None:
    mona, ray = signed_in("mona"), signed_in("ray")
    assert mona.get("/dashboards/executive").status_code == 404
    assert mona.get("/dashboards/rep?subject=OTTO").status_code == 404  # left her team 60 days ago
    assert mona.get("/dashboards/manager?subject=GRACE").status_code == 404
    assert mona.get("/dashboards/manager/leaderboard.csv?subject=GRACE").status_code == 404
    assert mona.get("/dashboards/rep?subject=RAY").status_code == 200
    assert ray.get("/dashboards/manager").status_code == 404
    assert ray.get("/dashboards/rep?subject=RITA").status_code == 404
    assert ray.get("/dashboards/executive/headline.csv").status_code == 404


def test_a_rep_sees_their_own_figures(signed_in: Callable[[str], TestClient]) -> None:
    ray = signed_in("ray")
    html = ray.get("/dashboards/rep").text
    assert "Dashboard of Ray Rep" in html and "Rita Rep" not in html
    headline = {r["Catalog name"]: r for r in _csv(ray, "/dashboards/rep/headline.csv")}
    assert headline["revenue"]["Value"] == "5000.00"
    # his 2024 quota of 120,000.00 is prorated by days: 91 of 366 days in Q1 = 29,836.07 (half-even cents)
    assert headline["quota_attainment"]["Value"] == "0.1675823927"  # 5,000 / 29,836.07
    second = {r["Catalog name"]: r for r in _csv(ray, "/dashboards/rep/headline.csv?period=2024-Q2")}
    assert second["quota_attainment"]["Value"] == "0.0000000000"  # nothing won against his Q2 share
    assert second["revenue"]["Value"] == "0.00"


def test_executive_sees_everyone_and_the_whole_workbook(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    assert admin.get("/dashboards/executive").status_code == 200
    headline = {r["Catalog name"]: r for r in _csv(admin, "/dashboards/executive/headline.csv")}
    assert headline["revenue"]["Value"] == "35000.00"  # seven payees × 5,000
    answer = admin.get("/dashboards/executive/dashboard.xlsx")
    assert answer.status_code == 200 and answer.headers["content-disposition"].endswith('.xlsx"')
    book = zipfile.ZipFile(io.BytesIO(answer.content))
    assert "<v>35000.00</v>" in "".join(book.read(n).decode() for n in book.namelist() if "worksheets/" in n)


def test_admin_chooses_a_team_first(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    html = admin.get("/dashboards/manager").text
    assert "Choose a team" in html and "Mona Manager" in html and "Grace Boss" in html
    assert admin.get("/dashboards/manager/dashboard.xlsx").status_code == 422
    team = admin.get("/dashboards/manager?subject=GRACE").text
    assert "Otto Outside" in team  # Grace's hierarchy includes Mona's team and Otto


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/dashboards/manager?period=2024-Q5", 400, "ANA001"),
        ("/dashboards/manager/nothing.csv", 404, "AUTH007"),
        ("/dashboards/manager/leaderboard.pdf", 404, "AUTH007"),
        ("/dashboards/planets", 404, "AUTH007"),
        ("/dashboards/manager?as_of=yesterday", 422, "AUTH010"),
    ],
)
def test_bad_requests_get_a_coded_answer(
    signed_in: Callable[[str], TestClient], path: str, status: int, code: str
) -> None:
    answer = signed_in("mona").get(path)
    assert answer.status_code == status and code in answer.text


def test_the_xlsx_of_one_panel_opens_in_openpyxl(signed_in: Callable[[str], TestClient]) -> None:
    from openpyxl import load_workbook

    answer = signed_in("mona").get("/dashboards/manager/attainment_by_rep.xlsx?period=2024")
    book = load_workbook(io.BytesIO(answer.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[1][:3] == ("Payee id", "Rep", "Quota")
    assert [r[0] for r in rows[2:]] == ["RAY"]  # the only one with a quota
