"""Bulk upsert by business key: counts, idempotency, exact decimals, audit, atomicity, bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest
from sqlalchemy import func, select

from attain.core.errors import AttainError
from attain.store.bulk import existing_keys, upsert
from attain.store.db import reading, transaction
from attain.store.tables import ENTITY_TABLES, audit_log


def transactions(ids: list[str], amounts: list[str], **extra: list[object]) -> pa.Table:
    n = len(ids)
    columns: dict[str, pa.Array] = {
        "transaction_id": pa.array(ids),
        "kind": pa.array(["booking"] * n),
        "date": pa.array([dt.date(2024, 1, 15)] * n, pa.date32()),
        "amount": pa.array([Decimal(a) for a in amounts], pa.decimal128(18, 2)),
        "currency": pa.array(["USD"] * n),
        "owner_id": pa.array(["Moses Frase"] * n),
    }
    for name, values in extra.items():
        columns[name] = pa.array(values)
    return pa.table(columns)


def test_new_then_identical_then_changed_rows_are_counted(migrated_url: str) -> None:
    rows = transactions(["T1", "T2", "T3"], ["100.00", "250.50", "-20.00"])
    with transaction(migrated_url, actor="ana") as conn:
        first = upsert(conn, "transaction", rows, batch_id=None, actor="ana", source_file="t.csv")
    with transaction(migrated_url, actor="ana") as conn:
        again = upsert(conn, "transaction", rows, batch_id=None, actor="ana")
    changed = transactions(["T1", "T2", "T4"], ["100.00", "999.99", "1.00"])
    with transaction(migrated_url, actor="bo") as conn:
        third = upsert(conn, "transaction", changed, batch_id=None, actor="bo")
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert (third.created, third.updated, third.unchanged) == (1, 1, 1)
    table = ENTITY_TABLES["transaction"]
    with reading(migrated_url) as conn:
        amounts = dict(conn.execute(select(table.c.transaction_id, table.c.amount)).all())
    assert amounts == {"T1": Decimal("100.00"), "T2": Decimal("999.99"), "T3": Decimal("-20.00"),
                       "T4": Decimal("1.00")}


def test_decimals_round_trip_exactly_without_float(migrated_url: str) -> None:
    wide = "12345678901234.1234567891"  # 24 digits: a float keeps only ~16
    rows = pa.table({
        "from_currency": ["EUR", "GBP"], "to_currency": ["USD", "USD"],
        "date": pa.array([dt.date(2024, 1, 1)] * 2, pa.date32()),
        "rate": pa.array([Decimal(wide), Decimal("0.0000000001")], pa.decimal128(24, 10)),
    })
    with transaction(migrated_url) as conn:
        upsert(conn, "fx_rate", rows, batch_id=None, actor="ana")
    table = ENTITY_TABLES["fx_rate"]
    with reading(migrated_url) as conn:
        rates = dict(conn.execute(select(table.c.from_currency, table.c.rate)).all())
    assert rates == {"EUR": Decimal(wide), "GBP": Decimal("0.0000000001")}
    assert all(type(v) is Decimal for v in rates.values())


def test_every_created_and_updated_record_is_audited_with_before_and_after(migrated_url: str) -> None:
    with transaction(migrated_url) as conn:
        upsert(conn, "transaction", transactions(["T1", "T2"], ["10.00", "20.00"]),
               batch_id=None, actor="ana")
    with transaction(migrated_url) as conn:
        upsert(conn, "transaction", transactions(["T1", "T2"], ["10.00", "25.10"]),
               batch_id=None, actor="bo")
    with reading(migrated_url) as conn:
        entries = conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings().all()
    assert [(e["actor"], e["action"], e["key"]) for e in entries] == [
        ("ana", "create", "T1"), ("ana", "create", "T2"), ("bo", "update", "T2")]
    update = entries[2]
    assert update["before"]["amount"] == "20.000" and update["after"]["amount"] == "25.100"  # stored text
    assert update["after"]["owner_id"] == "Moses Frase" and update["after"]["date"] == "2024-01-15"
    assert entries[0]["before"] is None and entries[0]["after"]["transaction_id"] == "T1"
    assert entries[0]["at"].tzinfo is not None


def test_an_exception_inside_the_unit_of_work_leaves_no_rows_and_no_audit(migrated_url: str) -> None:
    with pytest.raises(RuntimeError), transaction(migrated_url) as conn:
        upsert(conn, "transaction", transactions(["T1"], ["10.00"]), batch_id=None, actor="ana")
        raise RuntimeError("the importer found a problem after writing")
    with reading(migrated_url) as conn:
        assert conn.execute(select(func.count()).select_from(ENTITY_TABLES["transaction"])).scalar() == 0
        assert conn.execute(select(func.count()).select_from(audit_log)).scalar() == 0


def test_lineage_is_kept_and_missing_columns_are_left_alone(migrated_url: str) -> None:
    rows = transactions(["T1"], ["10.00"]).append_column("source_line", pa.array([7], pa.int32()))
    with transaction(migrated_url) as conn:
        upsert(conn, "transaction", rows, batch_id=None, actor="ana", source_file="deals.csv")
        first = conn.execute(select(ENTITY_TABLES["transaction"])).mappings().one()
    assert (first["source_file"], first["source_line"]) == ("deals.csv", 7)
    partial = pa.table({"transaction_id": ["T1"],
                        "amount": pa.array([Decimal("11.00")], pa.decimal128(18, 2))})
    with transaction(migrated_url) as conn:
        counts = upsert(conn, "transaction", partial, batch_id=None, actor="ana")
    table = ENTITY_TABLES["transaction"]
    with reading(migrated_url) as conn:
        row = conn.execute(select(table)).mappings().one()
    assert counts.updated == 1
    assert (row["amount"], row["owner_id"], row["kind"]) == (Decimal("11.00"), "Moses Frase", "booking")
    assert row["source_file"] is None and row["source_line"] is None  # lineage of the latest change


def test_defaults_fill_absent_columns_of_new_records(migrated_url: str) -> None:
    rows = pa.table({"transaction_id": ["T9"], "date": pa.array([dt.date(2024, 2, 1)], pa.date32()),
                     "amount": pa.array([Decimal("5.00")], pa.decimal128(18, 2))})
    with transaction(migrated_url) as conn:
        upsert(conn, "transaction", rows, batch_id=None, actor="ana")
        row = conn.execute(select(ENTITY_TABLES["transaction"])).mappings().one()
    assert (row["kind"], row["currency"], row["quantity"]) == ("booking", "USD", Decimal("1.0000000000"))


def test_json_attributes_are_idempotent_whatever_their_key_order(migrated_url: str) -> None:
    first = transactions(["T1"], ["1.00"], attributes=['{"b": 1, "a": "x"}'])
    same = transactions(["T1"], ["1.00"], attributes=['{"a": "x", "b": 1}'])
    with transaction(migrated_url) as conn:
        upsert(conn, "transaction", first, batch_id=None, actor="ana")
        counts = upsert(conn, "transaction", same, batch_id=None, actor="ana")
        stored = conn.execute(select(ENTITY_TABLES["transaction"].c.attributes)).scalar_one()
    assert counts.unchanged == 1 and stored == {"a": "x", "b": 1}


def test_composite_keys_and_timestamps(migrated_url: str) -> None:
    at = dt.datetime(2024, 3, 1, 9, 30, 0, 123456, tzinfo=dt.UTC)
    rows = pa.table({
        "activity_id": ["A1"], "payee_id": ["P1"], "kind": ["call"],
        "occurred_at": pa.array([at], pa.timestamp("us", tz="UTC")),
    })
    members = pa.table({"team_id": ["East", "East"], "payee_id": ["P1", "P1"],
                        "valid_from": pa.array([dt.date(2024, 1, 1), dt.date(2024, 7, 1)], pa.date32())})
    with transaction(migrated_url) as conn:
        upsert(conn, "activity", rows, batch_id=None, actor="ana")
        assert upsert(conn, "activity", rows, batch_id=None, actor="ana").unchanged == 1
        assert upsert(conn, "team_member", members, batch_id=None, actor="ana").created == 2
        occurred = conn.execute(select(ENTITY_TABLES["activity"].c.occurred_at)).scalar_one()
        keys = conn.execute(select(audit_log.c.key).where(audit_log.c.entity == "team_member")).scalars()
        assert sorted(keys) == ["East|P1|2024-01-01", "East|P1|2024-07-01"]
    assert occurred == at


@pytest.mark.parametrize(("rows", "code"), [
    (transactions(["T1", "T1"], ["1.00", "2.00"]), "DB002"),
    (pa.table({"transaction_id": ["T1"], "date": pa.array([dt.date(2024, 1, 1)], pa.date32()),
               "amount": pa.array([Decimal("1.0005")], pa.decimal128(18, 4))}), "DB003"),  # 3 places at most
    (pa.table({"transaction_id": ["T1"], "date": pa.array([dt.date(2024, 1, 1)], pa.date32()),
               "amount": pa.array([1.5])}), "DB003"),
    (transactions(["T1"], ["1.00"], colour=["red"]), "DB004"),
    (pa.table({"transaction_id": ["T1"], "amount": pa.array([Decimal("1")], pa.decimal128(18, 2))}), "DB005"),
    (transactions([None], ["1.00"]), "DB005"),  # type: ignore[list-item]
    (transactions([""], ["1.00"]), "DB005"),
])
def test_bad_rows_are_refused_with_a_db_code_and_nothing_is_written(
    migrated_url: str, rows: pa.Table, code: str
) -> None:
    with pytest.raises(AttainError) as caught, transaction(migrated_url) as conn:
        upsert(conn, "transaction", rows, batch_id=None, actor="ana")
    assert caught.value.code == code
    with reading(migrated_url) as conn:
        assert conn.execute(select(func.count()).select_from(ENTITY_TABLES["transaction"])).scalar() == 0


def test_existing_keys_lists_stored_business_keys(migrated_url: str) -> None:
    with transaction(migrated_url) as conn:
        upsert(conn, "transaction", transactions(["T1", "T2"], ["1.00", "2.00"]), batch_id=None, actor="a")
        assert existing_keys(conn, "transaction", "transaction_id") == {"T1", "T2"}
        assert existing_keys(conn, "transaction", "owner_id") == {"Moses Frase"}
        with pytest.raises(AttainError):
            existing_keys(conn, "payee", "nope")


def test_a_big_load_is_audited_by_one_summary_and_its_updates_row_by_row(migrated_url: str) -> None:
    """Above the per-record limit a load gets one entry (count, key range, file); a later update of one
    of its records still shows that record before and after, with the lineage it was loaded with."""
    rows = transactions(["T1", "T2", "T3"], ["1.00", "2.00", "3.00"])
    rows = rows.append_column("source_line", pa.array([2, 3, 4], pa.int32()))
    with transaction(migrated_url) as conn:
        upsert(conn, "transaction", rows, batch_id=None, actor="ana", source_file="deals.csv",
               row_audit_limit=2)
    with transaction(migrated_url) as conn:
        upsert(conn, "transaction", transactions(["T2"], ["2.50"]), batch_id=None, actor="bo",
               source_file="fix.csv")
    with reading(migrated_url) as conn:
        entries = conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings().all()
    assert [(e["actor"], e["action"], e["key"]) for e in entries] == [
        ("ana", "bulk_create", None), ("bo", "update", "T2")]
    summary = entries[0]["after"]
    assert (summary["records"], summary["first_key"], summary["last_key"]) == (3, "T1", "T3")
    assert summary["source_file"] == "deals.csv" and entries[0]["entity"] == "transaction"
    before, after = entries[1]["before"], entries[1]["after"]
    assert (before["amount"], before["source_file"], before["source_line"]) == ("2.000", "deals.csv", 3)
    assert (after["amount"], after["source_file"], after["source_line"]) == ("2.500", "fix.csv", None)


def test_up_to_the_limit_every_created_record_has_its_own_entry(migrated_url: str) -> None:
    with transaction(migrated_url) as conn:
        upsert(conn, "transaction", transactions(["T1", "T2"], ["1.00", "2.00"]), batch_id=None,
               actor="ana", row_audit_limit=2)
        actions = conn.execute(select(audit_log.c.action, audit_log.c.key).order_by(audit_log.c.id)).all()
    assert [tuple(a) for a in actions] == [("create", "T1"), ("create", "T2")]
