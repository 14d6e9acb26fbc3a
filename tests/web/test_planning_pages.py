"""Planning pages: the quota version workflow on screen (four eyes, publish, diff, expected attainment)
and a territory design's offline map with before/after balance, applied from a date; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import select

from attain.planning.territories import Accounts, Limits, assign
from attain.services.planning import TerritoryResult, save_design
from attain.store.db import reading
from attain.store.tables import ENTITY_TABLES
from tests.api.conftest import csrf_of
from tests.services.access_people import FINANCE

QUOTAS = ("assignee_id,measure,period_start,period_end,amount\n"
          "RAY,bookings,2025-01-01,2025-03-31,30000\nOTTO,bookings,2025-01-01,2025-03-31,20000\n")


def _create(client: TestClient, body: str = QUOTAS, **fields: str):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf_of(client), "name": "AE 2025", "effective_from": "2025-01-01", **fields}
    return client.post("/planning/quotas", data=data, files={"data": ("q.csv", body.encode(), "text/csv")})


def _step(client: TestClient, version_id: int, step: str, comment: str = ""):  # type: ignore[no-untyped-def]
    return client.post(f"/planning/quotas/{version_id}/{step}",
                       data={"csrf_token": csrf_of(client), "comment": comment})


def test_a_quota_version_is_drafted_approved_by_someone_else_and_published(
    signed_in: Callable[[str], TestClient], company_url: str
) -> None:
    admin, finance = signed_in("admin"), signed_in("finance")
    made = _create(admin)
    assert made.status_code == 303 and made.headers["location"] == "/planning/quotas/1"
    page = admin.get("/planning/quotas/1")
    assert page.status_code == 200 and "AE 2025 v1" in page.text and "30,000.00 USD" in page.text
    assert 'action="/planning/quotas/1/approve"' not in page.text  # the author sees no approve button
    own = _step(admin, 1, "approve")
    assert own.status_code == 400 and "PLNG010" in own.text
    assert 'action="/planning/quotas/1/approve"' in finance.get("/planning/quotas/1").text
    assert _step(finance, 1, "approve", "checked against the board target").status_code == 303
    assert _step(finance, 1, "publish").status_code == 303
    shown = finance.get("/planning/quotas/1").text
    assert "published" in shown and "as quota version 2" in shown
    assert "checked against the board target" in shown
    assert "Expected attainment from history" in shown and "data-vega-spec" in shown
    quota = ENTITY_TABLES["quota"].c
    with reading(company_url) as conn:
        rows = conn.execute(select(quota.assignee_id, quota.amount).where(quota.version == 2)).all()
    assert sorted(r[0] for r in rows) == ["OTTO", "RAY"]
    assert "published" in admin.get("/planning").text


def test_a_new_version_shows_its_changes(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    _create(admin)
    second = _create(admin, QUOTAS.replace("30000", "33000"))
    assert second.headers["location"] == "/planning/quotas/2"
    page = admin.get("/planning/quotas/2").text
    assert "changed +3,000.00" in page and "AE 2025 v2" in page


def test_a_bad_quota_file_is_refused_with_its_lines(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    refused = _create(admin, QUOTAS + "RAY,bookings,2025-04-01,not a date,5\n")
    assert refused.status_code == 422 and "PLNG014" in refused.text
    assert re.search(r"q\.csv:4", refused.text)
    assert "No quota version yet." in admin.get("/planning").text


def test_only_finance_and_admins_open_planning(signed_in: Callable[[str], TestClient]) -> None:
    for user in ("ray", "mona"):
        assert signed_in(user).get("/planning").status_code == 403
    assert 'href="/planning"' in signed_in("finance").get("/").text


def test_a_territory_design_map_with_balance_tables_is_applied_from_a_date(
    signed_in: Callable[[str], TestClient], company_url: str
) -> None:
    today = np.array([0, 1, 0, 0], dtype=np.int64)
    lon = np.array([-73.5, -73.0, -75.0, -74.9])
    accounts = Accounts(list("ABCD"), np.full(4, 100.0), np.full(4, 40.0), lon, current=today)
    found = assign(accounts, np.array([2, 1], dtype=np.int64), Limits(tolerance=0.0))
    design_id = save_design(company_url, FINANCE, "East rebalance",
                            TerritoryResult(accounts, found, ["T1", "T2"]))
    admin = signed_in("admin")
    page = admin.get(f"/planning/territories/{design_id}")
    assert page.status_code == 200
    assert 'id="chart-map-before"' in page.text and 'id="chart-map-after"' in page.text
    assert '"projection":{"type":"equirectangular"}' in page.text and "+50.0%" in page.text
    assert "1 change territory" in page.text
    applied = admin.post(f"/planning/territories/{design_id}/apply",
                         data={"csrf_token": csrf_of(admin), "effective_from": "2025-04-01"})
    assert applied.status_code == 303
    assert "Applied from" in admin.get(f"/planning/territories/{design_id}").text
    at = ENTITY_TABLES["account_territory"].c
    with reading(company_url) as conn:
        moved = conn.execute(select(at.territory_id).where(at.account_id == "A",
                                                           at.valid_from == dt.date(2025, 4, 1))).scalar_one()
    assert moved == "T2"


def test_the_balance_vs_disruption_curve_of_a_saved_design(
    signed_in: Callable[[str], TestClient], company_url: str
) -> None:
    """Today T1 holds A, C, D and T2 holds B (±50%). Up to 20% of four accounts is no account at all,
    so the imbalance stays 50%; at 50% two may move, and moving one (A) balances it exactly."""
    today = np.array([0, 1, 0, 0], dtype=np.int64)
    lon = np.array([-73.5, -73.0, -75.0, -74.9])
    accounts = Accounts(list("ABCD"), np.full(4, 100.0), np.full(4, 40.0), lon, current=today)
    found = assign(accounts, np.array([2, 1], dtype=np.int64), Limits(tolerance=0.0))
    design_id = save_design(company_url, FINANCE, "curve", TerritoryResult(accounts, found, ["T1", "T2"]))
    finance = signed_in("finance")
    assert "Draw the curve" in finance.get(f"/planning/territories/{design_id}").text
    page = finance.get(f"/planning/territories/{design_id}?tradeoff=1").text
    assert 'id="chart-tradeoff"' in page
    rows = re.findall(r'<tr><td class="num">([0-9.]+)%</td><td class="num">(\d+)</td>'
                      r'<td class="num">([0-9.]+)%</td>', page)
    assert [r[1:] for r in rows[:4]] == [("0", "50.00")] * 4 and rows[4] == ("50.0", "1", "0.00")


def test_a_draft_takes_new_lines_and_an_approval_can_be_sent_back(
    signed_in: Callable[[str], TestClient], company_url: str
) -> None:
    admin, finance, rep = signed_in("admin"), signed_in("finance"), signed_in("ray")
    _create(admin)
    replaced = admin.post("/planning/quotas/1/lines", data={"csrf_token": csrf_of(admin)},
                          files={"data": ("v.csv", QUOTAS.replace("20000", "25000").encode(), "text/csv")})
    assert replaced.status_code == 303
    assert "25,000.00 USD" in admin.get("/planning/quotas/1").text
    assert _step(rep, 1, "approve").status_code == 403
    _step(finance, 1, "approve")
    assert _step(finance, 1, "send-back", "OTTO's quota is still too high").status_code == 303
    page = admin.get("/planning/quotas/1").text
    assert "OTTO&#39;s quota is still too high" in page and "send back" in page
    assert 'action="/planning/quotas/1/lines"' in page  # a draft again: editable
