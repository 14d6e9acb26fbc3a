"""Time `import_file` on a generated transaction file: rows/s and peak RSS, one JSON line per run.

    .venv/bin/python benchmarks/import_bench.py                       # 100k and 1M on SQLite and Postgres
    .venv/bin/python benchmarks/import_bench.py --rows 100000 --backend sqlite   # one run

The transactions reference 2,000 payees, 50 products and 10,000 accounts, imported first (their time
is not counted). Each run happens in its own process so the peak RSS is that run's. PostgreSQL uses
ATTAIN_TEST_POSTGRES_URL (``eval "$(bash scripts/postgres.sh start)"``) in a throwaway schema.
Figures are printed, never asserted. read_s/validate_s/write_s split the first import into reading and
mapping the file, validating it (columnar, including the reference look-ups), and the store's upsert
(insert + audit log) with the commit; cpu_s is this process's user + system CPU for the import (SQLite
works inside it; a PostgreSQL server's CPU is not counted).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import polars as pl

PAYEES, PRODUCTS, ACCOUNTS = 2_000, 50, 10_000


def write_files(folder: Path, rows: int) -> Path:
    """payee.csv, product.csv, account.csv and transaction.csv (columnar, deterministic)."""
    i = pl.col("i")
    references = (("payee", "P", PAYEES), ("product", "SKU", PRODUCTS), ("account", "A", ACCOUNTS))
    for entity, prefix, count in references:
        pl.DataFrame({"i": range(count)}).select(
            pl.format(f"{prefix}{{}}", i).alias(f"{entity}_id"), pl.format(f"{entity} {{}}", i).alias("name"),
        ).write_csv(folder / f"{entity}.csv")
    cents = ((i * 31) % 100).cast(pl.String).str.zfill(2)
    day = pl.lit(date(2017, 1, 1)) + pl.duration(days=i % 365)
    transactions = pl.DataFrame({"i": pl.int_range(rows, eager=True)}).select(
        pl.format("T{}", i).alias("transaction_id"),
        pl.lit("booking").alias("kind"),
        day.dt.strftime("%Y-%m-%d").alias("date"),
        pl.format("{}.{}", (i * 7919) % 100_000, cents).alias("amount"),
        pl.lit("USD").alias("currency"),
        pl.format("A{}", (i * 13) % ACCOUNTS).alias("account_id"),
        pl.format("SKU{}", i % PRODUCTS).alias("product_id"),
        pl.format("P{}", (i * 17) % PAYEES).alias("owner_id"),
    )
    transactions.write_csv(folder / "transaction.csv")
    return folder / "transaction.csv"


def fresh_database(backend: str, folder: Path) -> tuple[str, str | None]:
    """A migrated, empty database URL and (Postgres) the schema to drop afterwards."""
    from attain.store.db import create_store_engine, upgrade

    if backend == "sqlite":
        url = f"sqlite:///{folder / 'bench.db'}"
        upgrade(url)
        return url, None
    base = os.environ.get("ATTAIN_TEST_POSTGRES_URL")
    if not base:
        raise SystemExit("set ATTAIN_TEST_POSTGRES_URL: eval \"$(bash scripts/postgres.sh start)\"")
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    engine = create_store_engine(base)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    upgrade(url)
    return url, schema


def drop_schema(schema: str) -> None:
    from attain.store.db import create_store_engine

    engine = create_store_engine(os.environ["ATTAIN_TEST_POSTGRES_URL"])
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    engine.dispose()


def cpu_seconds() -> float:
    """User + system CPU seconds of this process so far (PostgreSQL's own work is not in it)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_once(rows: int, backend: str) -> dict[str, object]:
    """Generate, load the references, then time the transaction import (first import, then re-import)."""
    from attain.services.imports import import_file
    from attain.store.db import dispose_engine

    with tempfile.TemporaryDirectory(prefix="attain-bench-") as tmp:
        folder = Path(tmp)
        path = write_files(folder, rows)
        file_mb = path.stat().st_size / 2**20
        url, schema = fresh_database(backend, folder)
        try:
            for entity in ("payee", "product", "account"):
                assert import_file(url, entity, folder / f"{entity}.csv").imported
            marks: dict[str, float] = {}

            def mark(step: str) -> None:
                marks.setdefault(step, time.perf_counter())

            cpu = cpu_seconds()
            started = time.perf_counter()
            report = import_file(url, "transaction", path, actor="bench",
                                 progress=mark)
            seconds = time.perf_counter() - started
            cpu, again_cpu = cpu_seconds() - cpu, cpu_seconds()
            assert report.imported and report.created == rows, report.issues[:5]
            again_started = time.perf_counter()
            again = import_file(url, "transaction", path, actor="bench")
            reimport = time.perf_counter() - again_started
            again_cpu = cpu_seconds() - again_cpu
            assert again.unchanged == rows
        finally:
            dispose_engine(url)
            if schema:
                drop_schema(schema)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"bench": "import_transactions", "backend": backend, "rows": rows,
            "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds),
            "read_s": round(marks["validating"] - started, 2),
            "validate_s": round(marks["writing"] - marks["validating"], 2),
            "write_s": round(marks["done"] - marks["writing"], 2),
            "cpu_s": round(cpu, 2), "reimport_seconds": round(reimport, 2),
            "reimport_cpu_s": round(again_cpu, 2), "peak_rss_mb": round(peak_mb),
            "file_mb": round(file_mb, 1), "load_average": round(os.getloadavg()[0], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, help="transactions to import (default: 100k and 1M)")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], help="default: both")
    args = parser.parse_args()
    if args.rows and args.backend:
        print(json.dumps(run_once(args.rows, args.backend)), flush=True)
        return
    for rows in [args.rows] if args.rows else [100_000, 1_000_000]:
        for backend in [args.backend] if args.backend else ["sqlite", "postgres"]:
            subprocess.run([sys.executable, __file__, "--rows", str(rows), "--backend", backend], check=True)


if __name__ == "__main__":
    main()
