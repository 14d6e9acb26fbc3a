"""Statements are scoped in the service: role × someone else's statement (guessed ids included).

A rep reads their own, a manager their hierarchy as of today, finance and admin everyone's; a payee
outside the scope is AUTH007 exactly like one that does not exist; a planner is refused (AUTH004).
SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from attain.core.errors import AttainError
from attain.services import statement_pdf, statements
from attain.services.access import Principal
from attain.store.db import reading
from tests.services.access_people import (
    ADMIN,
    EVERY_PAYEE,
    FINANCE,
    GRACE,
    MONA,
    MONA_TEAM,
    OTTO,
    PAT,
    PERIOD,
    RAY,
    UNLINKED,
)
from tests.web.conftest import _module_db
from tests.web.paid_company import seed_paid_company

__all__ = ["_module_db"]


@pytest.fixture(scope="module")
def paid(_module_db: str) -> Iterator[str]:
    seed_paid_company(_module_db)
    statements.STATEMENTS.clear()
    yield _module_db
    statements.STATEMENTS.clear()


def _code(call: object) -> str:
    with pytest.raises(AttainError) as refused:
        call()  # type: ignore[operator]
    return refused.value.code


SEES = [
    (RAY, "RAY"),
    (MONA, "MONA"),
    (MONA, "RAY"),
    (MONA, "RITA"),
    (GRACE, "OTTO"),
    (FINANCE, "OTTO"),
    (ADMIN, "FRED"),
]
HIDDEN = [
    (RAY, "RITA"),  # a colleague
    (RAY, "MONA"),  # their own manager
    (RAY, "NOBODY"),  # a guessed id
    (OTTO, "RAY"),
    (MONA, "OTTO"),  # left her team 60 days ago
    (MONA, "FRED"),  # joins her team in 30 days
    (MONA, "GRACE"),  # her boss
    (MONA, "NOBODY"),
    (UNLINKED, "RAY"),
]


@pytest.mark.parametrize("who, payee", SEES, ids=[f"{p.username}-{x}" for p, x in SEES])
def test_a_statement_inside_the_scope_is_rendered(paid: str, who: Principal, payee: str) -> None:
    html = statements.statement_html(paid, who, payee, PERIOD)
    assert payee in html and PERIOD in html


@pytest.mark.parametrize("who, payee", HIDDEN, ids=[f"{p.username}-{x}" for p, x in HIDDEN])
def test_someone_elses_statement_is_not_found(paid: str, who: Principal, payee: str) -> None:
    assert _code(lambda: statements.statement_html(paid, who, payee, PERIOD)) == "AUTH007"
    assert _code(lambda: statements.statement_pdf(paid, who, payee, PERIOD)) == "AUTH007"


def test_a_cached_statement_is_still_checked_for_the_next_reader(paid: str) -> None:
    assert "RITA" in statements.statement_html(paid, FINANCE, "RITA", PERIOD)  # now in the cache
    assert _code(lambda: statements.statement_html(paid, RAY, "RITA", PERIOD)) == "AUTH007"


def test_a_planner_reads_no_statement_at_all(paid: str, tmp_path: Path) -> None:
    for payee in ("RAY", "NOBODY"):
        assert _code(lambda: statements.statement_html(paid, PAT, payee, PERIOD)) == "AUTH004"  # noqa: B023
        assert _code(lambda: statements.statement_pdf(paid, PAT, payee, PERIOD)) == "AUTH004"  # noqa: B023
    with reading(paid) as conn:
        assert _code(lambda: statements.load_period(conn, PAT, PERIOD)) == "AUTH004"
    assert _code(lambda: statements.render_statements(paid, PAT, PERIOD, tmp_path, pdf=False)) == "AUTH004"
    assert _code(lambda: statement_pdf.render_period_pdfs(paid, PAT, PERIOD, tmp_path)) == "AUTH004"
    assert not list(tmp_path.iterdir())


def test_a_whole_period_holds_only_the_payees_in_the_scope(paid: str) -> None:
    with reading(paid) as conn:
        everyone = statements.load_period(conn, FINANCE, PERIOD)
        team = statements.load_period(conn, MONA, PERIOD)
        own = statements.load_period(conn, RAY, PERIOD)
        nobody = statements.load_period(conn, UNLINKED, PERIOD)
        asked = statements.load_period(conn, MONA, PERIOD, ["RAY"])
        outside = _code(lambda: statements.load_period(conn, MONA, PERIOD, ["RAY", "OTTO"]))
    assert set(everyone.rows["lines"]) == EVERY_PAYEE
    assert set(team.rows["lines"]) == MONA_TEAM and set(team.names) == MONA_TEAM
    assert set(own.rows["lines"]) == {"RAY"} and set(own.rows["ytd_lines"]) == {"RAY"}
    assert nobody.rows["lines"] == {} and nobody.names == {}
    assert set(asked.rows["lines"]) == {"RAY"}
    assert outside == "AUTH007"


def test_rendering_a_period_writes_the_statements_of_the_scope_only(paid: str, tmp_path: Path) -> None:
    written = statements.render_statements(paid, MONA, PERIOD, tmp_path / "mona", pdf=False)
    assert {p.name.split("-")[0] for p in written} == MONA_TEAM
    mine = statements.render_statements(paid, RAY, PERIOD, tmp_path / "ray", pdf=False)
    assert [p.name for p in mine] == [f"RAY-{PERIOD}.html"]
    refused = _code(
        lambda: statements.render_statements(paid, RAY, PERIOD, tmp_path / "x", payees=["RITA"], pdf=False)
    )
    assert refused == "AUTH007" and not (tmp_path / "x").exists()
    pdfs = statement_pdf.render_period_pdfs(paid, RAY, PERIOD, tmp_path / "pdf", workers=1)
    assert [p.name for p in pdfs.paths] == [f"RAY-{PERIOD}.pdf"]
