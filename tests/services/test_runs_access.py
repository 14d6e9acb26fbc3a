"""Runs are read in the service by finance and admin only: role × someone else's run (guessed ids too).

A run holds every payee's pay, so a manager, a rep, a planner and an account without a payee are
refused (AUTH004) whether the run exists or not — guessing ids reveals nothing; finance and admin
read it, and a run that does not exist is PAY040. SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from attain.core.errors import AttainError
from attain.services import runs
from attain.services.access import Principal
from attain.store.db import reading
from tests.services.access_people import ADMIN, FINANCE, GRACE, MONA, PAT, PERIOD, RAY, UNLINKED
from tests.web.conftest import _module_db
from tests.web.paid_company import seed_paid_company

__all__ = ["_module_db"]

BOOKS = [FINANCE, ADMIN]
OTHERS = [GRACE, MONA, RAY, PAT, UNLINKED]


@pytest.fixture(scope="module")
def paid(_module_db: str) -> Iterator[tuple[str, int]]:
    """The paid company, run twice (so there is a diff to read)."""
    seed_paid_company(_module_db)
    again = runs.run_payouts(_module_db, periods=[PERIOD], actor="admin")
    yield _module_db, again.run_id


def _code(call: object) -> str:
    with pytest.raises(AttainError) as refused:
        call()  # type: ignore[operator]
    return refused.value.code


@pytest.mark.parametrize("who", BOOKS, ids=lambda p: p.username)
def test_finance_and_admin_read_runs_and_their_diff(paid: tuple[str, int], who: Principal) -> None:
    url, run_id = paid
    listed = runs.list_runs(url, who)
    assert [r["id"] for r in listed][:2] == [run_id, run_id - 1]
    with reading(url) as conn:
        assert runs.get_run(conn, who, run_id)["periods"] == [PERIOD]
        assert _code(lambda: runs.get_run(conn, who, run_id + 1000)) == "PAY040"
    older, changes = runs.diff(url, who, run_id)
    assert older == run_id - 1 and changes.num_rows == 0  # same inputs: nothing changed


@pytest.mark.parametrize("who", OTHERS, ids=lambda p: p.username)
def test_other_roles_are_refused_for_real_and_guessed_runs(paid: tuple[str, int], who: Principal) -> None:
    url, run_id = paid
    assert _code(lambda: runs.list_runs(url, who)) == "AUTH004"
    with reading(url) as conn:
        for guess in (run_id, run_id + 1000):
            assert _code(lambda: runs.get_run(conn, who, guess)) == "AUTH004"  # noqa: B023
    assert _code(lambda: runs.diff(url, who, run_id)) == "AUTH004"
    assert _code(lambda: runs.diff(url, who, run_id + 1000, run_id)) == "AUTH004"
