"""The desk over REST on a real pay run (SQLite and PostgreSQL): adjustments created, refused by their
author, rejected only with a comment, decided once (409 DESK003); disputes raised by a rep on their own
line only, assigned, answered and resolved with the thread read back with roles; background runs
started and followed to their run. Errors are problem+json with the services' codes; lists page."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from attain.api.app import create_app
from attain.settings import Settings
from attain.store.db import reading
from attain.store.tables import payout
from tests.api.conftest import csrf_of, sign_in
from tests.web.conftest import _module_db
from tests.web.paid_company import seed_paid_company

__all__ = ["_module_db"]


@pytest.fixture(scope="module")
def paid_url(_module_db: str) -> str:
    seed_paid_company(_module_db)
    return _module_db


@pytest.fixture(scope="module")
def paid_app(paid_url: str, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    home_dir = tmp_path_factory.mktemp("home")
    return create_app(Settings(home=home_dir, database_url=paid_url, secret_key="test-secret-key"))


class Api:
    """A signed-in JSON client that sends the session's CSRF token with each change."""

    def __init__(self, client: TestClient) -> None:
        self.client, self.csrf = client, csrf_of(client)

    def get(self, path: str, **params: Any) -> httpx.Response:
        answer: httpx.Response = self.client.get(f"/api/v1{path}", params=params)
        return answer

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        answer: httpx.Response = self.client.post(
            f"/api/v1{path}", json=body, headers={"X-CSRF-Token": self.csrf}
        )
        return answer


@pytest.fixture
def as_user(paid_app: FastAPI) -> Iterator[Callable[[str], Api]]:
    clients: list[TestClient] = []

    def make(username: str) -> Api:
        client = TestClient(paid_app, follow_redirects=False)
        clients.append(client)
        return Api(sign_in(client, username))

    yield make
    for client in clients:
        client.close()


def refused(answer: httpx.Response, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == code, answer.text


def line_of(url: str, payee_id: str) -> int:
    with reading(url) as conn:
        found = conn.execute(
            select(payout.c.id).where(payout.c.payee_id == payee_id).order_by(payout.c.id).limit(1)
        ).scalar()
    assert found is not None
    return int(found)


ADJUSTMENT = {
    "payee_id": "RAY",
    "period_label": "2024-Q1",
    "amount": "125.50",
    "currency": "usd",
    "reason": "missed split on T-RAY-2",
}


def test_an_adjustment_is_decided_once_by_someone_else(as_user: Callable[[str], Api]) -> None:
    finance, admin = as_user("finance"), as_user("admin")
    made = finance.post("/adjustments", ADJUSTMENT)
    assert made.status_code == 201, made.text
    adj = made.json()
    assert made.headers["location"] == f"/api/v1/adjustments/{adj['id']}"
    assert (adj["status"], adj["amount"], adj["currency"], adj["author"]) == (
        "pending",
        "125.50",
        "USD",
        "finance",
    )
    assert [step["action"] for step in adj["history"]] == ["create"]
    refused(finance.post(f"/adjustments/{adj['id']}/decision", {"decision": "approve"}), 400, "PAY043")
    refused(admin.post(f"/adjustments/{adj['id']}/decision", {"decision": "reject"}), 400, "DESK004")
    approved = admin.post(f"/adjustments/{adj['id']}/decision", {"decision": "approve", "comment": "checked"})
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["status"], body["decided_by"], body["approved_by"], body["decision_comment"]) == (
        "approved",
        "admin",
        "admin",
        "checked",
    )
    assert [(s["action"], s["actor"], s["details"]) for s in body["history"]][1] == (
        "approve",
        "admin",
        "checked",
    )
    refused(
        admin.post(f"/adjustments/{adj['id']}/decision", {"decision": "reject", "comment": "no"}),
        409,
        "DESK003",
    )
    listed = finance.get("/adjustments", status="approved", payee_id="RAY").json()
    assert adj["id"] in {a["id"] for a in listed["items"]}
    assert all(a["status"] == "approved" for a in listed["items"])
    assert adj["id"] not in {a["id"] for a in finance.get("/adjustments", status="pending").json()["items"]}


def test_adjustment_input_is_exact_and_checked(as_user: Callable[[str], Api]) -> None:
    finance = as_user("finance")
    for amount in (10.5, "1e3", "ten"):
        answer = finance.post("/adjustments", {**ADJUSTMENT, "amount": amount})
        refused(answer, 422, "AUTH010")  # a float or a non-decimal is never read as money
    refused(finance.post("/adjustments", {**ADJUSTMENT, "payee_id": "NOBODY"}), 400, "DESK005")
    refused(finance.post("/adjustments", {**ADJUSTMENT, "amount": "0.001"}), 400, "PAY042")
    refused(finance.get("/adjustments", status="lost"), 422, "AUTH010")
    refused(finance.get("/adjustments/987654"), 404, "AUTH007")


def test_lists_are_paginated(as_user: Callable[[str], Api]) -> None:
    finance, admin = as_user("finance"), as_user("admin")
    for n in range(3):
        assert admin.post("/adjustments", {**ADJUSTMENT, "reason": f"page test {n}"}).status_code == 201
    first = finance.get("/adjustments", limit=2).json()
    second = finance.get("/adjustments", limit=2, offset=2).json()
    assert (first["limit"], first["offset"], len(first["items"])) == (2, 0, 2) and first["total"] >= 3
    assert second["total"] == first["total"] and second["offset"] == 2
    assert not {a["id"] for a in first["items"]} & {a["id"] for a in second["items"]}
    assert first["items"][0]["id"] > first["items"][1]["id"]  # newest first
    refused(finance.get("/adjustments", limit=0), 422, "AUTH010")


