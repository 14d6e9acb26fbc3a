"""The distributed executor: the engine's SQL stages on Apache Spark (local[N] or a cluster).

Same six moves as the embedded executor, on a Spark SQL session of its own (``spark_session``):
Arrow tables in (``createDataFrame`` with Arrow), tables as locally checkpointed DataFrames (the
plan of a later stage never re-runs an earlier one), views as temp views, Arrow out
(``DataFrame.toArrow``), Parquet out (Spark writes a folder of parts; they are joined into the
one file the engine asks for). The SQL is the stages' own, written through ``SparkDialect``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from attain.core.errors import AttainError, register
from attain.engine.executors.spark_dialect import SPARK
from attain.engine.executors.spark_parquet import CALC113, inspect_parquet
from attain.engine.executors.spark_session import SparkPlacement, run_session, size_session
from attain.engine.executors.spark_translate import not_in_subqueries, spark_sql
from attain.plans.dialect import Dialect

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from attain.engine.options import CalcOptions

FILE_ROW = "file_row"
"""The column ``register_parquet(row_numbers=True)`` adds: the row's 0-based position in its file."""

CALC112 = register(
    "CALC112", "Spark could not run a calculation step (the message names the step and Spark's error)"
)


class SparkExecutor:
    """Runs the stages' SQL on a Spark session; one per calculation run, on the process's context."""

    dialect: Dialect = SPARK

    def __init__(self, placement: SparkPlacement | None = None, temp_dir: Path | None = None) -> None:
        self.placement = placement or SparkPlacement.local()
        self.spark: SparkSession = run_session(self.placement)
        self._tmp = tempfile.TemporaryDirectory(prefix="attain-spark-", dir=temp_dir)
        self._tables: dict[str, DataFrame] = {}
        self._views: set[str] = set()
        self._input_rows = 0
        self._never_null: dict[str, frozenset[str]] = {}
        self._has_null: set[tuple[str, str]] = set()
        size_session(self.spark, self.placement, self._input_rows)

    @classmethod
    def from_options(cls, options: CalcOptions) -> SparkExecutor:
        """``options.cluster_url`` (else ``local[threads]``); driver memory from ``memory_limit``."""
        sizing: dict[str, Any] = {"local_dir": options.temp_dir}
        if options.memory_limit:
            sizing["driver_memory"] = _jvm_memory(options.memory_limit)
        if options.cluster_url:
            placement = SparkPlacement(master=options.cluster_url, **sizing)
        else:
            placement = SparkPlacement.local(options.threads, **sizing)
        return cls(placement, temp_dir=options.temp_dir)

    def register(self, name: str, table: pa.Table) -> None:
        """Ship an Arrow table to Spark; the run's sizing follows the rows registered so far."""
        frame = self.spark.createDataFrame(_spark_ready(table))
        self._replace(name, frame)
        self._never_null[name] = frozenset(
            c for c, col in zip(table.column_names, table.columns, strict=True) if col.null_count == 0
        )
        self._input_rows += table.num_rows
        size_session(self.spark, self.placement, self._input_rows)

    def register_parquet(self, name: str, paths: Sequence[Path], row_numbers: bool = False) -> None:
        """Let Spark read Parquet files where they lie (each task its own splits, nothing via Python).

        The footers are checked first (``spark_parquet``: same columns in every file, an entity's
        fields with the engine's types); the columns Spark reads must have the types ``register``
        would give the same data, so a run reads Parquet or Arrow inputs alike. ``row_numbers``
        (one file) adds ``file_row``, the row's 0-based position in the file: Spark's
        ``_metadata.row_index``, read with each split, so no task needs another's rows.
        """
        found = inspect_parquet(name, paths)
        if row_numbers and len(found.files) != 1:
            raise ValueError("row numbers are file positions: register one file")
        try:
            frame = self.spark.read.parquet(*(str(p) for p in found.files))
            if row_numbers:
                frame = frame.select("*", frame["_metadata.row_index"].cast("bigint").alias(FILE_ROW))
        except Exception as exc:  # AnalysisException: a file Spark cannot read
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise AttainError(
                f"input {name}: Spark cannot read its Parquet files: {first}", code=CALC113
            ) from exc
        _check_spark_types(name, frame, found.schema, self.spark)
        self._replace(name, frame)
        self._never_null[name] = found.never_null | ({FILE_ROW} if row_numbers else set())
        self._input_rows += found.rows
        size_session(self.spark, self.placement, self._input_rows)

    def create_table(self, name: str, select_sql: str) -> None:
        frame = self._sql(select_sql, name).localCheckpoint(eager=True)
        self._replace(name, frame)

    def create_view(self, name: str, select_sql: str) -> None:
        self._forget(name)
        self._sql(f"CREATE OR REPLACE TEMPORARY VIEW {self.dialect.ident(name)} AS {select_sql}", name)
        self._views.add(name)

    def drop(self, name: str) -> None:
        self._forget(name)

    def fetch(self, select_sql: str) -> pa.Table:
        return _arrow_types(self._sql(select_sql).toArrow())

    def stream(self, select_sql: str, batch_rows: int = 262_144) -> pa.RecordBatchReader:
        """Rows batch by batch: Spark writes them to Parquet parts, read back one part at a time."""
        folder = Path(tempfile.mkdtemp(prefix="stream-", dir=self._tmp.name))
        schema = self._write_parts(select_sql, folder)
        return pa.RecordBatchReader.from_batches(schema, _part_batches(folder, schema, batch_rows))

    def write_parquet(self, select_sql: str, path: Path) -> None:
        """One Parquet file at ``path``: Spark's parts (in order) copied into it row group by row group."""
        path.parent.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="parquet-", dir=self._tmp.name))
        try:
            schema = self._write_parts(select_sql, folder)
            with pq.ParquetWriter(path, schema) as writer:
                for batch in _part_batches(folder, schema, 262_144):
                    writer.write_batch(batch)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        for name in [*self._tables, *self._views]:
            self._forget(name)
        self._tmp.cleanup()

    def _sql(self, sql: str, step: str | None = None) -> DataFrame:
        try:
            return self.spark.sql(spark_sql(sql, self._known_never_null(sql)))
        except Exception as exc:  # AnalysisException, ParseException, ArithmeticException (ANSI)
            where = f" building {step}" if step else ""
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise AttainError(f"Spark failed{where}: {first}", code=CALC112) from exc

    def _known_never_null(self, sql: str) -> dict[str, frozenset[str]]:
        """Columns known to hold no NULL, for the ``NOT IN`` translation of ``sql``.

        Registered inputs are known from their data (Arrow null counts, Parquet statistics). A
        table or view the run made that a ``NOT IN (SELECT c FROM t)`` reads is counted now (one
        small job over one column): a view over a Parquet input (``in_opportunity_split``) would
        otherwise leave the NOT IN to Spark, which plans it under an OR as a nested loop. A
        made table is counted once (it never changes under its name); a view each time (what
        it reads may have been replaced).
        """
        known = dict(self._never_null)
        for table, column in not_in_subqueries(sql):
            if column in known.get(table, ()) or table not in {*self._tables, *self._views}:
                continue
            if (table, column) in self._has_null:
                continue
            if self._no_null_in(table, column):
                known[table] = known.get(table, frozenset()) | {column}
                if table in self._tables:
                    self._never_null[table] = known[table]
            elif table in self._tables:
                self._has_null.add((table, column))
        return known

    def _no_null_in(self, table: str, column: str) -> bool:
        ident = self.dialect.ident
        try:
            row = self.spark.sql(f"SELECT COUNT(*) - COUNT({ident(column)}) FROM {ident(table)}").first()  # noqa: S608
        except Exception:  # no such column: the statement itself reports it (CALC112)
            return False
        return row is not None and row[0] == 0

    def _replace(self, name: str, frame: DataFrame) -> None:
        self._forget(name)
        frame.createOrReplaceTempView(name)
        self._tables[name] = frame

    def _forget(self, name: str) -> None:
        self._never_null.pop(name, None)
        self._has_null = {known for known in self._has_null if known[0] != name}
        frame = self._tables.pop(name, None)
        if frame is not None:
            frame.unpersist()
        self._views.discard(name)
        self.spark.catalog.dropTempView(name)

    def _write_parts(self, select_sql: str, folder: Path) -> pa.Schema:
        """Write a query as Parquet parts into ``folder`` (kept in row order); their Arrow schema."""
        frame = self._sql(select_sql)
        target = folder / "parts"
        try:
            frame.write.mode("overwrite").parquet(str(target))
        except Exception as exc:
            raise AttainError(
                f"Spark failed writing Parquet: {str(exc).splitlines()[0]}", code=CALC112
            ) from exc
        parts = _parts(target)
        if parts:
            return _arrow_types_schema(pq.read_schema(parts[0]))
        return _arrow_types(frame.limit(0).toArrow()).schema


