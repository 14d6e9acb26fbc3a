"""The write functions of the desk (disputes, adjustments) and of quota versions take the acting principal
and refuse a role that may not act (AUTH004) before anything is looked up.

The store URL below points at a database that does not exist: a refusal that came after a lookup would
fail with a connection error instead of AUTH004. The rules themselves are unchanged: finance and admin
keep the desk, a payee raises and replies on their own lines only (a planner never, even when linked to
a payee), a planner or admin drafts quota versions, finance or admin approve and publish them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from attain.core.errors import AttainError
from attain.services import adjustments, disputes
from attain.services import quota_versions as qv
from attain.services.access import Principal

NOWHERE = "sqlite:////nonexistent/attain-test/never.db"
ADMIN = Principal(1, "ada", "admin")
FINANCE = Principal(2, "fin", "finance")
MANAGER = Principal(3, "mona", "manager", "MONA")
REP = Principal(4, "ray", "rep", "RAY")
PLANNER = Principal(5, "pat", "planner", "PAT")  # linked to a payee, still no pay


def _code(step: Callable[[], object]) -> str:
    with pytest.raises(AttainError) as refused:
        step()
    return refused.value.code


@pytest.mark.parametrize("who", [MANAGER, REP, PLANNER])
def test_only_the_desk_assigns_answers_resolves_and_adjusts(who: Principal) -> None:
    assert _code(lambda: disputes.desk_assign(NOWHERE, who, 1, "fin")) == "AUTH004"
    assert _code(lambda: disputes.desk_answer(NOWHERE, who, 1, "because")) == "AUTH004"
    assert _code(lambda: disputes.desk_resolve(NOWHERE, who, 1, "done")) == "AUTH004"
    assert _code(lambda: disputes.desk_to_adjustment(NOWHERE, who, 1, amount="1", currency="USD",
                                                     reason="r", period_label="2024-01")) == "AUTH004"
    assert _code(lambda: adjustments.desk_create(NOWHERE, who, payee_id="RAY", period_label="2024-01",
                                                 amount="1", currency="USD", reason="r")) == "AUTH004"
    assert _code(lambda: adjustments.desk_decide(NOWHERE, who, 1, approve=True)) == "AUTH004"


def test_a_role_without_pay_neither_raises_nor_replies() -> None:
    assert _code(lambda: disputes.raise_own(NOWHERE, PLANNER, 1, "why?")) == "AUTH004"
    assert _code(lambda: disputes.reply(NOWHERE, PLANNER, 1, "and?")) == "AUTH004"


@pytest.mark.parametrize("who", [MANAGER, REP, FINANCE])
def test_only_a_planner_or_an_admin_drafts_quota_versions(who: Principal, tmp_path: Path) -> None:
    source = tmp_path / "never-read.csv"
    assert _code(lambda: qv.create_version(NOWHERE, who, "AE", date(2025, 1, 1), source=source)) == "AUTH004"
    assert _code(lambda: qv.replace_lines(NOWHERE, who, 1, source)) == "AUTH004"


@pytest.mark.parametrize("who", [MANAGER, REP, PLANNER])
def test_only_finance_or_an_admin_approves_sends_back_and_publishes(who: Principal) -> None:
    assert _code(lambda: qv.approve(NOWHERE, who, 1)) == "AUTH004"
    assert _code(lambda: qv.send_back(NOWHERE, who, 1, comment="no")) == "AUTH004"
    assert _code(lambda: qv.publish(NOWHERE, who, 1)) == "AUTH004"


def test_the_public_write_functions_take_a_principal_and_no_actor_string() -> None:
    import inspect

    steps: list[Callable[..., object]] = [disputes.desk_assign, disputes.desk_answer, disputes.desk_resolve,
                                          disputes.desk_to_adjustment,
                                          disputes.raise_own, disputes.reply, adjustments.desk_create,
                                          adjustments.desk_decide, qv.create_version, qv.replace_lines,
                                          qv.approve, qv.send_back, qv.publish, qv.add_comment]
    for step in steps:
        parameters = inspect.signature(step).parameters
        assert list(parameters)[1] == "principal", step.__name__
        assert parameters["principal"].default is inspect.Parameter.empty, step.__name__
        assert not {"actor", "role", "author", "approver", "raised_by"} & set(parameters), step.__name__
    public = {name for module in (disputes, adjustments) for name in vars(module) if not name.startswith("_")}
    assert not {"raise_dispute", "assign", "answer", "resolve", "to_adjustment", "add_message",
                "add_adjustment", "create_adjustment", "approve_adjustment", "decide"} & public
