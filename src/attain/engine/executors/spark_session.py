"""One Spark context per process (the JVM starts once), a fresh SQL session per calculation run.

The context is built on first use with the master the first run asks for (``local[N]`` or a
cluster URL) and reused by every later run; each run gets ``newSession()``: its own temp views,
SQL settings and functions, so two runs in one process (a web server) never see each other's
tables. The SQL settings are what makes Spark compute money like the DuckDB executor.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attain.core.errors import AttainError, register

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

CALC110 = register(
    "CALC110", "The Spark executor cannot start: pyspark or Java is missing, or the cluster is unreachable"
)
CALC111 = register("CALC111", "A run asked for another Spark master than the one this process already uses")

SQL_SETTINGS = {
    "spark.sql.ansi.enabled": "true",
    "spark.sql.ansi.doubleQuotedIdentifiers": "true",
    "spark.sql.decimalOperations.allowPrecisionLoss": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.adaptive.coalescePartitions.enabled": "true",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.parquet.inferTimestampNTZ.enabled": "false",
}
"""Per-session SQL settings: ANSI overflow errors, exact decimal products, UTC, Arrow transfer; a
naive Parquet timestamp is read as the session-zone TIMESTAMP that ``createDataFrame`` gives Arrow's."""

SMALL_RUN_SETTINGS = {
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.shuffle.partitions": "1",
}
"""A small run (a few thousand rows) is interpreted in one partition: compiling each query and
planning shuffles costs more than the work (measured: 9.6 instead of 17.9 CPU-s on a scenario)."""

MONEY_TEXT_FUNCTION = (
    "CREATE OR REPLACE TEMPORARY FUNCTION format(pattern STRING, amount DECIMAL(38, 2)) "
    "RETURNS STRING RETURN CASE WHEN pattern = '{:,.2f}' THEN format_number(amount, 2) "
    "ELSE raise_error(concat('format pattern not translated for Spark: ', pattern)) END"
)
"""The stages' display text of an amount at cents is DuckDB's ``format('{:,.2f}', x)``; the same
text in Spark is ``format_number(x, 2)`` on the value already cast to cents (no second rounding)."""


@dataclass(frozen=True)
class SparkPlacement:
    """Where and how big the Spark context is (fixed for the life of the process)."""

    master: str
    driver_memory: str = "2g"
    shuffle_partitions: int = 8
    local_dir: Path | None = None
    small_run_rows: int = 200_000
    """Runs whose inputs have at most this many rows in all use ``SMALL_RUN_SETTINGS``."""

    @classmethod
    def local(cls, threads: int | None = None, **kwargs: Any) -> SparkPlacement:
        """``local[N]``: N threads in this machine's JVM (default: every core)."""
        return cls(master=f"local[{threads or os.cpu_count() or 1}]", **kwargs)


_lock = threading.Lock()
_context: tuple[SparkPlacement, SparkSession] | None = None


def run_session(placement: SparkPlacement) -> SparkSession:
    """A new SQL session on the process's Spark context (started now if it is not running)."""
    base = _base_session(placement)
    session = base.newSession()
    for key, value in SQL_SETTINGS.items():
        session.conf.set(key, value)
    session.conf.set("spark.sql.shuffle.partitions", str(placement.shuffle_partitions))
    # a Parquet scan splits into at least as many tasks as a shuffle (row groups permitting)
    session.conf.set("spark.sql.files.minPartitionNum", str(placement.shuffle_partitions))
    session.sql(MONEY_TEXT_FUNCTION)
    return session


def size_session(session: SparkSession, placement: SparkPlacement, input_rows: int) -> None:
    """Tune a run's session to its input volume (small: interpreted, one partition)."""
    small = input_rows <= placement.small_run_rows
    for key, value in SMALL_RUN_SETTINGS.items():
        default = SQL_SETTINGS.get(key, "true")
        if key == "spark.sql.shuffle.partitions":
            default = str(placement.shuffle_partitions)
        elif key == "spark.sql.codegen.factoryMode":
            default = "FALLBACK"
        session.conf.set(key, value if small else default)


def _base_session(placement: SparkPlacement) -> SparkSession:
    global _context
    with _lock:
        if _context is not None and _context[1].sparkContext._jsc is not None:
            running, session = _context
            if running.master != placement.master:
                raise AttainError(
                    f"this process already runs Spark on {running.master}; "
                    f"a run asked for {placement.master} "
                    "(one Spark master per process: restart the process to change it)",
                    code=CALC111,
                )
            return session
        _context = (placement, _start(placement))
        return _context[1]


def _start(placement: SparkPlacement) -> SparkSession:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise AttainError(
            "the Spark executor needs pyspark: install the 'spark' extra", code=CALC110
        ) from exc
    builder = SparkSession.builder.master(placement.master).appName("attain-calc")
    settings = {
        "spark.driver.memory": placement.driver_memory,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": str(placement.shuffle_partitions),
        **SQL_SETTINGS,
    }
    if placement.local_dir is not None:
        settings["spark.local.dir"] = str(placement.local_dir)
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # Py4J / Java start-up errors come in many shapes
        raise AttainError(f"Spark did not start on {placement.master}: {exc}", code=CALC110) from exc
    session.sparkContext.setLogLevel("ERROR")
    # PySpark logs every failed query with its stack; the executor reports it as CALC112 instead
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    return session


def stop() -> None:
    """Stop the process's Spark context (tests and benchmarks that time a cold start)."""
    global _context
    with _lock:
        if _context is not None:
            _context[1].stop()
            _context = None
