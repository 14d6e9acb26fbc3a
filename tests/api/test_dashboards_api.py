"""GET /api/v1/dashboards/{kind} on the tiny company (SQLite and PostgreSQL): same scope as the pages.

Every payee won one 5,000.00 deal on 2024-03-01: the data date is 2024-03-01, the period 2024-Q1.
Mona manages Ray, Rita and the <script> rep; Otto left her team, Grace is above her.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from attain.services.access import BAD_PARAMETER


def _panel(body: dict[str, Any], key: str) -> dict[str, Any]:
    return next(p for p in body["panels"] if p["key"] == key)


def test_a_manager_gets_her_team_with_exact_decimal_strings(signed_in: Callable[[str], TestClient]) -> None:
    answer = signed_in("mona").get("/api/v1/dashboards/manager", params={"commission": "false"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["subject"] == "MONA" and body["period"] == "2024-Q1" and body["as_of"] == "2024-03-01"
    leaders = _panel(body, "leaderboard")
    assert sorted(r["payee"] for r in leaders["rows"]) == ["MONA", "RAY", "RITA", "XSS"]
    assert {r["revenue"] for r in leaders["rows"]} == {"5000.00"}
    assert [r["rank"] for r in leaders["rows"]] == [1, 2, 3, 4]
    units = {c["key"]: c["unit"] for c in leaders["columns"]}
    assert units["revenue"] == "USD"
    assert leaders["chart"]["kind"] == "bar"


def test_a_rep_gets_his_own_figures(signed_in: Callable[[str], TestClient]) -> None:
    body = signed_in("ray").get("/api/v1/dashboards/rep").json()
    assert body["subject"] == "RAY" and body["title"] == "Dashboard of Ray Rep"
    headline = {r["metric"]: r for r in _panel(body, "headline")["rows"]}
    assert headline["revenue"]["value"] == "5000.00"
    assert headline["quota_attainment"]["value"] == "0.1675823927"  # 5,000 / 29,836.07 (Q1 share)
    q2 = signed_in("ray").get("/api/v1/dashboards/rep", params={"period": "2024-Q2"}).json()
    assert {r["metric"]: r for r in _panel(q2, "headline")["rows"]}["revenue"]["value"] == "0.00"


def test_out_of_scope_is_not_found_as_problem_json(signed_in: Callable[[str], TestClient]) -> None:
    mona, ray = signed_in("mona"), signed_in("ray")
    for client, path in (
        (mona, "/api/v1/dashboards/executive"),
        (mona, "/api/v1/dashboards/rep?subject=OTTO"),
        (mona, "/api/v1/dashboards/manager?subject=GRACE"),
        (ray, "/api/v1/dashboards/manager"),
        (ray, "/api/v1/dashboards/rep?subject=RITA"),
        (ray, "/api/v1/dashboards/nonsense"),
    ):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["code"] == "AUTH007"
    assert mona.get("/api/v1/dashboards/rep", params={"subject": "RAY"}).status_code == 200


def test_bad_parameters_are_client_errors(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    period = admin.get("/api/v1/dashboards/executive", params={"period": "2024-Q9"})
    assert period.status_code == 400 and period.json()["code"] == "ANA001"
    as_of = admin.get("/api/v1/dashboards/executive", params={"as_of": "yesterday"})
    assert as_of.status_code in (400, 422) and as_of.json()["code"] == BAD_PARAMETER
    assert as_of.headers["content-type"].startswith("application/problem+json")


def test_the_executive_sees_everyone(signed_in: Callable[[str], TestClient]) -> None:
    body = signed_in("finance").get("/api/v1/dashboards/executive", params={"commission": "false"}).json()
    headline = {r["metric"]: r for r in _panel(body, "headline")["rows"]}
    assert headline["revenue"]["value"] == "35000.00"  # seven payees × 5,000


def test_the_route_is_documented(signed_in: Callable[[str], TestClient]) -> None:
    schema = signed_in("admin").get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/dashboards/{kind}"]["get"]
    assert "dashboards" in operation["tags"]
    assert {"404", "422"} <= set(operation["responses"])
    assert {p["name"] for p in operation["parameters"]} >= {"kind", "subject", "period", "as_of"}
