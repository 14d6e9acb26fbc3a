"""A chosen territory design becomes effective-dated account territories, and crediting follows it.

The worked example: accounts A, C, D are in T1 (held by Pat), B in T2 (held by Quinn), 100 of
potential each. Balanced exactly (two territories of 200), T2 takes the account nearest B: A. The
design is applied from 2025-04-01. A's February deal still credits Pat; its May deal credits Quinn.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest
from sqlalchemy import select

from attain.core.errors import AttainError
from attain.engine import calculate
from attain.planning.territories import Accounts, Limits, assign
from attain.plans.load import load_plan_text
from attain.services.access import COMMAND_LINE, Principal
from attain.services.calc import load_store_inputs
from attain.services.planning import TerritoryResult, apply_design, balance_table, read_design, save_design
from attain.store.bulk import upsert
from attain.store.db import reading, transaction
from attain.store.tables import ENTITY_TABLES, audit_log

DAY = pa.date32()
FIN = Principal(3, "fin", "finance")
ADA = Principal(1, "ada", "admin")
RAY = Principal(4, "ray", "rep", "RAY")
PLAN = """plan: territory
version: 1
effective_from: 2025-01-01
pay_period: quarter
credit_rules:
  - {id: territory, kind: territory, territory_role: owner}
components:
  - {id: commission, kind: rate, rate: "3%"}
"""


def _seed(url: str) -> None:
    with transaction(url) as conn:
        upsert(conn, "payee", pa.table({"payee_id": ["pat", "quinn"], "name": ["Pat", "Quinn"]}),
               batch_id=None, actor="t")
        upsert(conn, "territory", pa.table({"territory_id": ["T1", "T2"]}), batch_id=None, actor="t")
        upsert(conn, "territory_assignment", pa.table({
            "territory_id": ["T1", "T2"], "payee_id": ["pat", "quinn"],
            "valid_from": pa.array([dt.date(2025, 1, 1)] * 2, DAY)}), batch_id=None, actor="t")
        upsert(conn, "account", pa.table({"account_id": list("ABCD")}), batch_id=None, actor="t")
        upsert(conn, "account_territory", pa.table({
            "account_id": list("ABCD"), "territory_id": ["T1", "T2", "T1", "T1"],
            "valid_from": pa.array([dt.date(2025, 1, 1)] * 4, DAY)}), batch_id=None, actor="t")
        upsert(conn, "plan_assignment", pa.table({
            "payee_id": ["pat", "quinn"], "plan_id": ["territory"] * 2,
            "valid_from": pa.array([dt.date(2025, 1, 1)] * 2, DAY)}), batch_id=None, actor="t")
        upsert(conn, "transaction", pa.table({
            "transaction_id": ["feb-A", "may-A", "may-B"], "account_id": ["A", "A", "B"],
            "date": pa.array([dt.date(2025, 2, 10), dt.date(2025, 5, 10), dt.date(2025, 5, 10)], DAY),
            "amount": pa.array([Decimal("1000.00")] * 3, pa.decimal128(18, 2))}), batch_id=None, actor="t")


def _result() -> TerritoryResult:
    accounts = Accounts(list("ABCD"), np.full(4, 100.0), np.array([0.0, 0.0, 0.0, 0.0]),
                        np.array([0.5, 1.0, -1.0, -0.9]), current=np.array([0, 1, 0, 0], dtype=np.int64))
    found = assign(accounts, np.array([2, 1], dtype=np.int64), Limits(tolerance=0.0))
    assert found.territory.tolist() == [1, 1, 0, 0] and found.moved == 1
    return TerritoryResult(accounts, found, ["T1", "T2"])


def test_a_deal_before_the_change_credits_the_old_holder_and_after_it_the_new_one(migrated_url: str) -> None:
    _seed(migrated_url)
    design_id = save_design(migrated_url, FIN, "2025 rebalance", _result())
    applied = apply_design(migrated_url, ADA, design_id, dt.date(2025, 4, 1))
    assert (applied.moved, applied.closed, applied.new_territories) == (1, 1, [])
    at = ENTITY_TABLES["account_territory"].c
    with reading(migrated_url) as conn:
        rows = conn.execute(select(at.account_id, at.territory_id, at.valid_from, at.valid_to)
                            .order_by(at.account_id, at.valid_from)).all()
    assert [tuple(r) for r in rows if r[0] == "A"] == [
        ("A", "T1", dt.date(2025, 1, 1), dt.date(2025, 3, 31)), ("A", "T2", dt.date(2025, 4, 1), None)]
    assert len(rows) == 5  # B, C and D untouched
    plan = load_plan_text(PLAN).document
    assert plan is not None
    result = calculate(load_store_inputs(migrated_url), [plan], ["2025-Q1", "2025-Q2"])
    credited = sorted((r["transaction_id"], r["payee_id"]) for r in result.credits.to_pylist())
    assert credited == [("feb-A", "pat"), ("may-A", "quinn"), ("may-B", "quinn")]
    stored = read_design(migrated_url, COMMAND_LINE, design_id)
    assert (stored.status, stored.created_by, stored.applied_by) == ("applied", "fin", "ada")
    with reading(migrated_url) as conn:
        audit = conn.execute(select(audit_log.c.entity, audit_log.c.action, audit_log.c.actor)
                             .where(audit_log.c.actor == "ada")).all()
    assert ("territory_design", "apply", "ada") in audit
    assert {(e, a) for e, a, _ in audit} >= {("account_territory", "create"), ("account_territory", "update")}


def test_a_design_is_applied_once_and_never_before_a_later_change(migrated_url: str) -> None:
    _seed(migrated_url)
    with pytest.raises(AttainError) as role:
        save_design(migrated_url, RAY, "x", _result())
    assert role.value.code == "AUTH004"
    first = save_design(migrated_url, FIN, "first", _result())
    with pytest.raises(AttainError) as applier:
        apply_design(migrated_url, FIN, first, dt.date(2025, 4, 1))
    assert applier.value.code == "AUTH004"
    apply_design(migrated_url, ADA, first, dt.date(2025, 4, 1))
    with pytest.raises(AttainError) as again:
        apply_design(migrated_url, ADA, first, dt.date(2025, 5, 1))
    assert again.value.code == "PLNG015"
    second = save_design(migrated_url, FIN, "second", _result())
    with pytest.raises(AttainError) as earlier:
        apply_design(migrated_url, ADA, second, dt.date(2025, 3, 1))
    assert earlier.value.code == "PLNG015"
    assert "A moves to T2 from 2025-04-01" in earlier.value.issues[0].message


def test_the_balance_before_and_after(migrated_url: str) -> None:
    design_id = save_design(migrated_url, FIN, "d", _result())
    accounts = read_design(migrated_url, FIN, design_id).accounts
    before = balance_table(accounts, "previous_territory_id").to_dicts()
    after = balance_table(accounts, "territory_id").to_dicts()
    assert [(r["territory"], r["accounts"], r["vs_mean"]) for r in before] == [
        ("T1", 3, Decimal("0.5")), ("T2", 1, Decimal("-0.5"))]
    assert [(r["territory"], r["accounts"], r["vs_mean"]) for r in after] == [
        ("T1", 2, Decimal("0")), ("T2", 2, Decimal("0"))]
