"""The embedded executor: one in-process DuckDB connection, bounded threads and memory."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from attain.plans.dialect import DUCKDB, Dialect

if TYPE_CHECKING:
    from attain.engine.options import CalcOptions


class DuckDBExecutor:
    """Runs the stages' SQL in an in-memory DuckDB database that spills to a temp folder."""

    dialect: Dialect = DUCKDB
    join_slice_rows: int = 700_000
    """Transactions per slice of a credit-to-transaction join (``attain.engine.views.txn_slices``)."""

    def __init__(
        self, threads: int | None = None, memory_limit: str | None = None, temp_dir: Path | None = None
    ) -> None:
        self._tmp = None if temp_dir is not None else tempfile.TemporaryDirectory(prefix="attain-duckdb-")
        spill = temp_dir if temp_dir is not None else Path(self._tmp.name)  # type: ignore[union-attr]
        self.con = duckdb.connect(":memory:")
        if threads is not None:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit is not None:
            self.con.execute(f"SET memory_limit = {self.dialect.string(memory_limit)}")
        self.con.execute(f"SET temp_directory = {self.dialect.string(str(spill))}")
        self.con.execute("SET preserve_insertion_order = false")
        self.con.execute("SET enable_progress_bar = false")  # the CLI shows the run's own (Rich) progress
        self._registered: dict[str, pa.Table] = {}

    @classmethod
    def from_options(cls, options: CalcOptions) -> DuckDBExecutor:
        """The executor for a run's options (threads, memory limit, spill folder)."""
        return cls(threads=options.threads, memory_limit=options.memory_limit, temp_dir=options.temp_dir)

    def register(self, name: str, table: pa.Table) -> None:
        self._registered[name] = table
        self.con.register(name, table)

    def register_parquet(self, name: str, paths: Sequence[Path], row_numbers: bool = False) -> None:
        files = ", ".join(self.dialect.string(str(p)) for p in paths)
        if not row_numbers:
            self.create_view(name, f"SELECT * FROM read_parquet([{files}])")  # noqa: S608 - quoted literals
            return
        if len(paths) != 1:
            raise ValueError("row numbers are file positions: register one file")
        self.create_view(
            name,
            f"SELECT * EXCLUDE (file_row_number), CAST(file_row_number AS BIGINT) AS file_row "  # noqa: S608
            f"FROM read_parquet([{files}], file_row_number = true)",
        )

    def create_table(self, name: str, select_sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {self.dialect.ident(name)} AS {select_sql}")

    def create_view(self, name: str, select_sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {self.dialect.ident(name)} AS {select_sql}")

    def drop(self, name: str) -> None:
        ident = self.dialect.ident(name)
        kind = self.con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchone()
        if kind is None:
            if name in self._registered:
                self.con.unregister(name)
                del self._registered[name]
            return
        self.con.execute(f"DROP {'VIEW' if kind[0] == 'VIEW' else 'TABLE'} IF EXISTS {ident}")

    def fetch(self, select_sql: str) -> pa.Table:
        return self.con.execute(select_sql).to_arrow_table()

    def stream(self, select_sql: str, batch_rows: int = 262_144) -> pa.RecordBatchReader:
        return self.con.execute(select_sql).to_arrow_reader(batch_rows)

    def write_parquet(self, select_sql: str, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.con.execute(f"COPY ({select_sql}) TO {self.dialect.string(str(path))} (FORMAT parquet)")

    def close(self) -> None:
        self.con.close()
        if self._tmp is not None:
            self._tmp.cleanup()