def _check_spark_types(name: str, frame: DataFrame, schema: pa.Schema, spark: SparkSession) -> None:
    """Spark must read each column with the type ``createDataFrame`` gives the same Arrow column."""
    from pyspark.sql.pandas.types import from_arrow_type

    ntz = spark.conf.get("spark.sql.timestampType", "TIMESTAMP_LTZ") == "TIMESTAMP_NTZ"
    read = {f.name: f.dataType for f in frame.schema.fields}
    for field in schema:
        try:
            want = from_arrow_type(field.type, prefer_timestamp_ntz=ntz)
        except TypeError as exc:
            raise AttainError(
                f"input {name}: column {field.name!r} is {field.type}, a type Spark cannot take: {exc}",
                code=CALC113,
            ) from exc
        got = read.get(field.name)
        if got != want:
            raise AttainError(
                f"input {name}: Spark reads column {field.name!r} ({field.type}) as {got}, "
                f"not {want} as the engine's other inputs",
                code=CALC113,
            )


def _parts(folder: Path) -> list[Path]:
    """Spark's part files in partition order (the order of a sorted query)."""
    return sorted(folder.glob("part-*.parquet"))


def _part_batches(folder: Path, schema: pa.Schema, batch_rows: int) -> Iterator[pa.RecordBatch]:
    for part in _parts(folder / "parts"):
        for batch in pq.ParquetFile(part).iter_batches(batch_size=batch_rows):
            yield (
                pa.RecordBatch.from_arrays(batch.columns, schema=schema) if batch.schema != schema else batch
            )


