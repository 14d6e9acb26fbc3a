"""Parquet inputs read where they lie on Spark (``register_parquet``) give what DuckDB and Arrow give.

Three ways into an executor for the same rows: DuckDB's ``register_parquet`` (a read_parquet
view), Spark's ``register`` (Arrow shipped from the driver) and Spark's ``register_parquet``
(``spark.read.parquet``). A query over them must return equal Arrow tables. Files the engine could
not calculate from exactly (float money, files whose columns differ, no file) are refused with
CALC113 before Spark reads a row. Finally whole golden scenarios run with every entity input
written to Parquet and registered through ``register_parquet``, equal to the embedded run.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from attain.core.entities import ENTITIES
from attain.core.errors import AttainError
from attain.engine.executors.duckdb import DuckDBExecutor
from attain.engine.executors.spark import SparkExecutor
from attain.engine.executors.spark_parquet import CALC113, inspect_parquet
from attain.engine.inputs import arrow_schema
from attain.engine.options import CalcOptions
from tests.conformance.conftest import spark_options
from tests.conformance.test_scenarios_on_spark import OUTPUTS, _differences, _run
from tests.test_scenarios import ALL

TRANSACTION = arrow_schema(ENTITIES["transaction"])


def _transactions(rows: int, start: int = 0) -> pa.Table:
    """Typed transactions with NULLs, negative amounts and two currencies."""
    numbers = range(start, start + rows)
    columns: dict[str, list[Any]] = {name: [None] * rows for name in TRANSACTION.names}
    columns |= {
        "transaction_id": [f"T{n:06d}" for n in numbers],
        "kind": ["booking" if n % 7 else "adjustment" for n in numbers],
        "date": [dt.date(2025, 1, 1) + dt.timedelta(days=n % 365) for n in numbers],
        "amount": [Decimal(n * 37 % 100_000 - 20_000) / 100 for n in numbers],
        "currency": ["USD" if n % 5 else "EUR" for n in numbers],
        "quantity": [Decimal(n % 13) / Decimal(3) if n % 4 else None for n in numbers],
        "account_id": [f"A{n % 17}" for n in numbers],
        "owner_id": [f"P{n % 11}" if n % 9 else None for n in numbers],
        "contract_term_months": [n % 36 if n % 2 else None for n in numbers],
        "attributes": ['{"region":"west"}' if n % 3 else None for n in numbers],
        "source_file": ["deals.csv"] * rows,
        "source_line": [n + 2 for n in numbers],
    }
    columns["quantity"] = [
        q.quantize(Decimal("0.0000000001")) if q is not None else None for q in columns["quantity"]
    ]
    return pa.table(columns, schema=TRANSACTION)


QUERY = (
    "SELECT account_id, currency, COUNT(*) AS deals, CAST(SUM(amount) AS DECIMAL(38, 2)) AS booked, "
    "CAST(SUM(quantity) AS DECIMAL(38, 10)) AS units, "
    "MIN(date) AS first_day, MAX(contract_term_months) AS longest, COUNT(owner_id) AS owned "
    "FROM \"in_transaction\" WHERE kind = 'booking' GROUP BY account_id, currency "
    "ORDER BY account_id, currency"
)


@pytest.fixture
def transaction_files(tmp_path: Path) -> list[Path]:
    """Two Parquet files of one input (a folder of parts), several row groups each."""
    folder = tmp_path / "transaction"
    folder.mkdir()
    for part, start in enumerate((0, 3_000)):
        pq.write_table(_transactions(3_000, start), folder / f"part-{part}.parquet", row_group_size=1_000)
    return sorted(folder.glob("*.parquet"))


def _duckdb_answer(files: list[Path], query: str) -> pa.Table:
    duck = DuckDBExecutor(threads=1)
    try:
        duck.register_parquet("in_transaction", files)
        return duck.fetch(query)
    finally:
        duck.close()


@pytest.mark.usefixtures("spark_context")
def test_spark_reads_parquet_like_duckdb_and_like_arrow(transaction_files: list[Path]) -> None:
    expected = _duckdb_answer(transaction_files, QUERY)
    spark = SparkExecutor.from_options(spark_options())
    try:
        spark.register_parquet("in_transaction", [transaction_files[0].parent])  # a folder of parts
        from_files = spark.fetch(QUERY)
        spark.register("in_transaction", pq.read_table(transaction_files))
        shipped = spark.fetch(QUERY)
    finally:
        spark.close()
    assert expected.num_rows == 17 * 2
    assert from_files.equals(expected), (from_files.schema, expected.schema)
    assert shipped.equals(from_files)


@pytest.mark.usefixtures("spark_context")
def test_parquet_inputs_size_the_run_and_keep_the_not_in_translation(transaction_files: list[Path]) -> None:
    """Row counts come from the footers (run sizing); columns without NULL allow NOT EXISTS."""
    spark = SparkExecutor.from_options(spark_options())
    try:
        spark.register_parquet("in_transaction", transaction_files)
        assert spark._input_rows == 6_000
        assert "transaction_id" in spark._never_null["in_transaction"]
        assert "owner_id" not in spark._never_null["in_transaction"]
        query = (
            'SELECT COUNT(*) AS n FROM "in_transaction" t WHERE t.transaction_id NOT IN '
            "(SELECT transaction_id FROM \"in_transaction\" WHERE account_id = 'A3')"
        )
        assert spark.fetch(query).column("n").to_pylist() == [
            _duckdb_answer(transaction_files, query)["n"][0].as_py()
        ]
    finally:
        spark.close()


@pytest.mark.usefixtures("spark_context")
def test_row_numbers_are_positions_in_the_file(tmp_path: Path) -> None:
    """``file_row`` is each row's place in the file, whichever task reads its row group."""
    path = tmp_path / "deals.parquet"
    pq.write_table(_transactions(20_000), path, row_group_size=1_500)  # 14 row groups, several splits
    query = 'SELECT transaction_id, file_row FROM "in_transaction_file" ORDER BY file_row'
    spark = SparkExecutor.from_options(spark_options())
    try:
        spark.spark.conf.set("spark.sql.files.maxPartitionBytes", "32k")  # split a small file
        spark.spark.conf.set("spark.sql.files.openCostInBytes", "4k")
        spark.register_parquet("in_transaction_file", [path], row_numbers=True)
        numbered = spark.fetch(query)
        tasks = spark.spark.table("in_transaction_file").rdd.getNumPartitions()
        with pytest.raises(ValueError, match="one file"):
            spark.register_parquet("two", [path, path], row_numbers=True)
    finally:
        spark.close()
    assert tasks > 1
    assert numbered.column("file_row").to_pylist() == list(range(20_000))
    assert numbered.column("transaction_id").to_pylist() == [f"T{n:06d}" for n in range(20_000)]
    duck = DuckDBExecutor(threads=1)
    try:
        duck.register_parquet("in_transaction_file", [path], row_numbers=True)
        assert numbered.equals(duck.fetch(query))
    finally:
        duck.close()


