"""The audit log, the unit of work and the SQLite tuning."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select, text

from attain.store.audit import record, record_many
from attain.store.db import actor_of, get_engine, reading, transaction
from attain.store.tables import audit_log, fiscal_calendar


def test_record_keeps_who_what_when_and_exact_values(migrated_url: str) -> None:
    before = {"amount": Decimal("10.10"), "date": dt.date(2024, 1, 1)}
    after = {"amount": Decimal("12345678901234567.89"), "date": dt.date(2024, 1, 2)}
    with transaction(migrated_url, actor="ana") as conn:
        record(conn, actor_of(conn), "update", "quota", "payee|E1|bookings|2024-01-01|1", before, after)
        entries = [("E1", {"name": "x"}, None), ("E2", None, None)]
        written = record_many(conn, "ana", "delete", "payee", entries)
    with reading(migrated_url) as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings().all()
    assert written == 2 and len(rows) == 3
    assert rows[0]["actor"] == "ana" and rows[0]["at"].tzinfo is not None
    assert rows[0]["before"] == {"amount": "10.10", "date": "2024-01-01"}
    assert rows[0]["after"]["amount"] == "12345678901234567.89"
    assert [r["key"] for r in rows[1:]] == ["E1", "E2"] and rows[1]["after"] is None


def test_a_failed_unit_of_work_keeps_nothing(migrated_url: str) -> None:
    with pytest.raises(ValueError), transaction(migrated_url, actor="ana") as conn:
        conn.execute(insert(fiscal_calendar).values(name="FY-Feb", start_month=2))
        record(conn, "ana", "create", "fiscal_calendar", "FY-Feb", None, {"start_month": 2})
        raise ValueError("boom")
    with reading(migrated_url) as conn:
        assert conn.execute(select(func.count()).select_from(fiscal_calendar)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(audit_log)).scalar() == 0


def test_database_constraints_hold(migrated_url: str) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), transaction(migrated_url) as conn:
        conn.execute(insert(fiscal_calendar).values(name="bad", start_month=13))


def test_sqlite_connections_are_tuned(sqlite_url: str) -> None:
    with get_engine(sqlite_url).connect() as conn:
        pragmas = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                   for name in ("foreign_keys", "journal_mode", "busy_timeout")}
    assert pragmas == {"foreign_keys": 1, "journal_mode": "wal", "busy_timeout": 10_000}


def test_sqlite_ddl_is_transactional_too(sqlite_url: str) -> None:
    with pytest.raises(RuntimeError), transaction(sqlite_url) as conn:
        conn.execute(text("CREATE TABLE scratch (x INTEGER)"))
        raise RuntimeError("roll it back")
    with reading(sqlite_url) as conn:
        names = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars().all()
    assert "scratch" not in names


def test_concurrent_writers_queue_instead_of_failing(migrated_url: str) -> None:
    import threading

    import pyarrow as pa

    from attain.store.bulk import upsert

    errors: list[BaseException] = []

    def write(prefix: str) -> None:
        try:
            for round_ in range(3):
                rows = pa.table({"payee_id": [f"{prefix}{round_}-{i}" for i in range(50)],
                                 "name": [f"n{i}" for i in range(50)]})
                with transaction(migrated_url, actor=prefix) as conn:
                    upsert(conn, "payee", rows, batch_id=None, actor=prefix)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(p,)) for p in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with reading(migrated_url) as conn:
        assert conn.execute(text('SELECT count(*) FROM payee')).scalar() == 450
        assert conn.execute(select(func.count()).select_from(audit_log)).scalar() == 450