def _spark_ready(table: pa.Table) -> pa.Table:
    """Arrow types Spark takes: dictionaries decoded, large strings as strings."""
    fields = []
    for field in table.schema:
        kind = field.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if pa.types.is_large_string(kind):
            kind = pa.string()
        fields.append(field.with_type(kind))
    target = pa.schema(fields)
    return table if target == table.schema else table.cast(target)


def _arrow_types_schema(schema: pa.Schema) -> pa.Schema:
    """Every column nullable (as the embedded executor's), large strings as plain strings."""
    return pa.schema(
        [
            (f.with_type(pa.string()) if pa.types.is_large_string(f.type) else f).with_nullable(True)
            for f in schema
        ]
    )


def _arrow_types(table: pa.Table) -> pa.Table:
    """The embedded executor's Arrow types: plain ``string``, nullable columns."""
    target = _arrow_types_schema(table.schema)
    return table if target == table.schema else table.cast(target)


def _jvm_memory(limit: str) -> str:
    """'1500MB' / '4GB' / '2g' -> the JVM's '1500m' / '4g' / '2g'."""
    text = limit.strip().lower().replace(" ", "").removesuffix("b").removesuffix("i")
    if not text or not text[:-1].isdigit() or text[-1] not in "kmgt":
        raise ValueError(f"not a memory size: {limit!r} (e.g. 1500MB, 4GB)")
    return text