@pytest.mark.usefixtures("spark_context")
def test_naive_timestamps_read_as_the_shipped_ones(tmp_path: Path) -> None:
    events = pa.table(
        {
            "event_id": ["e1", "e2", "e3"],
            "occurred_at": pa.array(
                [dt.datetime(2025, 3, 30, 1, 30), dt.datetime(2025, 10, 26, 2, 15, 0, 123456), None],
                pa.timestamp("us"),
            ),
        }
    )
    pq.write_table(events, tmp_path / "events.parquet")
    query = "SELECT event_id, occurred_at, CAST(occurred_at AS DATE) AS day FROM events ORDER BY event_id"
    spark = SparkExecutor.from_options(spark_options())
    try:
        spark.register_parquet("events", [tmp_path / "events.parquet"])
        from_files = spark.fetch(query)
        spark.register("events", events)
        assert from_files.equals(spark.fetch(query))
    finally:
        spark.close()
    duck = DuckDBExecutor(threads=1)
    try:
        duck.register_parquet("events", [tmp_path / "events.parquet"])
        assert (
            from_files.column("occurred_at")
            .cast(pa.timestamp("us"))
            .equals(duck.fetch(query).column("occurred_at"))
        )
    finally:
        duck.close()


# -- refusals (footers only: no Spark needed) ---------------------------------------------------


def test_float_money_is_refused(tmp_path: Path) -> None:
    table = _transactions(10)
    floats = table.set_column(3, "amount", table.column("amount").cast(pa.float64()))
    pq.write_table(floats, tmp_path / "transaction.parquet")
    wanted = r"'amount'.*double.*at most 3 places.*decimal128\(19, 3\)"
    with pytest.raises(AttainError, match=wanted) as caught:
        inspect_parquet("in_transaction", [tmp_path / "transaction.parquet"])
    assert caught.value.code == CALC113


def test_files_of_one_input_must_have_the_same_columns(tmp_path: Path) -> None:
    pq.write_table(_transactions(5), tmp_path / "a.parquet")
    pq.write_table(_transactions(5).drop_columns(["attributes"]), tmp_path / "b.parquet")
    with pytest.raises(AttainError, match=r"b\.parquet lacks column .attributes. that a\.parquet") as caught:
        inspect_parquet("raw_deals", [tmp_path / "a.parquet", tmp_path / "b.parquet"])
    assert caught.value.code == CALC113


