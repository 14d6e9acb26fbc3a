"""The store's inputs staged as Parquet (ADBC on PostgreSQL) are the store's inputs, and calculate alike.

``load_folder(staged folder)`` must equal ``load_store_inputs(store)`` for every entity on both
backends: JSON documents canonical, timestamps naive UTC, decimals exact, transactions' source
kept (imported rows) or numbered (rows entered without a file) across ADBC batches, and a bad
stored value reported at the same line. Then a calculation on Spark from the staged folder equals
the embedded calculation from the store.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import text

from attain.core.errors import AttainError
from attain.engine import CalcOptions, calculate
from attain.engine.filemode import load_plan
from attain.engine.inputs import load_folder
from attain.services import spark_staging
from attain.services.calc import load_store_inputs
from attain.services.imports import IMPORT_ORDER
from attain.services.spark_staging import stage_store_inputs, staged_store_inputs
from attain.store.bulk import upsert
from attain.store.db import reading, transaction
from tests.conformance.conftest import spark_options
from tests.conformance.test_scenarios_on_spark import OUTPUTS, _differences
from tests.test_scenarios import ALL

SCENARIO = next(s for s in ALL if s.name == "p7_split_and_handoff")


def _import_scenario(url: str) -> None:
    """The scenario's files into the store, transactions with their file and line."""
    tables = load_folder(SCENARIO.data_dir)
    with transaction(url) as conn:
        for name in IMPORT_ORDER:
            table = tables[name]
            if table.num_rows == 0:
                continue
            source = None
            if name == "transaction":
                source = "transaction.csv"
                table = table.drop_columns(["source_file"])
            upsert(conn, name, table, batch_id=None, actor="t", source_file=source)


def _add_documents_and_activities(url: str) -> None:
    """JSON in non-canonical key order and timestamps, entered without a file."""
    with transaction(url) as conn:
        payees = pa.table({"payee_id": ["ann", "bob"], "name": ["Ann", "Bob"]})
        upsert(conn, "payee", payees, batch_id=None, actor="t")
        assignments = pa.table(
            {
                "payee_id": ["ann"],
                "plan_id": ["ae"],
                "valid_from": pa.array([dt.date(2017, 1, 1)], pa.date32()),
                "parameters": ['{"z": 1, "a": {"y": [1, 2.5], "b": "é"}}'],
            }
        )
        upsert(conn, "plan_assignment", assignments, batch_id=None, actor="t")
        activities = pa.table(
            {
                "activity_id": ["c1", "c2"],
                "payee_id": ["ann", "bob"],
                "kind": ["call", "meeting_held"],
                "occurred_at": pa.array(
                    [
                        dt.datetime(2017, 3, 1, 9, 30, tzinfo=dt.UTC),
                        dt.datetime(2017, 3, 2, 23, 59, 59, 5, tzinfo=dt.UTC),
                    ],
                    pa.timestamp("us", tz="UTC"),
                ),
            }
        )
        upsert(conn, "activity", activities, batch_id=None, actor="t")


def _add_transactions_without_source(url: str, rows: int) -> None:
    numbers = range(rows)
    deals = pa.table(
        {
            "transaction_id": [f"D{n:05d}" for n in numbers],
            "date": pa.array(
                [dt.date(2017, 1, 1) + dt.timedelta(days=n % 300) for n in numbers], pa.date32()
            ),
            "amount": pa.array([Decimal(n * 7919 % 1_000_000) / 100 for n in numbers], pa.decimal128(18, 2)),
            "owner_id": ["ann" if n % 2 else "bob" for n in numbers],
            "attributes": [None if n % 3 else f'{{"deal": {n}, "band": "b{n % 4}"}}' for n in numbers],
        }
    )
    with transaction(url) as conn:
        upsert(conn, "transaction", deals, batch_id=None, actor="t")


def _assert_same_inputs(url: str, folder: Path) -> None:
    staged, stored = load_folder(folder), load_store_inputs(url)
    for name in stored:
        assert staged[name].equals(stored[name]), (name, staged[name].slice(0, 3), stored[name].slice(0, 3))


def test_staged_imported_store_equals_the_store_read(migrated_url: str, tmp_path: Path) -> None:
    _import_scenario(migrated_url)
    _add_documents_and_activities(migrated_url)
    staged = stage_store_inputs(migrated_url, tmp_path / "staged")
    assert staged.via == ("adbc" if migrated_url.startswith("postgresql") else "store")
    assert staged.rows["transaction"] == load_store_inputs(migrated_url)["transaction"].num_rows > 0
    assert staged.rows["activity"] == 2
    _assert_same_inputs(migrated_url, staged.folder)
    parameters = load_folder(staged.folder)["plan_assignment"].column("parameters").to_pylist()
    assert '{"a":{"b":"é","y":[1,2.5]},"z":1}' in parameters
    source = load_folder(staged.folder)["transaction"].column("source_file").to_pylist()
    assert set(source) == {"transaction.csv"}


