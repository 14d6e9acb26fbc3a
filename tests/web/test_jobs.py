"""Runs started from the web run in the background: the answer comes at once, the job record is polled
until done, a failure shows its error and leaves nothing, and two runs of one period never interleave
(the run service's period locks). On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from attain.api.app import create_app
from attain.services import jobs, runs
from attain.services.access import Principal
from attain.settings import Settings
from attain.store.db import reading
from attain.store.tables import audit_log, calc_run, payout, run_lock
from tests.api.conftest import csrf_of, sign_in
from tests.web.paid_company import seed_paid_company


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


def start(client: TestClient, periods: str = "2024-Q1") -> str:
    began = time.monotonic()
    answer = client.post("/admin/runs", data={"periods": periods, "csrf_token": csrf_of(client)})
    assert answer.status_code == 303, answer.text
    assert time.monotonic() - began < 5  # the page answers before the run is done
    location = answer.headers["location"]
    assert location.startswith("/admin/jobs/")
    return str(location.rsplit("/", 1)[1])


def follow(client: TestClient, job_id: str, timeout: float = 120.0) -> list[dict[str, Any]]:
    """Poll the job record like the page does, until it is done; every answer seen, in order."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = client.get(f"/admin/jobs/{job_id}.json")
        assert answer.status_code == 200, answer.text
        seen.append(answer.json())
        if seen[-1]["done"]:
            return seen
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {seen[-1]}")


def count(url: str, table: Any, *where: Any) -> int:
    with reading(url) as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def test_a_run_started_from_the_web_reports_progress_until_done(
    as_user: Callable[[str], TestClient], paid_url: str
) -> None:
    finance = as_user("finance")
    job_id = start(finance)
    page = finance.get(f"/admin/jobs/{job_id}")
    assert page.status_code == 200 and f'data-job-poll="/admin/jobs/{job_id}.json"' in page.text
    assert '<progress id="job-progress" max="100"' in page.text and 'for="job-progress"' in page.text
    seen = follow(finance, job_id)
    final = seen[-1]
    assert final["state"] == "succeeded" and final["percent"] == 100 and final["error"] is None
    assert final["started_at"] and final["finished_at"] and final["actor"] == "finance"
    assert final["run_url"] == f"/admin/runs/{final['run_id']}" and re.fullmatch(
        r"\d+ payout lines for \d+ payees \([\d,]+\.\d\d USD\)", final["summary"]
    )
    percents = [s["percent"] for s in seen]
    assert percents == sorted(percents)  # never goes back
    with reading(paid_url) as conn:
        stages = (
            conn.execute(
                select(audit_log.c.after["stage"].as_string())
                .where(audit_log.c.entity == "run_job", audit_log.c.key == job_id)
                .order_by(audit_log.c.id)
            )
            .scalars()
            .all()
        )
    assert {"credit", "store", "done"} <= set(stages) and any(s.startswith("earn") for s in stages)
    run_page = finance.get(final["run_url"]).text
    assert 'data-vega-spec="chart-run-' in run_page and '<script src="/static/charts.js" defer>' in run_page
    assert "Paid by period and kind of line" in run_page and "commission" in run_page
    listing = finance.get("/admin/runs").text
    assert f'href="/admin/jobs/{job_id}"' in listing and "succeeded" in listing


@pytest.mark.parametrize("user", ["mona", "ray"])
def test_only_admin_and_finance_start_or_follow_runs(as_user: Callable[[str], TestClient], user: str) -> None:
    admin_job = start(as_user("admin"))
    client = as_user(user)
    refused = client.post("/admin/runs", data={"periods": "2024-Q1", "csrf_token": csrf_of(client)})
    assert refused.status_code == 403 and "AUTH004" in refused.text
    assert client.get(f"/admin/jobs/{admin_job}.json").status_code == 403
    follow(as_user("admin"), admin_job)


def test_unknown_or_malformed_job_ids_are_not_found(as_user: Callable[[str], TestClient]) -> None:
    admin = as_user("admin")
    assert admin.get(f"/admin/jobs/{'0' * 32}.json").status_code == 404
    assert admin.get("/admin/jobs/..%2F..%2Fetc.json").status_code == 404
    assert "AUTH007" in admin.get("/admin/jobs/nope").text


