"""The engine's database mode: every entity comes back as Arrow with its field names and exact types."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest

from attain.core.entities import ENTITIES
from attain.core.errors import AttainError
from attain.store.bulk import upsert
from attain.store.db import reading, transaction
from attain.store.repos import count_rows, list_rows, load_inputs


def _seed(url: str) -> None:
    payees = pa.table({"payee_id": ["E2", "E1"], "name": ["Bo", "Ana"], "currency": ["USD", "EUR"],
                       "hire_date": pa.array([dt.date(2020, 1, 1), None], pa.date32())})
    deals = pa.table({
        "transaction_id": ["T1"], "date": pa.array([dt.date(2024, 1, 2)], pa.date32()),
        "amount": pa.array([Decimal("1234.56")], pa.decimal128(18, 2)), "owner_id": ["E1"],
        "attributes": ['{"channel": "web"}'], "source_line": pa.array([2], pa.int64()),
    })
    calls = pa.table({"activity_id": ["C1"], "payee_id": ["E1"], "kind": ["call"],
                      "occurred_at": pa.array([dt.datetime(2024, 1, 2, 8, 0)], pa.timestamp("us"))})
    with transaction(url) as conn:
        upsert(conn, "payee", payees, batch_id=None, actor="t")
        upsert(conn, "transaction", deals, batch_id=None, actor="t", source_file="deals.csv")
        upsert(conn, "activity", calls, batch_id=None, actor="t")


def test_load_inputs_gives_every_entity_with_exact_types(migrated_url: str) -> None:
    _seed(migrated_url)
    with reading(migrated_url) as conn:
        inputs = load_inputs(conn)
    assert set(inputs) == set(ENTITIES)
    deals = inputs["transaction"]
    assert deals.column_names == [*ENTITIES["transaction"].names, "source_file", "source_line"]
    assert deals.schema.field("amount").type == pa.decimal128(18, 2)  # no fils: read as cents
    assert deals.schema.field("quantity").type == pa.decimal128(24, 10)
    assert deals.schema.field("date").type == pa.date32()
    row = deals.to_pylist()[0]
    assert (row["amount"], row["kind"], row["quantity"]) == (Decimal("1234.56"), "booking", Decimal(1))
    assert (row["source_file"], row["source_line"]) == ("deals.csv", 2)
    assert row["attributes"] == '{"channel":"web"}'
    assert inputs["payee"].column("payee_id").to_pylist() == ["E2", "E1"]
    assert inputs["activity"].column("occurred_at").to_pylist() == [dt.datetime(2024, 1, 2, 8, 0)]
    assert inputs["quota"].num_rows == 0 and inputs["quota"].column_names == list(ENTITIES["quota"].names)


def test_list_rows_pages_and_filters_in_key_order(migrated_url: str) -> None:
    _seed(migrated_url)
    with reading(migrated_url) as conn:
        first = list_rows(conn, "payee", limit=1)
        second = list_rows(conn, "payee", limit=1, offset=1)
        euro = list_rows(conn, "payee", filters={"currency": "EUR"})
        total = count_rows(conn, "payee")
        with pytest.raises(AttainError) as caught:
            list_rows(conn, "payee", filters={"shoe_size": 9})
    assert [r["payee_id"] for r in first + second] == ["E1", "E2"]
    assert [r["name"] for r in euro] == ["Ana"] and total == 2
    assert caught.value.code == "DB004"


def test_awkward_text_survives_the_bulk_read(migrated_url: str) -> None:
    names = ['Zoë "Z" O\'Neil, Jr.', "two\nlines", "", "  spaced  "]
    payees = pa.table({"payee_id": ["P1", "P2", "P3", "P4"], "name": names,
                       "email": ["", None, "a@b.c", None]})
    with transaction(migrated_url) as conn:
        upsert(conn, "payee", payees, batch_id=None, actor="t")
    with reading(migrated_url) as conn:
        loaded = load_inputs(conn)["payee"]
    assert loaded.column("name").to_pylist() == names
    assert loaded.column("email").to_pylist() == ["", None, "a@b.c", None]
    assert loaded.column("currency").to_pylist() == ["USD"] * 4


def test_the_engine_accepts_what_the_store_loads(migrated_url: str) -> None:
    from attain.engine.inputs import InputTables

    _seed(migrated_url)
    with reading(migrated_url) as conn:
        inputs = InputTables.from_tables(load_inputs(conn), origin="store")
    deals = inputs["transaction"]
    assert deals.column("amount").to_pylist() == [Decimal("1234.56")]
    assert deals.column("source_line").to_pylist() == [2]
    assert inputs["payee"].num_rows == 2


def test_reads_in_chunks_and_spilled_to_disk_give_the_same_tables(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from attain.store import arrow_io

    _seed(migrated_url)
    with reading(migrated_url) as conn:
        whole = load_inputs(conn)
    monkeypatch.setattr(arrow_io, "FETCH_CHUNK_ROWS", 1)
    monkeypatch.setattr(arrow_io, "SPOOL_BYTES", 1)
    with reading(migrated_url) as conn:
        pieces = load_inputs(conn)
    for name, table in whole.items():
        assert pieces[name].equals(table), name