def test_transactions_entered_without_a_file_are_numbered_across_batches(
    migrated_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spark_staging, "BATCH_BYTES", 4096)  # many small ADBC batches
    monkeypatch.setattr(spark_staging, "ROW_GROUP_ROWS", 1_000)  # gathered into row groups of 1,000+
    _add_documents_and_activities(migrated_url)
    _add_transactions_without_source(migrated_url, 3_000)
    staged = stage_store_inputs(migrated_url, tmp_path / "staged")
    groups = pq.ParquetFile(staged.folder / "transaction.parquet").metadata
    if staged.via == "adbc":
        assert 1 < groups.num_row_groups <= 3 and groups.row_group(0).num_rows >= 1_000
    _assert_same_inputs(migrated_url, staged.folder)
    deals = load_folder(staged.folder)["transaction"]
    assert deals.column("source_file").unique().to_pylist() == ["store:transaction"]
    assert deals.column("source_line").to_pylist() == list(range(1, 3_001))


def test_a_bad_stored_value_is_reported_at_the_same_line(
    migrated_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value the store holds but the engine refuses (written around the importer) stops both reads."""
    monkeypatch.setattr(spark_staging, "BATCH_BYTES", 4096)
    _add_documents_and_activities(migrated_url)
    _add_transactions_without_source(migrated_url, 2_000)
    with transaction(migrated_url) as conn:
        conn.execute(text("UPDATE \"transaction\" SET kind = 'barter' WHERE transaction_id = 'D01500'"))
    with pytest.raises(AttainError) as stored:
        load_store_inputs(migrated_url)
    with pytest.raises(AttainError) as staged:
        stage_store_inputs(migrated_url, tmp_path / "staged")
    assert staged.value.code == stored.value.code == "CALC001"
    assert str(staged.value) == str(stored.value)
    assert "store:transaction:1501" in str(staged.value) or "line 1501" in str(staged.value)


@pytest.mark.usefixtures("spark_context")
def test_a_spark_run_from_the_staged_store_equals_the_embedded_run(migrated_url: str) -> None:
    _import_scenario(migrated_url)
    plans = [load_plan(p) for p in SCENARIO.plan_paths]
    embedded = calculate(load_store_inputs(migrated_url), plans, SCENARIO.periods, CalcOptions(threads=1))
    inputs = staged_store_inputs(migrated_url, spark_options())
    spark = calculate(inputs, plans, SCENARIO.periods, spark_options())
    problems = [p for n in OUTPUTS for p in _differences(n, getattr(embedded, n), getattr(spark, n))]
    assert not problems, "Spark from the staged store != embedded from the store\n" + "\n".join(problems)


def test_other_executors_read_the_store_directly(migrated_url: str) -> None:
    _import_scenario(migrated_url)
    direct = staged_store_inputs(migrated_url, CalcOptions())
    stored = load_store_inputs(migrated_url)
    assert all(direct[name].equals(stored[name]) for name in stored)


def test_a_store_adbc_cannot_reach_is_calc114(postgres_url: str, tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    from attain.store.db import create_store_engine

    unknown = make_url(postgres_url).set(database="attain_no_such_database")
    engine = create_store_engine(unknown.render_as_string(hide_password=False))
    try:
        with pytest.raises(AttainError, match="staging the store's inputs failed") as caught:
            stage_store_inputs(engine, tmp_path / "staged")
    finally:
        engine.dispose()
    assert caught.value.code == "CALC114"


def test_an_unwritable_staging_folder_is_calc114(migrated_url: str, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(AttainError, match="staging folder") as caught:
        stage_store_inputs(migrated_url, tmp_path / "file" / "staged")
    assert caught.value.code == "CALC114"


@pytest.mark.slow
@pytest.mark.usefixtures("spark_context")
def test_attain_run_on_spark_from_the_staged_store_pays_what_the_embedded_run_pays(
    migrated_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``run_payouts`` with the Spark executor reads its inputs through ``staged_store_inputs``
    (the store staged to Parquet): same fingerprint (the staged inputs are the store's), same
    payout lines."""
    import yaml

    from attain.services import runs
    from attain.services.synthetic import generate_company
    from attain.store.plans import publish, save_draft
    from tests.services.test_runs_payees import MONTHS, PLAN, by_payee, one_row_per_split

    company = load_folder(generate_company(tmp_path / "data", payees=60, transactions=1500, year=2025))
    with transaction(migrated_url, "test") as conn:
        for name in IMPORT_ORDER:
            table = company[name] if name != "opportunity_split" else one_row_per_split(company[name])
            if table.num_rows:
                keep = [c for c in table.column_names if c not in ("source_file", "source_line")]
                upsert(conn, name, table.select(keep), batch_id=None, actor="test")
        save_draft(conn, "sales", 1, yaml.safe_dump(PLAN), actor="test")
        publish(conn, "sales", 1, actor="test")
    embedded = runs.run_payouts(
        migrated_url, periods=MONTHS[:2], actor="test", options=CalcOptions(threads=2)
    )
    options = spark_options()
    staged: list[bool] = []
    real = load_folder
    monkeypatch.setattr(spark_staging, "load_folder", lambda folder: staged.append(True) or real(folder))
    spark = runs.run_payouts(migrated_url, periods=MONTHS[:2], actor="test", options=options)
    assert staged == [True], "the Spark run did not read the staged store"
    assert spark.fingerprint == embedded.fingerprint and spark.same_inputs_as == embedded.run_id
    assert (spark.lines, spark.totals) == (embedded.lines, embedded.totals) and spark.lines > 0
    with reading(migrated_url) as conn:
        everyone = sorted({p for p in runs.read_lines(conn, embedded.run_id).column("payee_id").to_pylist()})
        assert by_payee(runs.read_lines(conn, spark.run_id), everyone) == by_payee(
            runs.read_lines(conn, embedded.run_id), everyone
        )
