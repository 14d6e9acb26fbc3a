"""Plan documents over the REST API: each role reads what ``attain.services.plans`` allows.

Admin and finance list every version (drafts too); Ray reads his own plan's published version and
nothing else (404 AUTH007, like a missing version); Mona also her team's. SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.services.test_plans_access import seed_plans


def _listed(client: TestClient) -> list[tuple[str, int]]:
    answer = client.get("/api/v1/plans")
    assert answer.status_code == 200, answer.text
    return [(v["plan_id"], v["version"]) for v in answer.json()]


def test_each_role_lists_the_versions_it_may_read(
    company_url: str, signed_in: Callable[[str], TestClient]
) -> None:
    seed_plans(company_url)
    every = [("AE", 1), ("AE", 2), ("AE", 3), ("MGR", 1), ("SE", 1)]
    assert _listed(signed_in("admin")) == every and _listed(signed_in("finance")) == every
    assert _listed(signed_in("ray")) == [("AE", 1)]
    assert _listed(signed_in("mona")) == [("AE", 1), ("MGR", 1)]
    assert "document" not in signed_in("ray").get("/api/v1/plans").json()[0]


def test_a_rep_reads_their_plan_document_and_nothing_else(
    company_url: str, signed_in: Callable[[str], TestClient]
) -> None:
    seed_plans(company_url)
    ray = signed_in("ray")
    mine = ray.get("/api/v1/plans/AE/versions/1")
    assert mine.status_code == 200 and mine.json()["document"].startswith("plan_id: AE")
    assert mine.json()["status"] == "published" and mine.json()["effective_to"] == "2024-12-31"
    for url in ("/api/v1/plans/AE/versions/2", "/api/v1/plans/AE/versions/3", "/api/v1/plans/SE/versions/1",
                "/api/v1/plans/NOPE/versions/1"):
        answer = ray.get(url)
        assert answer.status_code == 404 and answer.json()["code"] == "AUTH007", url
    draft = signed_in("finance").get("/api/v1/plans/AE/versions/3")
    assert draft.status_code == 200 and draft.json()["status"] == "draft"
    missing = signed_in("admin").get("/api/v1/plans/NOPE/versions/1")
    assert missing.status_code == 404 and missing.json()["code"] == "DB006"
