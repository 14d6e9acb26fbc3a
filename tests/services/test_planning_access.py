"""Quota versions and territory designs check the acting principal in the services, not only in the
planning pages: role × read × someone else's (or a guessed) object. SQLite and PostgreSQL.

Admin, finance and planners read every version (lines, comment trail, diff, expected attainment) and
every design; managers, reps and accounts without a payee read none — AUTH004 before any id is
looked up, so a guessed id answers exactly like a real one, and nothing they try is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from typer.testing import CliRunner

from attain.cli.main import app
from attain.core.errors import AttainError
from attain.services import quota_versions as qv
from attain.services.access import Principal
from attain.services.planning import design_tradeoff, list_designs, planning_desk, read_design, save_design
from attain.store.db import transaction
from attain.store.tables import app_user
from tests.planning.test_territory_changes import _result, _seed
from tests.services.access_people import ADMIN, FINANCE, GRACE, MONA, OTTO, PAT, RAY, UNLINKED

READERS = (ADMIN, FINANCE, PAT)
OUTSIDERS = (MONA, GRACE, RAY, OTTO, UNLINKED)
GUESSED = 999


def _code(call: Callable[[], Any]) -> str:
    with pytest.raises(AttainError) as refused:
        call()
    return refused.value.code


@pytest.fixture
def planned(migrated_url: str, tmp_path: Path) -> tuple[str, int, int, int]:
    """A published version (RAY 12,000), a planner's draft after it (RAY 15,000), a saved design:
    (url, published id, draft id, design id)."""
    url = migrated_url
    first, second = tmp_path / "v1.csv", tmp_path / "v2.csv"
    header = "assignee_id,measure,period_start,period_end,amount\n"
    first.write_text(header + "RAY,bookings,2025-01-01,2025-03-31,12000\n")
    second.write_text(header + "RAY,bookings,2025-01-01,2025-03-31,15000\n")
    v1 = qv.create_version(url, ADMIN, "AE 2025", dt.date(2025, 1, 1), source=first)
    qv.approve(url, FINANCE, v1.id)
    qv.publish(url, FINANCE, v1.id)
    v2 = qv.create_version(url, PAT, "AE 2025", dt.date(2025, 1, 1), source=second)
    _seed(url)
    design_id = save_design(url, PAT, "2025 rebalance", _result())
    return url, v1.id, v2.id, design_id


def _reads(url: str, who: Principal, version_id: int, design_id: int) -> dict[str, Callable[[], Any]]:
    return {
        "list versions": lambda: qv.list_versions(url, who),
        "version": lambda: qv.detail(url, who, version_id),
        "previous": lambda: qv.previous(url, who, version_id),
        "diff": lambda: qv.diff(url, who, version_id, version_id),
        "expected attainment": lambda: qv.attainment_outlook(url, who, version_id),
        "comment": lambda: qv.add_comment(url, who, version_id, f"{who.username} was here"),
        "list designs": lambda: list_designs(url, who),
        "design": lambda: read_design(url, who, design_id),
        "trade-off": lambda: design_tradeoff(url, who, design_id, [0.0], time_limit=1.0),
        "planning home": lambda: planning_desk(url, who),
    }


def test_planning_roles_read_every_version_and_design(planned: tuple[str, int, int, int]) -> None:
    url, published, draft, design_id = planned
    for who in READERS:
        assert [v.id for v in qv.list_versions(url, who)] == [draft, published]
        assert qv.detail(url, who, draft).lines[0].amount == 15000
        assert qv.previous(url, who, draft) == published
        changes = qv.diff(url, who, published, draft)
        assert [(c.before, c.after) for c in changes] == [(Decimal(12000), Decimal(15000))]
        qv.add_comment(url, who, draft, f"seen by {who.username}")
        assert [d.id for d in list_designs(url, who)] == [design_id]
        assert read_design(url, who, design_id).accounts.height == 4
        for guessed in (lambda: qv.detail(url, who, GUESSED),  # noqa: B023
                        lambda: read_design(url, who, GUESSED)):  # noqa: B023
            assert _code(guessed) == "PLNG009"  # a missing object, for a role that may read them
    desk = planning_desk(url, PAT)
    assert [v.id for v in desk.drafts] == [draft] and desk.approved == []
    assert [v.id for v in desk.published] == [published]
    assert [d.id for d in desk.proposed] == [design_id] and desk.may_draft
    assert not planning_desk(url, FINANCE).may_draft
    notes = qv.detail(url, ADMIN, draft).notes
    assert [(n.author, n.action) for n in notes][1:] == [("admin", "comment"), ("finance", "comment"),
                                                         ("pat", "comment")]


def test_managers_reps_and_unlinked_accounts_read_no_version_and_no_design(
    planned: tuple[str, int, int, int],
) -> None:
    url, published, draft, design_id = planned
    for who in OUTSIDERS:
        for version_id, guessed_design in ((published, design_id), (draft, design_id), (GUESSED, GUESSED)):
            for name, read in _reads(url, who, version_id, guessed_design).items():
                assert _code(read) == "AUTH004", (who.username, name, version_id)
    assert [n.action for n in qv.detail(url, ADMIN, draft).notes] == ["create"]  # no comment got in


def test_the_command_line_comments_as_the_named_user_under_the_same_rule(
    planned: tuple[str, int, int, int],
) -> None:
    url, _, draft, _ = planned
    with transaction(url, actor="test") as conn:
        conn.execute(insert(app_user), [{"username": u, "password_hash": "x", "role": r, "payee_id": p}
                                        for u, r, p in (("ray", "rep", None), ("pat", "planner", None))])
    runner, env = CliRunner(), {"ATTAIN_DATABASE_URL": url, "COLUMNS": "200"}
    comment = ["quota", "version", "comment", str(draft)]
    refused = runner.invoke(app, [*comment, "mine?", "--user", "ray"], env=env)
    assert refused.exit_code == 2 and "AUTH004" in refused.output
    said = runner.invoke(app, [*comment, "Q1 is stretch", "--user", "pat"], env=env)
    assert said.exit_code == 0, said.output
    assert [(n.author, n.text) for n in qv.detail(url, ADMIN, draft).notes if n.action == "comment"] == [
        ("pat", "Q1 is stretch")]
