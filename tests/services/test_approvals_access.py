"""The close of a period checks the acting principal in the service: role × someone else's period.

Submitting, marking paid and locking are finance's or an admin's (PAY034 otherwise). The manager step
vouches for the period's lines, so a manager takes it only when every payee paid in the run for the
period is in their hierarchy as of today (AUTH022 otherwise), and sends a period back only when
someone of their hierarchy is paid in it. Reps and planners decide nothing; only admin, finance and
managers list periods (AUTH004). The command line acts as a named user (``acting_user``), so the same
rules hold there, and it approves an adjustment only as finance or an admin. SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import insert, update
from typer.testing import CliRunner

from attain.cli.main import app
from attain.core.errors import AttainError
from attain.services import adjustments, approvals
from attain.services.access import Principal
from attain.store.db import transaction
from attain.store.tables import app_user
from tests.services.access_people import ADMIN, FINANCE, GRACE, MONA, OTTO, PAT, PERIOD, RAY, UNLINKED
from tests.web.paid_company import seed_paid_company

ABSENT_MANAGER = Principal(9, "zed", "manager", "ZED")
"""A manager none of whose hierarchy is paid in the period."""


def _code(call: object) -> str:
    with pytest.raises(AttainError) as refused:
        call()  # type: ignore[operator]
    return refused.value.code


@pytest.fixture
def in_review(migrated_url: str) -> tuple[str, int]:
    """The paid company with 2024-Q1 submitted for review by finance; (url, run under review)."""
    run = seed_paid_company(migrated_url)
    approvals.submit_for_review(migrated_url, FINANCE, PERIOD, comment="please review")
    return migrated_url, run.run_id


def test_a_manager_approves_only_a_period_whose_payees_are_all_in_their_hierarchy(
    in_review: tuple[str, int],
) -> None:
    url, run_id = in_review
    with transaction(url, actor="test") as conn:  # Mona's team is paid, but so are Grace, Otto, Fred
        assert approvals.team_coverage(conn, MONA, PERIOD, run_id) == (4, 3)
        assert approvals.team_coverage(conn, GRACE, PERIOD, run_id) == (7, 0)
    assert _code(lambda: approvals.decide(url, MONA, PERIOD, run_id, approve=True)) == "AUTH022"
    for who in (RAY, OTTO, PAT, UNLINKED, FINANCE):  # finance's step comes after the manager's
        assert _code(lambda: approvals.decide(url, who, PERIOD, run_id, approve=True)) == "PAY034"  # noqa: B023
    state = approvals.period_state(url, ADMIN, PERIOD)
    assert state.status == "in_review" and state.approvals == []
    state = approvals.decide(url, GRACE, PERIOD, run_id, approve=True, comment="whole org checked")
    assert [(a["step"], a["actor"], a["role"]) for a in state.approvals] == [("manager", "grace", "manager")]
    assert _code(lambda: approvals.decide(url, GRACE, PERIOD, run_id, approve=True)) == "PAY034"
    assert approvals.decide(url, FINANCE, PERIOD, run_id, approve=True).status == "approved"
    for who in (GRACE, MONA, RAY, PAT):
        assert _code(lambda: approvals.mark_paid(url, who, PERIOD)) == "PAY034"  # noqa: B023
    approvals.mark_paid(url, FINANCE, PERIOD)
    for who in (GRACE, RAY, PAT):
        assert _code(lambda: approvals.lock(url, who, PERIOD)) == "PAY034"  # noqa: B023
    approvals.lock(url, ADMIN, PERIOD)
    assert approvals.period_state(url, ADMIN, PERIOD).status == "locked"


def test_a_manager_sends_back_a_period_only_when_someone_of_their_team_is_paid_in_it(
    in_review: tuple[str, int],
) -> None:
    url, run_id = in_review
    refused = _code(lambda: approvals.decide(url, ABSENT_MANAGER, PERIOD, run_id, approve=False))
    assert refused == "AUTH022"
    assert approvals.period_state(url, ADMIN, PERIOD).status == "in_review"
    state = approvals.decide(url, MONA, PERIOD, run_id, approve=False, comment="Rita's draw looks wrong")
    assert state.status == "calculated" and state.approvals == []


def test_only_finance_or_an_admin_submits_a_period_for_review(migrated_url: str) -> None:
    seed_paid_company(migrated_url)
    for who in (GRACE, MONA, RAY, PAT, UNLINKED):
        assert _code(lambda: approvals.submit_for_review(migrated_url, who, PERIOD)) == "PAY034"  # noqa: B023
    assert approvals.period_state(migrated_url, ADMIN, PERIOD).status == "calculated"
    approvals.submit_for_review(migrated_url, ADMIN, PERIOD)
    assert approvals.period_state(migrated_url, ADMIN, PERIOD).status == "in_review"
    for who in (ADMIN, FINANCE, MONA, GRACE):
        assert [p["status"] for p in approvals.list_periods(migrated_url, who)] == ["in_review"]
    for who in (RAY, OTTO, PAT, UNLINKED):
        assert _code(lambda: approvals.list_periods(migrated_url, who)) == "AUTH004"  # noqa: B023


def test_the_command_line_acts_as_the_named_user_with_their_hierarchy(in_review: tuple[str, int]) -> None:
    url, run_id = in_review
    mona = approvals.acting_user(url, "mona")
    assert (mona.username, mona.role, mona.payee_id) == ("mona", "manager", "MONA")
    assert _code(lambda: approvals.acting_user(url, "nobody")) == "PAY040"
    with transaction(url, actor="test") as conn:
        conn.execute(update(app_user).where(app_user.c.username == "otto").values(active=False))
        conn.execute(insert(app_user).values(username="grace", password_hash="x", role="manager",
                                             payee_id="GRACE"))
    assert _code(lambda: approvals.acting_user(url, "otto")) == "PAY040"  # deactivated
    runner, env = CliRunner(), {"ATTAIN_DATABASE_URL": url, "COLUMNS": "200"}
    args = ["period", "approve", PERIOD, "--run", str(run_id)]
    refused = runner.invoke(app, [*args, "--user", "mona"], env=env)
    assert refused.exit_code != 0 and "AUTH022" in refused.output
    assert runner.invoke(app, [*args, "--user", "ray"], env=env).exit_code != 0
    approved = runner.invoke(app, [*args, "--user", "grace"], env=env)
    assert approved.exit_code == 0, approved.output
    assert [a["actor"] for a in approvals.period_state(url, ADMIN, PERIOD).approvals] == ["grace"]

    adjustment_id = adjustments.desk_create(url, ADMIN, payee_id="RAY", period_label="2024-Q2", amount="25",
                                            currency="USD", reason="SPIFF")
    for user in ("mona", "ray", "admin"):  # managers and reps do not decide adjustments; nor their author
        refused = runner.invoke(app, ["adjustment", "approve", str(adjustment_id), "--user", user], env=env)
        assert refused.exit_code != 0 and ("AUTH004" in refused.output or "PAY043" in refused.output), user
    decided = runner.invoke(app, ["adjustment", "approve", str(adjustment_id), "--user", "finance"], env=env)
    assert decided.exit_code == 0, decided.output
    (decided_row,) = adjustments.desk_list(url, ADMIN, payee_id="RAY").items
    assert (decided_row["status"], decided_row["approved_by"]) == ("approved", "finance")


def _choices(url: str, who: Principal) -> approvals.Choices:
    (row,) = approvals.list_periods(url, who)
    assert approvals.period_state(url, who, PERIOD).choices == row["choices"]  # the same answer both ways
    return row["choices"]  # type: ignore[no-any-return]


def test_each_principal_is_offered_exactly_the_steps_the_service_accepts(in_review: tuple[str, int]) -> None:
    url, run_id = in_review
    mona = _choices(url, MONA)  # 4 of her hierarchy paid, 3 outside it: she may only send it back
    assert (mona.approve, mona.reject, mona.step) == (False, True, "manager")
    assert mona.why_not.startswith("payees outside your team: 3")
    absent = _choices(url, ABSENT_MANAGER)
    assert (absent.approve, absent.reject) == (False, False) and "outside your team: 7" in absent.why_not
    finance = _choices(url, FINANCE)  # the manager step comes first
    assert (finance.approve, finance.reject) == (False, False)
    assert finance.why_not == "waiting for the manager step (manager or admin)"
    assert _choices(url, GRACE) == approvals.Choices(approve=True, reject=True, step="manager")
    assert _choices(url, ADMIN) == approvals.Choices(approve=True, reject=True, step="manager")
    approvals.decide(url, GRACE, PERIOD, run_id, approve=True)
    assert _choices(url, FINANCE) == approvals.Choices(approve=True, reject=True, step="finance")
    assert _choices(url, GRACE).why_not == "waiting for the finance step (finance or admin)"
    approvals.decide(url, FINANCE, PERIOD, run_id, approve=True)
    assert _choices(url, ADMIN) == approvals.Choices()  # approved: nothing to decide here


def test_submitting_is_offered_to_finance_and_admins_only(migrated_url: str) -> None:
    seed_paid_company(migrated_url)
    assert _choices(migrated_url, FINANCE).submit and _choices(migrated_url, ADMIN).submit
    assert not _choices(migrated_url, MONA).submit and not _choices(migrated_url, GRACE).submit


def test_a_period_state_is_read_only_by_the_roles_that_list_periods(in_review: tuple[str, int]) -> None:
    url, _ = in_review
    for who in (RAY, OTTO, PAT, UNLINKED):
        assert _code(lambda: approvals.period_state(url, who, PERIOD)) == "AUTH004"  # noqa: B023
    assert approvals.period_state(url, MONA, PERIOD).status == "in_review"
