"""Time the store's bulk upsert: N new transactions, then the identical re-upsert, on SQLite and PostgreSQL.

Usage: .venv/bin/python benchmarks/store_upsert_bench.py [--rows 100000] [--postgres URL]
(PostgreSQL defaults to $ATTAIN_TEST_POSTGRES_URL; a throwaway schema is created and dropped.)
Each backend runs in its own process so the peak RSS figure is that backend's alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc


def make_transactions(n: int) -> pa.Table:
    """N bookings with exact amounts, spread over 2024 and 500 payees."""
    index = pa.array(range(n), pa.int64())
    cents = pc.add(pc.multiply(pc.bit_wise_and(pc.multiply(index, 7919), 0xFFFFF), 3), 1)
    cent = pa.scalar(Decimal("0.01"), pa.decimal128(3, 2))
    amounts = pc.multiply(pc.cast(cents, pa.decimal128(20, 0)), cent)
    dates = [dt.date(2024, 1, 1) + dt.timedelta(days=i % 366) for i in range(366)]
    return pa.table({
        "transaction_id": pc.binary_join_element_wise("T", pc.cast(index, pa.string()), ""),
        "kind": pa.array(["booking"] * n),
        "date": pc.take(pa.array(dates, pa.date32()), pc.remainder(index, 366)),
        "amount": pc.cast(amounts, pa.decimal128(18, 2)),
        "currency": pa.array(["USD"] * n),
        "quantity": pa.array([Decimal(1)] * n, pa.decimal128(24, 10)),
        "account_id": pc.binary_join_element_wise("A", pc.cast(pc.remainder(index, 5000), pa.string()), ""),
        "product_id": pc.binary_join_element_wise("P", pc.cast(pc.remainder(index, 50), pa.string()), ""),
        "owner_id": pc.binary_join_element_wise("E", pc.cast(pc.remainder(index, 500), pa.string()), ""),
        "source_line": pc.add(index, 2),
    })


def _changed(data: pa.Table) -> pa.Table:
    """The same rows with every tenth amount raised by one cent."""
    index = pa.array(range(data.num_rows), pa.int64())
    bump = pc.if_else(pc.equal(pc.remainder(index, 10), 0), Decimal("0.01"), Decimal("0.00"))
    money = pa.decimal128(18, 2)
    amounts = pc.cast(pc.add(data.column("amount"), pc.cast(bump, money)), money)
    return data.set_column(data.schema.get_field_index("amount"), "amount", amounts)


def run_one(url: str, rows: int) -> None:
    from attain.store.bulk import upsert
    from attain.store.db import transaction, upgrade

    upgrade(url)
    data = make_transactions(rows)
    for label, batch in (("new", data), ("identical re-upsert", data), ("10% changed", _changed(data))):
        start = time.perf_counter()
        cpu = time.process_time()
        with transaction(url, actor="bench") as conn:
            counts = upsert(conn, "transaction", batch, batch_id=None, actor="bench", source_file="bench.csv")
        seconds = time.perf_counter() - start
        print(f"  {label:20s} {seconds:6.2f} s  {rows / seconds:10,.0f} rows/s  "
              f"(client CPU {time.process_time() - cpu:5.2f} s)  "
              f"created={counts.created} updated={counts.updated} unchanged={counts.unchanged}")
    from attain.store.db import reading
    from attain.store.repos import load_entity

    start = time.perf_counter()
    with reading(url) as conn:
        loaded = load_entity(conn, "transaction")
    seconds = time.perf_counter() - start
    print(f"  {'read back (Arrow)':20s} {seconds:6.2f} s  {loaded.num_rows / seconds:10,.0f} rows/s")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS {peak_mb:,.0f} MB")


def _postgres_schema_url(base: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    return schema, f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


def _sql(base: str, statement: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", default=os.environ.get("ATTAIN_TEST_POSTGRES_URL"))
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.one, args.rows)
        return
    with tempfile.TemporaryDirectory() as folder:
        print(f"SQLite ({args.rows:,} transactions)", flush=True)
        _child(f"sqlite:///{folder}/bench.db", args.rows)
    if not args.postgres:
        print("PostgreSQL skipped: pass --postgres URL or set ATTAIN_TEST_POSTGRES_URL")
        return
    schema, url = _postgres_schema_url(args.postgres)
    _sql(args.postgres, f'CREATE SCHEMA "{schema}"')
    try:
        print(f"PostgreSQL ({args.rows:,} transactions)", flush=True)
        _child(url, args.rows)
    finally:
        _sql(args.postgres, f'DROP SCHEMA "{schema}" CASCADE')


def _child(url: str, rows: int) -> None:
    subprocess.run([sys.executable, __file__, "--rows", str(rows), "--one", url], check=True)


if __name__ == "__main__":
    main()
