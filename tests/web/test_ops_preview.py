"""Plan preview: a new version is saved as a draft, run through the real engine on the last calculated
period beside the live plan (totals, every payee, who gains and loses; nothing saved as a run), then
published or discarded. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from attain.api.app import create_app
from attain.core.errors import AttainError
from attain.services import plans
from attain.services.access import Principal
from attain.settings import Settings
from attain.store.db import reading, transaction
from attain.store.plans import save_draft
from attain.store.tables import audit_log, calc_run, plan_version, run_component_total
from tests.api.conftest import csrf_of, sign_in
from tests.web.paid_company import PLAN, seed_paid_company

ADMIN = Principal(1, "admin", "admin")
FINANCE = Principal(2, "finance", "finance")
DOUBLED = (
    PLAN.replace("version: 1", "version: 2")
    .replace("effective_from: 2024-01-01", "effective_from: 2024-04-01")
    .replace('rate: "3%"', 'rate: "6%"')
    .replace('rate: "5%"', 'rate: "10%"')
    .replace('rate: "8%"', 'rate: "16%"')
)


@pytest.fixture(scope="module")
def paid_url(_module_db: str) -> str:
    seed_paid_company(_module_db)
    return _module_db


@pytest.fixture(scope="module")
def paid_app(paid_url: str, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    home_dir = tmp_path_factory.mktemp("home")
    return create_app(Settings(home=home_dir, database_url=paid_url, secret_key="test-secret-key"))


@pytest.fixture
def as_user(paid_app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        client = TestClient(paid_app, follow_redirects=False)
        clients.append(client)
        return sign_in(client, username)

    yield make
    for client in clients:
        client.close()


def upload(client: TestClient, text: str, action: str) -> Any:
    files = {"document": ("plan.yaml", text.encode(), "text/yaml")}
    return client.post("/admin/plans", data={"csrf_token": csrf_of(client), "action": action}, files=files)


def runs(url: str) -> int:
    with reading(url) as conn:
        return int(conn.execute(select(func.count()).select_from(calc_run)).scalar_one())


def stored_totals(url: str, label: str) -> dict[str, Decimal]:
    """What the stored run of ``label`` earned per payee (the live plan's real numbers)."""
    with reading(url) as conn:
        run_id = conn.execute(
            select(func.max(calc_run.c.id)).where(calc_run.c.status == "succeeded")
        ).scalar()
        rows = conn.execute(
            select(run_component_total.c.payee_id, run_component_total.c.amount_rounded).where(
                run_component_total.c.run_id == run_id, run_component_total.c.period_label == label
            )
        ).all()
    totals: dict[str, Decimal] = {}
    for payee_id, amount in rows:
        totals[payee_id] = totals.get(payee_id, Decimal(0)) + Decimal(amount)
    return totals


def test_a_draft_is_previewed_against_the_live_plan_then_published(
    as_user: Callable[[str], TestClient], paid_url: str
) -> None:
    admin, finance = as_user("admin"), as_user("finance")
    before = runs(paid_url)
    saved = upload(admin, DOUBLED, "draft")
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == "/admin/plans/web_plan/2/preview"
    page = finance.get("/admin/plans/web_plan/2/preview")  # finance may look
    assert page.status_code == 200, page.text
    assert (
        "on 2024-Q1" in page.text and "web_plan v1" in page.text and "Publish this version" not in page.text
    )
    preview = plans.preview_draft(paid_url, FINANCE, "web_plan", 2)
    assert preview.period_label == "2024-Q1" and preview.live_versions == [1]
    live = stored_totals(paid_url, "2024-Q1")
    assert {r["payee_id"]: r["live"] for r in preview.payees if r["live"]} == {
        k: v for k, v in live.items() if v
    }  # the live column is what the stored run earned
    for row in preview.payees:
        assert abs(row["draft"] - 2 * row["live"]) <= Decimal("0.01"), row  # every rate doubled
    assert preview.gainers == sum(1 for v in live.values() if v > 0) and preview.losers == 0
    (total,) = preview.totals
    assert total["currency"] == "USD" and total["delta"] == total["draft"] - total["live"] > 0
    assert runs(paid_url) == before  # nothing saved as a run
    shown = admin.get("/admin/plans/web_plan/2/preview").text
    assert (
        "Who gains" in shown
        and "Ray Rep" in shown
        and 'data-vega-spec="chart-preview-web_plan-2-spec"' in shown
    )
    assert f"{total['draft']:,.2f} USD" in shown and "Publish this version" in shown
    assert 'draft · <a href="/admin/plans/web_plan/2/preview">' in admin.get("/admin/plans").text
    assert (
        finance.post("/admin/plans/web_plan/2/publish", data={"csrf_token": csrf_of(finance)}).status_code
        == 403
    )
    published = admin.post("/admin/plans/web_plan/2/publish", data={"csrf_token": csrf_of(admin)})
    assert published.status_code == 303 and published.headers["location"] == "/admin/plans/web_plan/2"
    assert "published" in admin.get("/admin/plans/web_plan/2").text
    again = admin.get("/admin/plans/web_plan/2/preview")
    assert again.status_code == 400 and "DESK008" in again.text


def test_a_draft_can_be_discarded_and_errors_keep_nothing(
    as_user: Callable[[str], TestClient], paid_url: str
) -> None:
    admin, finance = as_user("admin"), as_user("finance")
    draft = DOUBLED.replace("version: 2", "version: 7").replace("2024-04-01", "2025-01-01")
    assert upload(finance, draft, "draft").status_code == 403
    broken = upload(admin, draft.replace('rate: "6%"', 'rate: "six"'), "draft")
    assert broken.status_code == 422 and "<code>PLAN" in broken.text
    with reading(paid_url) as conn:
        assert conn.execute(select(plan_version.c.id).where(plan_version.c.version == 7)).first() is None
    assert upload(admin, draft, "draft").status_code == 303
    assert (
        admin.post("/admin/plans/web_plan/7/discard", data={"csrf_token": csrf_of(admin)}).status_code == 303
    )
    with reading(paid_url) as conn:
        assert conn.execute(select(plan_version.c.id).where(plan_version.c.version == 7)).first() is None
        discarded = (
            conn.execute(
                select(audit_log.c.actor).where(
                    audit_log.c.action == "discard", audit_log.c.key == "web_plan|7"
                )
            )
            .scalars()
            .all()
        )
    assert discarded == ["admin"]
    assert admin.get("/admin/plans/web_plan/7/preview").status_code == 404


@pytest.mark.parametrize("user", ["mona", "ray"])
def test_reps_and_managers_cannot_preview(as_user: Callable[[str], TestClient], user: str) -> None:
    client = as_user(user)
    assert client.get("/admin/plans/web_plan/1/preview").status_code == 403
    assert upload(client, DOUBLED, "draft").status_code == 403


def test_a_preview_needs_a_calculated_period(company_url: str) -> None:
    with transaction(company_url, "test") as conn:
        save_draft(conn, "web_plan", 1, PLAN, actor="test", effective_from=dt.date(2024, 1, 1))
    with pytest.raises(AttainError) as nothing:
        plans.preview_draft(company_url, ADMIN, "web_plan", 1)
    assert nothing.value.code == plans.NOTHING_CALCULATED
