"""An HTML statement of a recorded run is rendered once; a new status or a new run renders it again."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, update

from attain.services import statements
from attain.services.access import COMMAND_LINE
from attain.store.db import get_engine, transaction
from attain.store.tables import period_status
from tests.web.paid_company import seed_paid_company


@pytest.fixture
def paid_url(migrated_url: str) -> str:
    seed_paid_company(migrated_url)
    statements.STATEMENTS.clear()
    return migrated_url


def run_reads(url: str) -> list[str]:
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM payout" in statement or "FROM run_" in statement:
            seen.append(statement)

    event.listen(get_engine(url), "before_cursor_execute", listen)
    return seen


def test_a_statement_is_rendered_once_per_run_and_status(paid_url: str) -> None:
    first = statements.statement_html(paid_url, COMMAND_LINE, "RAY", "2024-Q1")
    assert "RAY" in first and "270.01" in first
    reads = run_reads(paid_url)
    assert statements.statement_html(paid_url, COMMAND_LINE, "RAY", "2024-Q1") == first
    assert reads == []
    with transaction(paid_url, actor="test") as conn:
        conn.execute(update(period_status).where(period_status.c.period_label == "2024-Q1")
                     .values(status="approved"))
    again = statements.statement_html(paid_url, COMMAND_LINE, "RAY", "2024-Q1")
    assert reads and again != first and "approved" in again


def test_each_payee_gets_their_own_statement(paid_url: str) -> None:
    ray = statements.statement_html(paid_url, COMMAND_LINE, "RAY", "2024-Q1")
    rita = statements.statement_html(paid_url, COMMAND_LINE, "RITA", "2024-Q1")
    assert "RITA" in rita and "RITA" not in ray and ray != rita
