"""Admin and finance pages: imports with the row-level report, plans (validate, publish), runs (start, diff,
review, approve) and the payroll export, on SQLite and PostgreSQL; each role sees only what it may."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from attain.store.db import reading
from attain.store.tables import ENTITY_TABLES
from tests.api.conftest import csrf_of
from tests.web.paid_company import PLAN

GOOD_PAYEES = "payee_id,name,currency,hire_date\nNEW1,New One,USD,2024-01-02\nNEW2,New Two,EUR,2024-02-03\n"
BAD_PAYEES = (
    "payee_id,name,currency,hire_date\nNEW1,New One,USD,2024-01-02\n,No Id,USD,2024-01-02\n"
    "NEW3,Bad Day,USD,31/02/2024\n"
)


def payee_count(url: str) -> int:
    with reading(url) as conn:
        return int(conn.execute(select(func.count()).select_from(ENTITY_TABLES["payee"])).scalar_one())


def finished_run(client: TestClient, job_page: str) -> str:
    """Follow a background run's job record until it ends; the run page's address."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = client.get(f"{job_page}.json").json()
        if job["done"]:
            assert job["state"] == "succeeded", job
            return str(job["run_url"])
        time.sleep(0.1)
    raise AssertionError(f"{job_page} did not finish")


def upload(client: TestClient, path: str, files: dict[str, tuple[str, bytes, str]], **data: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_of(client), **data}, files=files)


def test_import_refuses_a_bad_file_whole_and_lists_row_errors(
    signed_in: Callable[[str], TestClient], company_url: str
) -> None:
    admin = signed_in("admin")
    before = payee_count(company_url)
    bad = upload(
        admin, "/admin/imports", {"data": ("payees.csv", BAD_PAYEES.encode(), "text/csv")}, entity="payee"
    )
    assert bad.status_code == 422, bad.text
    assert "payees.csv was refused: nothing was written" in bad.text
    rows = bad.text[bad.text.index("Row-level report") :]
    assert "<code>IMP" in rows and "31/02/2024" in rows and "hire_date" in rows
    assert '<td class="num">3</td>' in rows and '<td class="num">4</td>' in rows  # header is line 1
    assert payee_count(company_url) == before
    good = upload(
        admin, "/admin/imports", {"data": ("payees.csv", GOOD_PAYEES.encode(), "text/csv")}, entity="payee"
    )
    assert good.status_code == 200, good.text
    assert "Imported payees.csv" in good.text and "2 created" in good.text
    assert payee_count(company_url) == before + 2


@pytest.mark.parametrize("user", ["finance", "mona", "ray"])
def test_only_admins_import(signed_in: Callable[[str], TestClient], user: str) -> None:
    client = signed_in(user)
    assert client.get("/admin/imports").status_code == 403
    refused = upload(
        client, "/admin/imports", {"data": ("p.csv", GOOD_PAYEES.encode(), "text/csv")}, entity="payee"
    )
    assert refused.status_code == 403 and "AUTH004" in refused.text


def test_plans_validate_publish_run_diff_review_approve_export(
    signed_in: Callable[[str], TestClient],
) -> None:
    admin, finance, mona, ray = (signed_in(u) for u in ("admin", "finance", "mona", "ray"))
    broken = PLAN.replace('rate: "5%"', 'rate: "five"')
    checked = upload(
        admin, "/admin/plans", {"document": ("web.yaml", broken.encode(), "text/yaml")}, action="validate"
    )
    assert checked.status_code == 422 and "<code>web.yaml:" in checked.text and "<code>PLAN" in checked.text
    assert (
        upload(
            finance, "/admin/plans", {"document": ("web.yaml", PLAN.encode(), "text/yaml")}, action="publish"
        ).status_code
        == 403
    )
    assert (
        upload(ray, "/admin/plans", {"document": ("web.yaml", PLAN.encode(), "text/yaml")}).status_code == 403
    )
    published = upload(
        admin, "/admin/plans", {"document": ("web.yaml", PLAN.encode(), "text/yaml")}, action="publish"
    )
    assert published.status_code == 303
    listing = admin.get("/admin/plans").text
    assert "web_plan" in listing and "published" in listing
    assert "tiers:" in finance.get("/admin/plans/web_plan/1").text
    assignments = "payee_id,plan_id,valid_from\nRAY,web_plan,2024-01-01\nRITA,web_plan,2024-01-01\n"
    imported = upload(
        admin,
        "/admin/imports",
        {"data": ("assign.csv", assignments.encode(), "text/csv")},
        entity="plan_assignment",
    )
    assert imported.status_code == 200, imported.text
    assert ray.get("/admin/runs").status_code == 403 and mona.get("/admin/runs").status_code == 403
    first = finance.post("/admin/runs", data={"periods": "2024-Q1", "csrf_token": csrf_of(finance)})
    assert first.status_code == 303, first.text
    assert finished_run(finance, first.headers["location"])
    second = admin.post("/admin/runs", data={"periods": "2024-Q1", "csrf_token": csrf_of(admin)})
    second_run = finished_run(admin, second.headers["location"])
    run_page = admin.get(second_run).text
    assert "Changes against run" in run_page and "No payout changed." in run_page
    submitted = finance.post("/admin/periods/2024-Q1/submit", data={"csrf_token": csrf_of(finance)})
    assert submitted.status_code == 303
    team = mona.get("/team").text
    assert "Approve run" in team
    run_id = second_run.rsplit("/", 1)[1]
    assert (
        ray.post(
            "/admin/periods/2024-Q1/approve", data={"run_id": run_id, "csrf_token": csrf_of(ray)}
        ).status_code
        == 403
    )
    assert (
        mona.post(
            "/admin/periods/2024-Q1/approve", data={"run_id": run_id, "csrf_token": csrf_of(mona)}
        ).status_code
        == 303
    )
    assert (
        finance.post(
            "/admin/periods/2024-Q1/approve", data={"run_id": run_id, "csrf_token": csrf_of(finance)}
        ).status_code
        == 303
    )
    assert "approved" in finance.get("/admin/runs").text
    export = finance.get("/admin/exports/payroll/2024-Q1.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert '"RAY","Ray Rep"' in export.text and "270.01" in export.text
    assert mona.get("/admin/exports/payroll/2024-Q1.csv").status_code == 403
