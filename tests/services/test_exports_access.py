"""Payroll and ledger exports hold every payee's pay: finance and admin only, checked in the service.

A manager (even the top of the hierarchy), a rep, a planner and an account without a payee are
refused (AUTH004) and no file is written. SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from attain.core.errors import AttainError
from attain.services import exports
from attain.services.access import Principal
from tests.services.access_people import (
    ADMIN,
    EVERY_PAYEE,
    FINANCE,
    GRACE,
    MONA,
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
    yield _module_db


@pytest.mark.parametrize("who", [FINANCE, ADMIN], ids=lambda p: p.username)
def test_finance_and_admin_export_everyone(paid: str, who: Principal, tmp_path: Path) -> None:
    payroll = exports.payroll_table(paid, who, [PERIOD])
    assert set(payroll.column("payee_id").to_pylist()) == EVERY_PAYEE
    ledger = exports.ledger_table(paid, who, [PERIOD])
    assert set(ledger.column("payee_id").to_pylist()) == EVERY_PAYEE
    assert exports.write_payroll(paid, who, [PERIOD], tmp_path / "payroll.csv") == payroll.num_rows
    assert exports.write_ledger(paid, who, [PERIOD], tmp_path / "ledger.csv") == ledger.num_rows


@pytest.mark.parametrize("who", [GRACE, MONA, RAY, PAT, UNLINKED], ids=lambda p: p.username)
def test_every_other_role_is_refused_and_nothing_is_written(
    paid: str, who: Principal, tmp_path: Path
) -> None:
    calls: list[Callable[[], object]] = [
        lambda: exports.payroll_table(paid, who, [PERIOD]),
        lambda: exports.ledger_table(paid, who, [PERIOD]),
        lambda: exports.write_payroll(paid, who, [PERIOD], tmp_path / "payroll.csv"),
        lambda: exports.write_ledger(paid, who, [PERIOD], tmp_path / "ledger.csv"),
    ]
    for call in calls:
        with pytest.raises(AttainError) as refused:
            call()
        assert refused.value.code == "AUTH004"
    assert not list(tmp_path.iterdir())
