"""The finance desk on a real pay run (SQLite and PostgreSQL): adjustments are created, approved or
rejected by someone other than their author and paid by the next run; disputes are queued, assigned,
answered (the rep sees the answer), and turned into adjustments pointing at the disputed line.
Roles are checked in the services: reps and managers never reach the desk, even by guessing ids."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from attain.api.app import create_app
from attain.services import adjustments, disputes
from attain.services.access import Principal
from attain.services.runs import run_payouts
from attain.settings import Settings
from attain.store.db import reading
from attain.store.tables import adjustment, audit_log, dispute, payout
from tests.api.conftest import csrf_of, sign_in
from tests.web.paid_company import seed_paid_company

FINANCE = Principal(2, "finance", "finance")


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


def post(client: TestClient, path: str, **data: str) -> Any:
    return client.post(path, data={"csrf_token": csrf_of(client), **data})


def line_of(url: str, payee_id: str) -> dict[str, Any]:
    with reading(url) as conn:
        row = (
            conn.execute(
                select(payout)
                .where(payout.c.payee_id == payee_id)
                .order_by(payout.c.run_id.desc(), payout.c.id)
            )
            .mappings()
            .first()
        )
    assert row is not None
    return dict(row)


def new_adjustment(client: TestClient, **fields: str) -> int:
    values = {
        "payee_id": "RAY",
        "period_label": "2024-Q1",
        "amount": "125.50",
        "currency": "USD",
        "reason": "missed split on T-RAY-2",
        **fields,
    }
    answer = post(client, "/desk/adjustments", **values)
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].rsplit("/", 1)[1])


def flash_after(client: TestClient, answer: Any) -> str:
    assert answer.status_code == 303, answer.text
    return str(client.get(answer.headers["location"]).text)


def test_an_adjustment_is_approved_by_someone_else_and_paid_by_the_next_run(
    as_user: Callable[[str], TestClient], paid_url: str
) -> None:
    admin, finance = as_user("admin"), as_user("finance")
    line = line_of(paid_url, "RAY")
    adj_id = new_adjustment(admin, corrects_payout_id=str(line["id"]))
    page = admin.get(f"/desk/adjustments/{adj_id}").text
    assert "pending" in page and "125.50 USD" in page and "someone else in finance or admin" in page
    assert f"Line {line['id']} of run" in page and "Approve adjustment" not in page
    own = flash_after(admin, post(admin, f"/desk/adjustments/{adj_id}/approve"))
    assert "PAY043" in own and "pending" in own  # the author cannot approve
    assert "Approve adjustment" in finance.get(f"/desk/adjustments/{adj_id}").text
    done = flash_after(
        finance, post(finance, f"/desk/adjustments/{adj_id}/approve", comment="checked the CRM")
    )
    assert "approved: the next pay run" in done and "by finance" in done
    run = run_payouts(paid_url, periods=["2024-Q1"], actor="admin")
    with reading(paid_url) as conn:
        paid = (
            conn.execute(
                select(payout.c.amount_rounded).where(
                    payout.c.run_id == run.run_id,
                    payout.c.kind == "adjustment",
                    payout.c.refers_to == str(adj_id),
                )
            )
            .scalars()
            .all()
        )
    assert paid == [Decimal("125.50")]
    listing = finance.get("/desk/adjustments", params={"status": "approved", "payee_id": "RAY"}).text
    assert f'href="/desk/adjustments/{adj_id}"' in listing and f'href="/admin/runs/{run.run_id}"' in listing
    history = finance.get(f"/desk/adjustments/{adj_id}").text
    steps = history[history.index("History") :]
    assert steps.index("create") < steps.index("approve") < steps.index("checked the CRM")


def test_a_rejection_needs_a_comment_is_final_and_is_never_paid(
    as_user: Callable[[str], TestClient], paid_url: str
) -> None:
    admin, finance = as_user("admin"), as_user("finance")
    adj_id = new_adjustment(finance, amount="-40.00", reason="double-counted SPIFF")
    silent = flash_after(admin, post(admin, f"/desk/adjustments/{adj_id}/reject"))
    assert "DESK004" in silent
    rejected = flash_after(
        admin, post(admin, f"/desk/adjustments/{adj_id}/reject", comment="SPIFF was right")
    )
    assert "rejected" in rejected and "SPIFF was right" in rejected
    again = flash_after(admin, post(admin, f"/desk/adjustments/{adj_id}/approve"))
    assert "DESK003" in again
    with pytest.raises(Exception, match="rejected"):
        adjustments.desk_decide(paid_url, FINANCE, adj_id, approve=True)  # not through the back door
    with reading(paid_url) as conn:
        assert (
            conn.execute(select(adjustment.c.approved_by).where(adjustment.c.id == adj_id)).scalar() is None
        )
    only_rejected = admin.get("/desk/adjustments", params={"status": "rejected"}).text
    pending = admin.get("/desk/adjustments", params={"status": "pending"}).text
    assert f'href="/desk/adjustments/{adj_id}"' in only_rejected
    assert f'href="/desk/adjustments/{adj_id}"' not in pending


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"payee_id": "NOBODY"}, "DESK005"),
        ({"period_label": "2024-Q7"}, "DESK005"),
        ({"amount": "12.345"}, "PAY042"),
        ({"amount": "0"}, "PAY042"),
        ({"currency": "XXQ"}, "PAY042"),
        ({"reason": "  "}, "PAY042"),
        ({"corrects_payout_id": "abc"}, "AUTH010"),
    ],
)
def test_a_bad_adjustment_is_refused_on_the_form_with_its_code(
    as_user: Callable[[str], TestClient], paid_url: str, fields: dict[str, str], code: str
) -> None:
    admin = as_user("admin")
    values = {
        "payee_id": "RAY",
        "period_label": "2024-Q1",
        "amount": "10.00",
        "currency": "USD",
        "reason": "why not",
        **fields,
    }
    with reading(paid_url) as conn:
        before = len(conn.execute(select(adjustment.c.id)).all())
    answer = post(admin, "/desk/adjustments", **values)
    assert answer.status_code in (400, 422) and code in answer.text, answer.text[-800:]
    assert 'role="alert"' in answer.text and f'value="{values["payee_id"]}"' in answer.text  # input kept
    with reading(paid_url) as conn:
        assert len(conn.execute(select(adjustment.c.id)).all()) == before


def test_a_correction_must_point_at_the_same_payees_line(
    as_user: Callable[[str], TestClient], paid_url: str
) -> None:
    rita_line = line_of(paid_url, "RITA")
    answer = post(
        as_user("admin"),
        "/desk/adjustments",
        payee_id="RAY",
        period_label="2024-Q1",
        amount="5",
        currency="USD",
        reason="x",
        corrects_payout_id=str(rita_line["id"]),
    )
    assert answer.status_code == 400 and "DESK005" in answer.text


@pytest.mark.parametrize("user", ["mona", "ray"])
def test_reps_and_managers_never_reach_the_desk(as_user: Callable[[str], TestClient], user: str) -> None:
    client = as_user(user)
    for path in ("/desk/adjustments", "/desk/adjustments/1", "/desk/disputes", "/desk/disputes/1"):
        assert client.get(path).status_code == 403, path
    refused = post(
        client,
        "/desk/adjustments",
        payee_id="RAY",
        period_label="2024-Q1",
        amount="999.00",
        currency="USD",
        reason="give me money",
    )
    assert refused.status_code == 403 and "AUTH004" in refused.text
    assert post(client, "/desk/adjustments/1/approve").status_code == 403
    assert post(client, "/desk/disputes/1/answer", answer="yes").status_code == 403
    nav = client.get("/my/disputes").text
    assert 'href="/desk/adjustments"' not in nav and 'href="/my/disputes"' in nav


def test_every_desk_form_needs_its_csrf_token(as_user: Callable[[str], TestClient]) -> None:
    admin = as_user("admin")
    refused = admin.post(
        "/desk/adjustments",
        data={"payee_id": "RAY", "period_label": "2024-Q1", "amount": "1", "currency": "USD", "reason": "x"},
    )
    assert refused.status_code == 403 and "AUTH005" in refused.text
    assert admin.post("/desk/disputes/1/resolve", data={"resolution": "x"}).status_code == 403


def raise_as_ray(ray: TestClient, url: str, message: str) -> tuple[int, dict[str, Any]]:
    line = line_of(url, "RAY")
    answer = post(ray, "/reps/RAY/disputes", payout_id=str(line["id"]), message=message)
    assert answer.status_code == 303, answer.text
    with reading(url) as conn:
        new_id = conn.execute(select(dispute.c.id).where(dispute.c.message == message)).scalar_one()
    return int(new_id), line


def test_a_dispute_is_answered_the_rep_sees_it_and_it_becomes_an_adjustment(
    as_user: Callable[[str], TestClient], paid_url: str
) -> None:
    ray, finance, admin, otto = (as_user(u) for u in ("ray", "finance", "admin", "otto"))
    dispute_id, line = raise_as_ray(ray, paid_url, "T-RAY-2 was 3,000, not 2,000")
    queue = finance.get("/desk/disputes", params={"assignee": "-"}).text
    assert f'href="/desk/disputes/{dispute_id}"' in queue and "T-RAY-2 was 3,000" in queue
    assert (
        f'href="/desk/disputes/{dispute_id}"'
        not in finance.get("/desk/disputes", params={"older_than_days": "1"}).text
    )
    refused = flash_after(finance, post(finance, f"/desk/disputes/{dispute_id}/assign", assignee="ray"))
    assert "DESK006" in refused
    flash_after(finance, post(finance, f"/desk/disputes/{dispute_id}/assign", assignee="admin"))
    assert (
        f'href="/desk/disputes/{dispute_id}"'
        in finance.get("/desk/disputes", params={"assignee": "admin", "status": "assigned"}).text
    )
    empty = flash_after(admin, post(admin, f"/desk/disputes/{dispute_id}/answer", answer="   "))
    assert "DESK007" in empty
    flash_after(admin, post(admin, f"/desk/disputes/{dispute_id}/answer", answer="Checking the CRM booking."))
    mine = ray.get("/my/disputes").text
    assert "Checking the CRM booking." in mine and "answered" in mine and "assigned to admin" in mine
    assert "T-RAY-2 was 3,000" not in otto.get("/my/disputes").text  # only one's own
    assert post(otto, f"/my/disputes/{dispute_id}/reply", message="me too").status_code == 404
    flash_after(ray, post(ray, f"/my/disputes/{dispute_id}/reply", message="The order form says 3,000."))
    page = finance.get(f"/desk/disputes/{dispute_id}").text
    thread = page[page.index("Thread") :]
    for earlier, later in (
        ("T-RAY-2 was 3,000", "assigned to admin"),
        ("assigned to admin", "Checking the CRM"),
        ("Checking the CRM", "The order form says 3,000."),
    ):
        assert thread.index(earlier) < thread.index(later)
    assert '· ray <span class="muted">(rep)</span> · message' in thread
    assert '· admin <span class="muted">(admin)</span> · answer' in thread
    assert re.search(r'id="adj-currency" name="currency" required maxlength="3" value="USD"', page)
    assert 'name="period_label" required maxlength="100" value="2024-Q1"' in page  # pre-filled from the line
    made = post(
        finance,
        f"/desk/disputes/{dispute_id}/adjust",
        amount="30.00",
        currency="USD",
        period_label="2024-Q1",
        reason="booking was 3,000",
    )
    assert made.status_code == 303 and made.headers["location"].startswith("/desk/adjustments/")
    adj_id = int(made.headers["location"].rsplit("/", 1)[1])
    with reading(paid_url) as conn:
        row = conn.execute(select(adjustment).where(adjustment.c.id == adj_id)).mappings().one()
        state = conn.execute(
            select(dispute.c.status, dispute.c.adjustment_id).where(dispute.c.id == dispute_id)
        ).one()
    assert (
        row["corrects_payout_id"] == line["id"] and row["author"] == "finance" and row["approved_by"] is None
    )
    assert (state.status, state.adjustment_id) == ("adjusted", adj_id)
    flash_after(admin, post(admin, f"/desk/adjustments/{adj_id}/approve"))
    assert "approved" in admin.get(f"/desk/adjustments/{adj_id}").text
    closed = ray.get("/my/disputes").text
    assert "adjusted" in closed and f"(adjustment {adj_id})" in closed and "Add to this dispute" not in closed
    with reading(paid_url) as conn:
        actions = (
            conn.execute(
                select(audit_log.c.action)
                .where(audit_log.c.entity == "dispute", audit_log.c.key == str(dispute_id))
                .order_by(audit_log.c.id)
            )
            .scalars()
            .all()
        )
    assert actions == ["raise", "assigned", "answered", "reply", "adjusted"]


def test_answering_an_unassigned_dispute_takes_it_and_resolving_closes_it(
    as_user: Callable[[str], TestClient], paid_url: str
) -> None:
    ray, finance = as_user("ray"), as_user("finance")
    dispute_id, _ = raise_as_ray(ray, paid_url, "why no accelerator?")
    disputes.desk_answer(paid_url, FINANCE, dispute_id, "You are below 100% attainment.")
    found = disputes.desk_get(paid_url, FINANCE, dispute_id)
    assert (found["status"], found["assignee"]) == ("answered", "finance")
    flash_after(finance, post(finance, f"/desk/disputes/{dispute_id}/resolve", resolution="explained"))
    assert (
        f'href="/desk/disputes/{dispute_id}"'
        in finance.get("/desk/disputes", params={"status": "resolved"}).text
    )
    late = flash_after(finance, post(finance, f"/desk/disputes/{dispute_id}/answer", answer="more"))
    assert "PAY041" in late
