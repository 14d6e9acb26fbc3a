"""Database mode: the same engine on the store's data, the run and its outputs kept in the store."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa

from attain.services.calc import calculate_in_store
from attain.store.bulk import upsert
from attain.store.db import reading, transaction
from attain.store.repos import read_run_outputs
from tests.engine.builders import plan


def _seed(url: str) -> None:
    day = pa.date32()
    with transaction(url) as conn:
        upsert(conn, "payee", pa.table({"payee_id": ["ann"], "name": ["Ann"]}), batch_id=None, actor="t")
        upsert(
            conn,
            "transaction",
            pa.table(
                {
                    "transaction_id": ["T1", "T2"],
                    "date": pa.array([dt.date(2025, 1, 5), dt.date(2025, 2, 5)], day),
                    "amount": pa.array([Decimal("1000.00"), Decimal("3000.00")], pa.decimal128(18, 2)),
                    "owner_id": ["ann", "ann"],
                    "source_line": pa.array([2, 3], pa.int64()),
                }
            ),
            batch_id=None,
            actor="t",
            source_file="deals.csv",
        )
        upsert(
            conn,
            "plan_assignment",
            pa.table(
                {
                    "payee_id": ["ann"],
                    "plan_id": ["ae"],
                    "valid_from": pa.array([dt.date(2025, 1, 1)], day),
                }
            ),
            batch_id=None,
            actor="t",
        )


def test_a_run_on_the_store_keeps_its_outputs(migrated_url: str) -> None:
    _seed(migrated_url)
    tiers = [{"from": 0, "to": 2000, "rate": "5%"}, {"from": 2000, "rate": "10%"}]
    doc = plan(
        [{"id": "own", "kind": "owner"}],
        [{"id": "commission", "kind": "tiered", "measure": "bookings", "tiers": tiers}],
    )
    run_id, result = calculate_in_store(migrated_url, [doc], ["2025-Q1"], actor="test")
    [total] = result.component_totals.to_pylist()
    assert total["amount"] == Decimal("300")  # 2,000 x 5% + 2,000 x 10%
    credit = result.credits.to_pylist()[0]
    assert (credit["source_file"], credit["source_line"]) == ("deals.csv", 2)
    with reading(migrated_url) as conn:
        stored = read_run_outputs(conn, run_id)
    assert stored["component_totals"].column("amount").to_pylist() == [Decimal("300")]
    assert stored["earnings"].num_rows == 2