def test_a_dispute_is_raised_on_ones_own_line_and_answered_with_its_thread(
    as_user: Callable[[str], Api], paid_url: str
) -> None:
    ray, otto, finance = as_user("ray"), as_user("otto"), as_user("finance")
    refused(
        ray.post("/disputes", {"payout_id": line_of(paid_url, "OTTO"), "message": "mine?"}), 404, "AUTH007"
    )
    refused(
        finance.post("/disputes", {"payout_id": line_of(paid_url, "RAY"), "message": "x"}), 404, "AUTH007"
    )
    raised = ray.post("/disputes", {"payout_id": line_of(paid_url, "RAY"), "message": "T-RAY-2 was 3,000"})
    assert raised.status_code == 201, raised.text
    dispute_id = raised.json()["id"]
    assert raised.headers["location"] == f"/api/v1/my/disputes/{dispute_id}"
    queue = finance.get("/disputes", assignee="-").json()
    assert dispute_id in {d["id"] for d in queue["items"]}
    refused(ray.get("/disputes"), 403, "AUTH004")
    refused(finance.post(f"/disputes/{dispute_id}/assign", {"assignee": "ray"}), 400, "DESK006")
    refused(finance.post(f"/disputes/{dispute_id}/answer", {"text": "  "}), 400, "DESK007")
    answered = finance.post(f"/disputes/{dispute_id}/answer", {"text": "Checking the booking."})
    assert answered.status_code == 200 and answered.json()["assignee"] == "finance"
    assert (
        ray.post(f"/my/disputes/{dispute_id}/reply", {"message": "The order form says 3,000."}).status_code
        == 200
    )
    refused(otto.post(f"/my/disputes/{dispute_id}/reply", {"message": "me too"}), 404, "AUTH007")
    refused(otto.get(f"/my/disputes/{dispute_id}"), 404, "AUTH007")
    resolved = finance.post(f"/disputes/{dispute_id}/resolve", {"resolution": "Corrected in Q2."})
    assert resolved.json()["status"] == "resolved"
    refused(ray.post(f"/my/disputes/{dispute_id}/reply", {"message": "thanks"}), 400, "PAY041")
    mine = ray.get("/my/disputes").json()
    (thread,) = [d["thread"] for d in mine["items"] if d["id"] == dispute_id]
    assert [(t["kind"], t["actor"], t["role"]) for t in thread] == [
        ("message", "ray", "rep"),
        ("assignment", "finance", "finance"),
        ("answer", "finance", "finance"),
        ("message", "ray", "rep"),
        ("resolution", "finance", "finance"),
    ]
    assert thread[1]["text"] == "assigned to finance" and thread[-1]["text"] == "Corrected in Q2."
    assert otto.get("/my/disputes").json()["total"] == 0
    refused(as_user("admin").get("/my/disputes"), 404, "AUTH007")  # no payee, no disputes of one's own


def test_a_dispute_becomes_an_adjustment_on_its_line(as_user: Callable[[str], Api], paid_url: str) -> None:
    ray, finance = as_user("ray"), as_user("finance")
    line = line_of(paid_url, "RAY")
    dispute_id = ray.post("/disputes", {"payout_id": line, "message": "short by 30"}).json()["id"]
    made = finance.post(
        f"/disputes/{dispute_id}/adjustment",
        {"amount": "30.00", "currency": "USD", "period_label": "2024-Q2", "reason": "booking was 3,000"},
    )
    assert made.status_code == 201, made.text
    adj = made.json()
    assert (adj["corrects_payout_id"], adj["status"], adj["amount"]) == (line, "pending", "30.00")
    detail = finance.get(f"/disputes/{dispute_id}").json()
    assert (detail["status"], detail["adjustment_id"]) == ("adjusted", adj["id"])
    assert detail["thread"][-1]["text"] == f"booking was 3,000 (adjustment {adj['id']})"


def test_a_background_run_is_started_and_followed_to_its_run(as_user: Callable[[str], Api]) -> None:
    finance = as_user("finance")
    refused(finance.post("/jobs", {"periods": ["2024-Q9"]}), 422, "AUTH010")
    started = finance.post("/jobs", {"periods": "2024-Q1"})
    assert started.status_code == 202, started.text
    job = started.json()
    assert started.headers["location"] == f"/api/v1/jobs/{job['job_id']}" and job["state"] == "queued"
    deadline = time.monotonic() + 120
    while not job["done"]:
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
        job = finance.get(f"/jobs/{job['job_id']}").json()
    assert (job["state"], job["percent"], job["stage"], job["error"]) == ("succeeded", 100, "done", None)
    assert (
        job["run_id"] and job["heartbeat_at"] and job["actor"] == "finance" and job["periods"] == ["2024-Q1"]
    )
    listed = finance.get("/jobs", limit=5).json()
    assert job["job_id"] in {j["job_id"] for j in listed["items"]} and listed["total"] >= 1
    refused(as_user("ray").get(f"/jobs/{job['job_id']}"), 403, "AUTH004")
    refused(finance.get(f"/jobs/{'0' * 32}"), 404, "AUTH007")
