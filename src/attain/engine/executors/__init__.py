"""Executors run the engine's SQL stages: an embedded DuckDB one now, a distributed one later.

An executor only moves Arrow tables in and out and runs SQL text of its ``Dialect``; the stage
builders (crediting, measures, earn) never know which executor runs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pyarrow as pa

from attain.plans.dialect import Dialect

if TYPE_CHECKING:
    from attain.engine.options import CalcOptions

EXECUTORS = {
    "duckdb": "attain.engine.executors.duckdb:DuckDBExecutor",
    "spark": "attain.engine.executors.spark:SparkExecutor",
}
"""Executor name -> ``module:class``; imported on demand (Spark is an optional extra)."""


class Executor(Protocol):
    """What the stages need from an engine: tables in, SQL run, tables out."""

    dialect: Dialect

    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table queryable under ``name``."""
        ...

    def register_parquet(self, name: str, paths: Sequence[Path], row_numbers: bool = False) -> None:
        """Make Parquet files queryable under ``name``, read where they lie (not through Python).

        With ``row_numbers`` (one file only) the table also has a BIGINT column ``file_row``: each
        row's 0-based position in the file (source line numbers of a file without its own).
        """
        ...

    def create_table(self, name: str, select_sql: str) -> None:
        """Materialize ``select_sql`` as table ``name`` (replacing it)."""
        ...

    def create_view(self, name: str, select_sql: str) -> None:
        """Define view ``name`` as ``select_sql`` (replacing it)."""
        ...

    def drop(self, name: str) -> None:
        """Forget a table or view if it exists."""
        ...

    def fetch(self, select_sql: str) -> pa.Table:
        """Run a query and return its rows as Arrow."""
        ...

    def stream(self, select_sql: str, batch_rows: int = 262_144) -> pa.RecordBatchReader:
        """Run a query and read its rows batch by batch (bounded memory)."""
        ...

    def write_parquet(self, select_sql: str, path: Path) -> None:
        """Stream a query's rows into a Parquet file."""
        ...

    def close(self) -> None:
        """Release the engine's resources."""
        ...


def make_executor(options: CalcOptions) -> Executor:
    """The executor ``options.executor`` names, built from the run options."""
    target = EXECUTORS.get(options.executor)
    if target is None:
        raise ValueError(f"unknown executor {options.executor!r}; known: {', '.join(sorted(EXECUTORS))}")
    module, _, name = target.partition(":")
    cls = getattr(import_module(module), name)
    executor: Executor = cls.from_options(options)
    return executor
