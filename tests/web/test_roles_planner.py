"""The planner role on screen: an admin makes one, the planner drafts a quota version that finance
approves, reads the payee directory, and finds no pay anywhere; SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.conftest import csrf_of, sign_in

PASSWORD = "a long password 1"
QUOTAS = "assignee_id,measure,period_start,period_end,amount\nRAY,bookings,2025-01-01,2025-03-31,30000\n"


def _planner(app: FastAPI, admin: TestClient) -> TestClient:
    users_page = admin.get("/admin/users").text
    assert '<option value="planner"' in users_page and "sees no pay" in users_page
    made = admin.post("/admin/users", data={"username": "pat", "password": PASSWORD, "role": "planner",
                                            "payee_id": "", "csrf_token": csrf_of(admin)})
    assert made.status_code == 303, made.text
    return sign_in(TestClient(app, follow_redirects=False), "pat", PASSWORD)


def _step(client: TestClient, version_id: int, step: str):  # type: ignore[no-untyped-def]
    return client.post(f"/planning/quotas/{version_id}/{step}", data={"csrf_token": csrf_of(client)})


def test_a_planner_drafts_quotas_that_finance_approves_and_sees_no_pay(
    app: FastAPI, signed_in: Callable[[str], TestClient]
) -> None:
    admin, finance = signed_in("admin"), signed_in("finance")
    pat = _planner(app, admin)
    home = pat.get("/").text.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]  # the navigation
    for screen in ("/planning", "/payees", "/account/tokens"):
        assert f'href="{screen}"' in home, screen
    for screen in ("/admin/runs", "/transactions", "/dashboards", "/team", "/admin/plans"):
        assert f'href="{screen}"' not in home, screen
    made = pat.post("/planning/quotas", data={"csrf_token": csrf_of(pat), "name": "AE 2025",
                                              "effective_from": "2025-01-01"},
                    files={"data": ("q.csv", QUOTAS.encode(), "text/csv")})
    assert made.status_code == 303 and made.headers["location"] == "/planning/quotas/1", made.text
    draft = pat.get("/planning/quotas/1").text
    assert "30,000.00 USD" in draft and 'action="/planning/quotas/1/approve"' not in draft
    for step in ("approve", "publish"):
        refused = _step(pat, 1, step)
        assert refused.status_code == 403 and "AUTH004" in refused.text
    assert _step(finance, 1, "approve").status_code == 303
    assert "approved" in pat.get("/planning/quotas/1").text
    directory = pat.get("/payees").text
    assert "Otto Outside" in directory and "Grace Boss" in directory
    otto = pat.get("/payees/OTTO")
    assert otto.status_code == 200 and "Earnings and attainment" not in otto.text
    assert pat.get("/reps/RAY").status_code == 404
    assert pat.get("/admin/runs").status_code == 403
    assert pat.get("/api/v1/me").json()["scope"] == "nothing"


def test_an_admin_gives_an_existing_user_the_planner_role_over_the_api(
    signed_in: Callable[[str], TestClient],
) -> None:
    admin = signed_in("admin")
    ray = next(u for u in admin.get("/api/v1/users").json() if u["username"] == "ray")
    changed = admin.post(f"/api/v1/users/{ray['id']}/role", json={"role": "planner", "payee_id": ""},
                         headers={"X-CSRF-Token": csrf_of(admin)})
    assert changed.status_code == 200 and changed.json()["role"] == "planner", changed.text
    assert changed.json()["payee_id"] is None
    unknown = admin.post(f"/api/v1/users/{ray['id']}/role", json={"role": "boss"},
                         headers={"X-CSRF-Token": csrf_of(admin)})
    assert unknown.status_code == 422 and unknown.json()["code"] == "AUTH013"


def _main(page: str) -> str:
    """The page without its navigation (whose links are tested above)."""
    return page.split("</nav>", 1)[1]


def test_a_planner_lands_on_their_quota_drafts_designs_and_the_directory(
    app: FastAPI, signed_in: Callable[[str], TestClient]
) -> None:
    admin, finance = signed_in("admin"), signed_in("finance")
    pat = _planner(app, admin)
    empty = _main(pat.get("/").text)
    assert "0 payees" not in empty and '<strong class="big">7</strong> payees' in empty  # the directory
    assert '<strong class="big">0</strong> draft versions' in empty and 'href="/planning#name"' in empty
    assert "No proposed design" in empty and "No quota version published yet" in empty
    for pay in ("/transactions", "/team", "/dashboards", "/admin/runs", "Earnings"):
        assert pay not in empty, pay
    for who, name in ((admin, "SE 2025"), (pat, "AE 2025")):
        made = who.post("/planning/quotas", data={"csrf_token": csrf_of(who), "name": name,
                                                  "effective_from": "2025-01-01"},
                        files={"data": ("q.csv", QUOTAS.encode(), "text/csv")})
        assert made.status_code == 303, made.text
    assert _step(finance, 1, "approve").status_code == 303  # the admin's SE 2025
    home = _main(pat.get("/").text)
    drafts = home.split('id="drafts-title"', 1)[1].split("</section>", 1)[0]
    assert '<strong class="big">1</strong> draft version being set' in drafts
    assert 'href="/planning/quotas/2">AE 2025</a>' in drafts and "pat (you)" in drafts
    waiting = home.split('id="waiting-title"', 1)[1].split("</section>", 1)[0]
    assert 'href="/planning/quotas/1">SE 2025 v1</a> — approved by finance' in waiting
    admin_home = _main(admin.get("/").text)  # other roles keep their overview
    assert "Quota drafts" not in admin_home and 'href="/transactions"' in admin_home
