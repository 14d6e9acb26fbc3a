"""The planner role in the services: drafts quota versions and territory designs, approves, publishes
and applies nothing, reads every payee's record and hierarchy, and sees no pay. SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from attain.core.errors import AttainError
from attain.services import access, quota_versions, users
from attain.services.access import Principal
from attain.services.planning import apply_design, save_design
from attain.store.db import reading
from tests.planning.test_territory_changes import _result, _seed
from tests.services.access_people import ADMIN, EVERY_PAYEE, FINANCE, PAT
from tests.web.paid_company import seed_paid_company

TODAY = dt.date.today()


def _code(call: object) -> str:
    with pytest.raises(AttainError) as refused:
        call()  # type: ignore[operator]
    return refused.value.code


def _quotas(tmp_path: Path) -> Path:
    path = tmp_path / "quotas.csv"
    path.write_text("assignee_id,measure,period_start,period_end,amount\n"
                    "RAY,bookings,2025-01-01,2025-03-31,12000\n")
    return path


def test_a_planner_drafts_quota_versions_but_never_approves_or_publishes_them(
    migrated_url: str, tmp_path: Path
) -> None:
    url = migrated_url
    draft = quota_versions.create_version(url, PAT, "AE 2025", dt.date(2025, 1, 1), source=_quotas(tmp_path))
    assert (draft.status, draft.created_by, draft.lines) == ("draft", "pat", 1)
    edited = quota_versions.replace_lines(url, PAT, draft.id, _quotas(tmp_path))
    assert edited.status == "draft"
    for step in (quota_versions.approve, quota_versions.publish):
        refused = _code(lambda: step(url, PAT, draft.id))  # noqa: B023
        assert refused == "AUTH004"
    assert _code(lambda: quota_versions.send_back(url, PAT, draft.id, comment="x")) == "AUTH004"
    for refused_step in (quota_versions.approve, quota_versions.publish):  # before the id is looked up
        assert _code(lambda: refused_step(url, PAT, 999_999)) == "AUTH004"  # noqa: B023
    assert _code(lambda: quota_versions.replace_lines(url, FINANCE, 999_999, _quotas(tmp_path))) == "AUTH004"
    approved = quota_versions.approve(url, FINANCE, draft.id)
    assert approved.status == "approved" and approved.approved_by == FINANCE.username
    for role in ("manager", "rep"):
        with pytest.raises(AttainError) as refused_role:
            quota_versions.create_version(url, Principal(9, "m", role), "x", dt.date(2025, 1, 1),
                                          source=_quotas(tmp_path))
        assert refused_role.value.code == "AUTH004"


def test_a_planner_saves_territory_designs_but_an_admin_applies_them(migrated_url: str) -> None:
    _seed(migrated_url)
    design_id = save_design(migrated_url, PAT, "2025 rebalance", _result())
    for who in (PAT, FINANCE):
        refused = _code(lambda: apply_design(migrated_url, who, design_id, dt.date(2025, 4, 1)))  # noqa: B023
        assert refused == "AUTH004", who
    applied = apply_design(migrated_url, ADMIN, design_id, dt.date(2025, 4, 1))
    assert applied.moved == 1


def test_a_planner_reads_the_directory_and_no_pay(migrated_url: str) -> None:
    seed_paid_company(migrated_url)
    with reading(migrated_url) as conn:
        directory = access.list_payees(conn, PAT, TODAY, limit=50, directory=True)
        assert {p["payee_id"] for p in directory.items} == EVERY_PAYEE
        otto = access.payee_detail(conn, PAT, "OTTO", TODAY)
        assert otto["manager_chain"] and otto["recent_transactions"] == []
        assert _code(lambda: access.payee_detail(conn, PAT, "NOBODY", TODAY)) == "AUTH007"
        assert access.list_payees(conn, PAT, TODAY).total == 0  # the pay scope: nobody
        assert _code(lambda: access.latest_results(conn, PAT, "RAY", TODAY)) == "AUTH004"
        assert _code(lambda: access.payee_profile(conn, PAT, "RAY", TODAY)) == "AUTH007"
        assert access.list_transactions(conn, PAT, TODAY, access.TransactionFilter()).total == 0
        assert _code(lambda: access.pay_scope(conn, PAT, None, TODAY)) == "AUTH004"
    planner_with_payee = Principal(10, "pam", "planner", "RAY")  # a planner linked to a payee: still no pay
    assert planner_with_payee.scope is access.Scope.NOTHING
    assert not access.allowed(PAT, "pay.read") and not access.allowed(PAT, "runs.read")


def test_an_admin_makes_a_planner_without_a_payee(migrated_url: str) -> None:
    pat = users.NewUser("pat", "a long password 1", "planner", None)
    created = users.create_user(migrated_url, ADMIN, pat)
    assert (created["role"], created["payee_id"]) == ("planner", None)
    refused = _code(lambda: users.create_user(migrated_url, ADMIN,
                                              users.NewUser("bob", "a long password 1", "boss", None)))
    assert refused == "AUTH013"