def test_an_entity_input_needs_every_field(tmp_path: Path) -> None:
    pq.write_table(_transactions(5).drop_columns(["currency"]), tmp_path / "t.parquet")
    with pytest.raises(AttainError, match="lacks column 'currency'"):
        inspect_parquet("in_transaction", [tmp_path / "t.parquet"])
    inspected = inspect_parquet("other_name", [tmp_path / "t.parquet"])  # not an entity: as it is
    assert inspected.rows == 5


@pytest.mark.parametrize("problem", ["missing", "not parquet", "empty folder", "no path"])
def test_unreadable_inputs_are_refused(tmp_path: Path, problem: str) -> None:
    paths = {
        "missing": [tmp_path / "nowhere.parquet"],
        "not parquet": [tmp_path / "deals.parquet"],
        "empty folder": [tmp_path],
        "no path": [],
    }[problem]
    (tmp_path / "deals.parquet").write_text(
        "transaction_id,amount\nT1,10\n"
    ) if problem == "not parquet" else None
    with pytest.raises(AttainError) as caught:
        inspect_parquet("in_transaction", paths)
    assert caught.value.code == CALC113


def test_statistics_prove_columns_without_null(tmp_path: Path) -> None:
    pq.write_table(_transactions(100), tmp_path / "t.parquet", row_group_size=30)
    pq.write_table(_transactions(100), tmp_path / "u.parquet", write_statistics=False)
    assert {"transaction_id", "amount"} <= inspect_parquet("x", [tmp_path / "t.parquet"]).never_null
    assert "owner_id" not in inspect_parquet("x", [tmp_path / "t.parquet"]).never_null
    assert inspect_parquet("x", [tmp_path / "t.parquet", tmp_path / "u.parquet"]).never_null == frozenset()


# -- whole scenarios with every entity input read from Parquet ---------------------------------

PARQUET_SCENARIOS = ["p7_split_and_handoff", "rollup_two_levels_manager_change", "p5_retroactive_vs_marginal"]


@pytest.mark.slow
@pytest.mark.usefixtures("spark_context")
@pytest.mark.parametrize("name", PARQUET_SCENARIOS)
def test_scenario_with_parquet_inputs_equals_embedded(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every ``in_<entity>`` the engine registers is written to Parquet and read back by Spark."""
    shipped = SparkExecutor.register

    def via_parquet(self: SparkExecutor, table_name: str, table: pa.Table) -> None:
        if not table_name.startswith("in_") or table.num_rows == 0:
            shipped(self, table_name, table)
            return
        path = tmp_path / f"{table_name}.parquet"
        pq.write_table(table, path, row_group_size=max(1, table.num_rows // 3))
        self.register_parquet(table_name, [path])

    monkeypatch.setattr(SparkExecutor, "register", via_parquet)
    scenario = next(s for s in ALL if s.name == name)
    embedded = _run(scenario, CalcOptions(threads=1))
    spark = _run(scenario, spark_options())
    assert (tmp_path / "in_transaction.parquet").exists()
    problems = [p for n in OUTPUTS for p in _differences(n, getattr(embedded, n), getattr(spark, n))]
    assert not problems, f"{name}: Spark (Parquet inputs) != DuckDB\n" + "\n".join(problems)


def _plan_of(spark: SparkExecutor, query: str) -> str:
    return str(spark._sql(query)._jdf.queryExecution().executedPlan().toString())


NO_SPLIT = (
    "SELECT t.transaction_id FROM \"in_transaction\" t WHERE t.account_id = 'A1' AND "
    "(t.owner_id IS NULL OR t.owner_id NOT IN (SELECT payee_id FROM in_split)) ORDER BY t.transaction_id"
)


@pytest.mark.usefixtures("spark_context")
@pytest.mark.parametrize("with_null", [False, True])
def test_not_in_a_view_over_parquet_is_a_hash_join_when_the_view_has_no_null(
    transaction_files: list[Path], tmp_path: Path, with_null: bool
) -> None:
    """The engine types a Parquet input in a view (``in_<entity>`` over ``in_<entity>_file``); a
    NOT IN under an OR reading that view is counted for NULLs and planned as NOT EXISTS."""
    payees = [f"P{n}" for n in range(0, 11, 2)] + ([None] if with_null else [])
    pq.write_table(pa.table({"payee_id": pa.array(payees, pa.string())}), tmp_path / "split.parquet")
    spark = SparkExecutor.from_options(spark_options())
    duck = DuckDBExecutor(threads=1)
    try:
        for executor in (spark, duck):
            executor.register_parquet("in_transaction", transaction_files)
            executor.register_parquet("in_split_file", [tmp_path / "split.parquet"])
            executor.create_view("in_split", "SELECT f.payee_id AS payee_id FROM in_split_file f")
        plan = _plan_of(spark, NO_SPLIT)
        assert spark.fetch(NO_SPLIT).equals(duck.fetch(NO_SPLIT))
    finally:
        spark.close()
        duck.close()
    assert ("BroadcastNestedLoopJoin" in plan) is with_null, plan
