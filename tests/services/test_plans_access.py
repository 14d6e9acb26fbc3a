"""Who reads which plan version is enforced by ``attain.services.plans`` itself, with no web layer.

Admin and finance read every version (drafts too). A rep reads the published versions of the plans
they are on while the version is in force; a manager also their team's (as of the day asked);
anything else is AUTH007, exactly like a version that does not exist. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert

from attain.core.errors import AttainError
from attain.services import plans
from attain.services.access import Principal
from attain.store import plans as store
from attain.store.db import transaction
from attain.store.tables import ENTITY_TABLES
from tests.api.company import TODAY, seed_company

ADMIN = Principal(1, "admin", "admin")
FINANCE = Principal(2, "finance", "finance")
MONA = Principal(3, "mona", "manager", "MONA")
RAY = Principal(4, "ray", "rep", "RAY")
OTTO = Principal(5, "otto", "rep", "OTTO")
UNLINKED = Principal(6, "newbie", "rep", None)

VERSIONS = [  # plan, version, in force from, to, published?
    ("AE", 1, dt.date(2024, 1, 1), dt.date(2024, 12, 31), True),
    ("AE", 2, dt.date(2025, 1, 1), None, True),
    ("AE", 3, dt.date(2026, 1, 1), None, False),
    ("MGR", 1, dt.date(2024, 1, 1), None, True),
    ("SE", 1, dt.date(2024, 1, 1), None, True),
]
ASSIGNMENTS = [  # RAY is on AE for 2024 only; OTTO (out of Mona's team 60 days ago) on SE
    ("RAY", "AE", dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    ("MONA", "MGR", dt.date(2024, 1, 1), None),
    ("OTTO", "SE", dt.date(2024, 1, 1), None),
]


def seed_plans(url: str) -> None:
    """Store ``VERSIONS`` and ``ASSIGNMENTS`` (the tiny company must be there already)."""
    with transaction(url, actor="test") as conn:
        for plan_id, version, start, end, published in VERSIONS:
            store.save_draft(conn, plan_id, version, f"plan_id: {plan_id}\nversion: {version}\n",
                             actor="test", effective_from=start, effective_to=end)
            if published:
                store.publish(conn, plan_id, version, actor="test")
        conn.execute(insert(ENTITY_TABLES["plan_assignment"]), [
            {"payee_id": p, "plan_id": plan_id, "valid_from": start, "valid_to": end}
            for p, plan_id, start, end in ASSIGNMENTS
        ])


@pytest.fixture
def url(migrated_url: str) -> str:
    seed_company(migrated_url)
    seed_plans(migrated_url)
    return migrated_url


def _keys(found: list[store.PlanVersion]) -> list[tuple[str, int]]:
    return [(v.plan_id, v.version) for v in found]


def test_admin_and_finance_read_every_version_drafts_included(url: str) -> None:
    everything = [(p, v) for p, v, *_ in sorted(VERSIONS)]
    for principal in (ADMIN, FINANCE):
        assert _keys(plans.list_plan_versions(url, principal)) == everything
        assert plans.stored_document(url, principal, "AE", 3).status == "draft"
        assert plans.stored_document(url, principal, "AE").version == 2  # the latest published


def test_a_rep_reads_only_the_versions_of_their_own_plan(url: str) -> None:
    assert _keys(plans.list_plan_versions(url, RAY)) == [("AE", 1)]
    assert _keys(plans.list_plan_versions(url, RAY, "SE")) == []
    assert plans.stored_document(url, RAY, "AE", 1).document.startswith("plan_id: AE")
    assert plans.stored_document(url, RAY, "AE").version == 1  # the latest one that is theirs
    assert _keys(plans.list_plan_versions(url, OTTO)) == [("SE", 1)]


@pytest.mark.parametrize("plan_id, version", [
    ("AE", 2),  # in force after Ray's assignment ended
    ("AE", 3),  # a draft
    ("SE", 1),  # someone else's plan
    ("MGR", None),  # someone else's plan, latest version
    ("NOPE", 1),  # a guessed plan
    ("AE", 99),  # a guessed version
])
def test_anything_else_is_not_found_for_a_rep(url: str, plan_id: str, version: int | None) -> None:
    with pytest.raises(AttainError) as refused:
        plans.stored_document(url, RAY, plan_id, version)
    assert refused.value.code == "AUTH007"


def test_a_manager_reads_their_own_and_their_teams_plans_as_of_the_day(url: str) -> None:
    assert _keys(plans.list_plan_versions(url, MONA)) == [("AE", 1), ("MGR", 1)]
    with pytest.raises(AttainError) as refused:
        plans.stored_document(url, MONA, "SE", 1)  # Otto left her team 60 days ago
    assert refused.value.code == "AUTH007"
    back_then = TODAY - dt.timedelta(days=90)
    assert _keys(plans.list_plan_versions(url, MONA, day=back_then)) == [("AE", 1), ("MGR", 1), ("SE", 1)]
    assert plans.stored_document(url, MONA, "SE", 1, day=back_then).version == 1


def test_an_account_without_a_payee_reads_no_plan(url: str) -> None:
    assert plans.list_plan_versions(url, UNLINKED) == []
    with pytest.raises(AttainError) as refused:
        plans.stored_document(url, UNLINKED, "AE", 1)
    assert refused.value.code == "AUTH007"


def test_a_missing_version_is_db006_for_those_who_read_every_plan(url: str) -> None:
    for version in (None, 99):
        with pytest.raises(AttainError) as missing:
            plans.stored_document(url, FINANCE, "NOPE", version)
        assert missing.value.code == "DB006"


def test_drafts_stay_with_admin_and_finance(url: str) -> None:
    for principal in (RAY, MONA):
        with pytest.raises(AttainError) as refused:
            plans.preview_draft(url, principal, "AE", 3)
        assert refused.value.code == "AUTH004"
        with pytest.raises(AttainError) as refused:
            plans.discard_draft(url, principal, "AE", 3)
        assert refused.value.code == "AUTH004"
    assert plans.stored_document(url, ADMIN, "AE", 3).status == "draft"
