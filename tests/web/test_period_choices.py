"""The period buttons offer only what the approvals service would accept from the signed-in user, and
say why a decision is not theirs; SQLite and PostgreSQL.

2024-Q1 of the paid company is in review. Mona manages 4 of the 7 payees paid in it, so her approval
would be refused (AUTH022): she sees no "Approve run" button, a note counting the payees outside her
team, and "Reject" (she may send back a period her team is paid in). Finance waits for the manager
step; an admin may take it; Grace (over everyone) approves it, then finance takes the last step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from attain.api.app import create_app
from attain.services import approvals
from attain.settings import Settings
from attain.store.db import transaction
from attain.store.tables import app_user
from tests.api.conftest import csrf_of, sign_in
from tests.services.access_people import FINANCE, PERIOD
from tests.web.paid_company import seed_paid_company

APPROVE = f'action="/admin/periods/{PERIOD}/approve"'
REJECT = f'action="/admin/periods/{PERIOD}/reject"'
SUBMIT = f'action="/admin/periods/{PERIOD}/submit"'


@pytest.fixture
def users(migrated_url: str, tmp_path: Path) -> Iterator[Callable[[str], TestClient]]:
    """Sign-in clients on the paid company (plus Grace, a manager over everyone) with 2024-Q1 calculated."""
    seed_paid_company(migrated_url)
    with transaction(migrated_url, actor="test") as conn:
        password_hash = conn.execute(select(app_user.c.password_hash).where(app_user.c.username == "mona"))
        conn.execute(insert(app_user).values(username="grace", password_hash=password_hash.scalar_one(),
                                             role="manager", payee_id="GRACE"))
    app: FastAPI = create_app(Settings(home=tmp_path / "home", database_url=migrated_url,
                                       secret_key="test-secret-key"))
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        client = TestClient(app, follow_redirects=False)
        clients.append(client)
        return sign_in(client, username)

    yield make
    for client in clients:
        client.close()


def _post(client: TestClient, step: str, run_id: int) -> int:
    data = {"run_id": str(run_id), "csrf_token": csrf_of(client)}
    return int(client.post(f"/admin/periods/{PERIOD}/{step}", data=data).status_code)


def test_the_buttons_match_what_the_service_accepts(
    migrated_url: str, users: Callable[[str], TestClient]
) -> None:
    admin, finance, mona, grace = users("admin"), users("finance"), users("mona"), users("grace")
    assert SUBMIT in finance.get("/admin/runs").text and SUBMIT not in mona.get("/team").text
    approvals.submit_for_review(migrated_url, FINANCE, PERIOD)
    run_id = approvals.period_state(migrated_url, FINANCE, PERIOD).run_id
    assert run_id is not None

    team = mona.get("/team").text
    assert APPROVE not in team and REJECT in team
    assert "Payees outside your team: 3" in team
    assert _post(mona, "approve", run_id) == 403  # what the missing button would have done (AUTH022)

    runs = finance.get("/admin/runs").text  # the manager step comes first
    assert APPROVE not in runs and REJECT not in runs and "Waiting for the manager step" in runs
    assert APPROVE in admin.get("/admin/runs").text and REJECT in admin.get("/admin/runs").text
    board = grace.get("/team").text
    assert APPROVE in board and "outside your team" not in board

    assert _post(grace, "approve", run_id) == 303
    runs = finance.get("/admin/runs").text
    assert APPROVE in runs and REJECT in runs and "(finance step)" in runs
    team = mona.get("/team").text
    assert APPROVE not in team and REJECT not in team and "Waiting for the finance step" in team
    assert _post(finance, "approve", run_id) == 303
    assert APPROVE not in admin.get("/admin/runs").text  # approved: nothing left to decide
