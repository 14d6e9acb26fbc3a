"""The desk services check roles themselves (not only the pages): every desk call by a rep or a manager
is refused with AUTH004, whatever the id; the payee side needs a payee. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from attain.core.errors import AttainError
from attain.services import adjustments, disputes, jobs, plans
from attain.services.access import FORBIDDEN, NOT_FOUND, Principal
from tests.api.company import seed_company

REP = Principal(4, "ray", "rep", "RAY")
MANAGER = Principal(3, "mona", "manager", "MONA")
ADMIN = Principal(1, "admin", "admin")

CALLS: dict[str, Callable[[str, Principal], Any]] = {
    "list adjustments": lambda url, who: adjustments.desk_list(url, who),
    "open an adjustment": lambda url, who: adjustments.desk_get(url, who, 1),
    "create an adjustment": lambda url, who: adjustments.desk_create(
        url, who, payee_id="RAY", period_label="2024-Q1", amount="10", currency="USD", reason="x"
    ),
    "approve an adjustment": lambda url, who: adjustments.desk_decide(url, who, 1, approve=True),
    "queue disputes": lambda url, who: disputes.desk_queue(url, who),
    "open a dispute": lambda url, who: disputes.desk_get(url, who, 1),
    "assign a dispute": lambda url, who: disputes.desk_assign(url, who, 1, "finance"),
    "answer a dispute": lambda url, who: disputes.desk_answer(url, who, 1, "yes"),
    "resolve a dispute": lambda url, who: disputes.desk_resolve(url, who, 1, "done"),
    "adjust a dispute": lambda url, who: disputes.desk_to_adjustment(
        url, who, 1, amount="1", currency="USD", reason="x", period_label="2024-Q1"
    ),
    "start a run": lambda url, who: jobs.start_run_job(url, who, ["2024-Q1"]),
    "list runs": lambda url, who: jobs.list_jobs(url, who),
    "save a plan draft": lambda url, who: plans.save_draft_text(url, who, "plan: x", "x.yaml"),
    "preview a plan draft": lambda url, who: plans.preview_draft(url, who, "x", 1),
    "publish a plan draft": lambda url, who: plans.publish_draft(url, who, "x", 1),
    "discard a plan draft": lambda url, who: plans.discard_draft(url, who, "x", 1),
}


@pytest.mark.parametrize("who", [REP, MANAGER], ids=["rep", "manager"])
@pytest.mark.parametrize("call", sorted(CALLS))
def test_reps_and_managers_are_refused_by_every_desk_service(
    migrated_url: str, who: Principal, call: str
) -> None:
    seed_company(migrated_url)
    with pytest.raises(AttainError) as refused:
        CALLS[call](migrated_url, who)
    assert refused.value.code == FORBIDDEN


def test_the_payee_side_needs_a_payee_and_finds_only_their_own(migrated_url: str) -> None:
    seed_company(migrated_url)
    with pytest.raises(AttainError) as no_payee:
        disputes.mine(migrated_url, ADMIN)
    assert no_payee.value.code == NOT_FOUND
    assert disputes.mine(migrated_url, REP) == []
    with pytest.raises(AttainError) as guessed:
        disputes.reply(migrated_url, REP, 12345, "hello?")
    assert guessed.value.code == NOT_FOUND