def test_a_failed_run_shows_its_error_and_leaves_nothing_behind(
    as_user: Callable[[str], TestClient], paid_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("disk full while calculating")

    monkeypatch.setattr(runs, "calculate", broken)
    lines_before = count(paid_url, payout)
    admin = as_user("admin")
    job_id = start(admin)
    final = follow(admin, job_id)[-1]
    assert final["state"] == "failed" and final["code"] == jobs.JOB_CRASHED
    assert "disk full while calculating" in final["error"] and final["run_id"] is None
    assert count(paid_url, payout) == lines_before
    assert count(paid_url, run_lock) == 0
    assert count(paid_url, calc_run, calc_run.c.error.contains("disk full")) == 1  # its failure record
    page = admin.get(f"/admin/jobs/{job_id}").text
    assert 'role="alert"' in page and "disk full while calculating" in page and "nothing was paid" in page


def test_a_period_that_is_not_a_label_is_refused_before_anything_starts(
    as_user: Callable[[str], TestClient], paid_url: str
) -> None:
    admin = as_user("admin")
    queued = count(paid_url, audit_log, audit_log.c.entity == "run_job")
    refused = admin.post("/admin/runs", data={"periods": "2024-Q1 2024-Q9", "csrf_token": csrf_of(admin)})
    assert refused.status_code == 422, refused.text
    assert "AUTH010" in refused.text and "2024-Q9" in refused.text, refused.text[-1500:]
    assert count(paid_url, audit_log, audit_log.c.entity == "run_job") == queued


def test_two_runs_of_one_period_are_serialized(
    as_user: Callable[[str], TestClient], paid_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = runs.calculate  # type: ignore[attr-defined]
    spans: list[tuple[float, float]] = []
    guard = threading.Lock()

    def slow(*args: Any, **kwargs: Any) -> Any:
        began = time.monotonic()
        time.sleep(1.0)
        try:
            return real(*args, **kwargs)
        finally:
            with guard:
                spans.append((began, time.monotonic()))

    monkeypatch.setattr(runs, "calculate", slow)
    admin, finance = as_user("admin"), as_user("finance")
    first = start(admin)
    deadline = time.monotonic() + 60
    while count(paid_url, run_lock) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    second = start(finance)
    seen = follow(finance, second)
    assert follow(admin, first)[-1]["state"] == "succeeded" and seen[-1]["state"] == "succeeded"
    assert any(s["waiting_on"] == ["2024-Q1"] for s in seen)  # the page said why it waited
    (_, a_end), (b_start, _) = sorted(spans)
    assert a_end <= b_start  # never interleaved
    assert seen[-1]["run_id"] > follow(admin, first)[-1]["run_id"]


def test_percent_never_goes_back() -> None:
    assert jobs.percent_of("credit", 0) == 15
    assert jobs.percent_of("inputs", 45) == 45
    assert jobs.percent_of("pay 2024-Q1", 65) == 70 and jobs.percent_of("pay 2024-Q2", 70) == 72
    assert jobs.percent_of("pay: outputs", 72) == 88 and jobs.percent_of("something new", 30) == 30


def test_starting_a_run_needs_the_csrf_token(as_user: Callable[[str], TestClient]) -> None:
    refused = as_user("admin").post("/admin/runs", data={"periods": "2024-Q1"})
    assert refused.status_code == 403 and "AUTH005" in refused.text


def test_a_job_whose_process_is_gone_reads_as_failed(paid_url: str) -> None:
    import socket
    import subprocess
    import sys
    import uuid
    from dataclasses import replace

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    job = jobs.Job(
        uuid.uuid4().hex,
        "running",
        "earn web_plan v1",
        45,
        ["2024-Q1"],
        "admin",
        f"{socket.gethostname()}:{gone.stdout.strip()}",
        "2024-01-01T00:00:00.000+00:00",
    )
    jobs._save(paid_url, job, "running")
    admin = Principal(1, "admin", "admin")
    lost = jobs.get_job(paid_url, admin, job.job_id)
    assert lost.state == "failed" and lost.code == jobs.JOB_LOST and lost.done
    elsewhere = replace(job, job_id=uuid.uuid4().hex, process="another-host:1")
    jobs._save(paid_url, elsewhere, "running")
    assert jobs.get_job(paid_url, admin, elsewhere.job_id).state == "running"  # cannot tell: not failed
