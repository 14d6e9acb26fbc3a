"""Runs started from the web run in the background: the answer comes at once, the job record is polled
until done, a failure shows its error and leaves nothing, and two runs of one period never interleave
(the run service's period locks). On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from attain.api.app import create_app
from attain.core.errors import AttainError
from attain.services import jobs, runs
from attain.services.access import Principal
from attain.settings import Settings
from attain.store.db import reading, transaction
from attain.store.tables import audit_log, calc_job, calc_run, payout, run_lock
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
    assert 'data-job-field="heartbeat_at"' in page.text and f"(process {os.getpid()})" in page.text
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
        row = conn.execute(select(calc_job).where(calc_job.c.id == job_id)).mappings().one()
        states = (
            conn.execute(
                select(audit_log.c.action)
                .where(audit_log.c.entity == "run_job", audit_log.c.key == job_id)
                .order_by(audit_log.c.id)
            )
            .scalars()
            .all()
        )
    assert (row["state"], row["stage"], row["percent"], row["run_id"]) == (
        "succeeded",
        "done",
        100,
        final["run_id"],
    )
    assert row["requested_by"] == "finance" and row["periods"] == ["2024-Q1"] and row["error_code"] is None
    assert row["heartbeat_at"] >= row["started_at"] and row["finished_at"] >= row["started_at"]
    assert states == ["queued", "running", "succeeded"]  # state changes are audited; stages are not
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
    queued = count(paid_url, calc_job)
    refused = admin.post("/admin/runs", data={"periods": "2024-Q1 2024-Q9", "csrf_token": csrf_of(admin)})
    assert refused.status_code == 422, refused.text
    assert "AUTH010" in refused.text and "2024-Q9" in refused.text, refused.text[-1500:]
    assert count(paid_url, calc_job) == queued


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


def _unfinished_job(
    url: str, host: str, pid: int, heartbeat: dt.datetime, requested: dt.datetime | None = None
) -> str:
    """A job record left 'running' by a worker (as if its process had stopped or gone silent)."""
    job_id = uuid.uuid4().hex
    values = {
        "id": job_id,
        "periods": ["2024-Q1"],
        "state": "running",
        "stage": "earn web_plan v1",
        "percent": 45,
        "requested_by": "admin",
        "requested_at": requested or heartbeat,
        "started_at": heartbeat,
        "host": host,
        "pid": pid,
        "heartbeat_at": heartbeat,
    }
    with transaction(url, "admin") as conn:
        conn.execute(insert(calc_job).values(values))
    return job_id


ADMIN = Principal(1, "admin", "admin")


def test_a_job_whose_process_is_gone_is_recorded_failed(paid_url: str) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    now = dt.datetime.now(dt.UTC)
    job_id = _unfinished_job(paid_url, socket.gethostname(), int(gone.stdout), now)
    lost = jobs.get_job(paid_url, ADMIN, job_id)
    assert lost.state == "failed" and lost.code == jobs.JOB_LOST and lost.done and lost.finished_at
    with reading(paid_url) as conn:
        row = conn.execute(select(calc_job).where(calc_job.c.id == job_id)).mappings().one()
        audited = (
            conn.execute(
                select(audit_log.c.action).where(audit_log.c.entity == "run_job", audit_log.c.key == job_id)
            )
            .scalars()
            .all()
        )
    assert (row["state"], row["error_code"]) == ("failed", jobs.JOB_LOST) and audited == ["failed"]
    assert jobs.get_job(paid_url, ADMIN, job_id).finished_at == lost.finished_at  # recorded once


def test_a_job_on_another_host_is_lost_only_when_its_heartbeat_is_stale(paid_url: str) -> None:
    now = dt.datetime.now(dt.UTC)
    beating = _unfinished_job(paid_url, "another-host", 1, now - dt.timedelta(seconds=10))
    assert jobs.get_job(paid_url, ADMIN, beating).state == "running"  # cannot see it: trust the heartbeat
    silent = _unfinished_job(paid_url, "another-host", 1, now - jobs.STALE_AFTER - dt.timedelta(seconds=1))
    assert jobs.get_job(paid_url, ADMIN, silent).code == jobs.JOB_LOST
    listed = {job.job_id: job.state for job in jobs.list_jobs(paid_url, ADMIN, limit=50)}
    assert listed[beating] == "running" and listed[silent] == "failed"


def test_on_this_host_the_process_tells_not_the_heartbeat(paid_url: str) -> None:
    """A live worker is not lost for being silent (on SQLite a run's store holds the write lock and
    heartbeats wait), but a pid now used by a process started after the job was requested is."""
    host, me, now = socket.gethostname(), os.getpid(), dt.datetime.now(dt.UTC)
    quiet = _unfinished_job(paid_url, host, me, now - dt.timedelta(hours=1), requested=now)
    assert jobs.get_job(paid_url, ADMIN, quiet).state == "running"
    reused = _unfinished_job(paid_url, host, me, now, requested=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert jobs.get_job(paid_url, ADMIN, reused).code == jobs.JOB_LOST


def test_a_working_job_beats_and_shows_each_stage(paid_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "HEARTBEAT_SECONDS", 0.05)
    reached, release = threading.Event(), threading.Event()

    def runner(_url: str, *, progress: Callable[[str], None], payees: list[str] | None, **_kw: Any) -> Any:
        progress("credit")
        progress("earn web_plan v1")
        reached.set()
        release.wait(30)
        raise AttainError(f"no payee {payees}", code="PAY040")

    job = jobs.start_run_job(paid_url, ADMIN, ["2024-Q1"], payees=["RAY", " "], runner=runner)
    assert reached.wait(30)
    first = jobs.get_job(paid_url, ADMIN, job.job_id)
    assert (first.state, first.stage, first.percent, first.payees) == (
        "running",
        "earn web_plan v1",
        45,
        ["RAY"],
    )
    deadline = time.monotonic() + 30
    while jobs.get_job(paid_url, ADMIN, job.job_id).heartbeat_at == first.heartbeat_at:
        assert time.monotonic() < deadline, "no heartbeat"
        time.sleep(0.05)
    release.set()
    while not (ended := jobs.get_job(paid_url, ADMIN, job.job_id)).done:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert (ended.state, ended.code, ended.stage) == ("failed", "PAY040", "earn web_plan v1")
    assert "['RAY']" in (ended.error or "")
