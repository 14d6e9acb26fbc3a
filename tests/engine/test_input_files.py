"""Inputs read where they lie: a typed Parquet folder gives the same results in place and read into
Python, bad or untyped files fall back to the ordinary reader (same row-level errors), and a run
with an output folder keeps its big tables in the executor's Parquet files."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from attain.core.errors import AttainError
from attain.engine import CalcOptions, calculate, load_folder
from attain.engine.filemode import load_plan
from attain.engine.input_files import checked_file
from tests.engine.test_end_to_end import FILES, PLAN_YAML

PERIODS = ["2025-Q1", "2025-Q2"]
OUTPUTS = ("credits", "measures", "earnings", "component_totals")


@pytest.fixture
def parquet_folder(tmp_path: Path) -> tuple[Path, Path]:
    """The end-to-end company as typed Parquet files (what Attain's own tools write)."""
    csv_dir, data = tmp_path / "csv", tmp_path / "parquet"
    csv_dir.mkdir()
    data.mkdir()
    for name, text in FILES.items():
        (csv_dir / name).write_text(text)
    typed = load_folder(csv_dir)
    for name in ("payee", "reporting_line", "plan_assignment", "opportunity_split", "transaction"):
        pq.write_table(typed[name], data / f"{name}.parquet")
    plan_path = tmp_path / "plan.yaml"
    plan_path.write_text(PLAN_YAML)
    return plan_path, data


def _sorted(table: pa.Table, name: str) -> pa.Table:
    keys = {
        "credits": ["credit_id"],
        "earnings": ["earning_id"],
        "measures": ["payee_id", "measure_id", "period_label"],
        "component_totals": ["payee_id", "period_label", "component_id"],
    }[name]
    return table.sort_by([(k, "ascending") for k in keys])


def _same_results(plan_path: Path, data: Path) -> tuple[pa.Table, pa.Table]:
    plan = load_plan(plan_path)
    in_place = load_folder(data)
    assert in_place.file("transaction") is not None and in_place.file("opportunity_split") is not None
    read = load_folder(data, in_place=False)
    assert read.file("transaction") is None
    a, b = calculate(in_place, [plan], PERIODS), calculate(read, [plan], PERIODS)
    for name in OUTPUTS:
        assert _sorted(getattr(a, name), name).equals(_sorted(getattr(b, name), name)), name
    assert [str(i) for i in a.issues] == [str(i) for i in b.issues]
    return a.credits, in_place["transaction"]


def test_typed_parquet_with_source_lines_is_read_in_place_with_the_same_results(parquet_folder):
    plan_path, data = parquet_folder
    found = checked_file("transaction", data / "transaction.parquet")
    assert found is not None and not found.numbered and found.rows == 4
    credits, transactions = _same_results(plan_path, data)
    assert set(credits.column("source_file").to_pylist()) == {"transaction.csv"}
    assert transactions.equals(load_folder(data, in_place=False)["transaction"])


def test_a_file_without_source_lines_numbers_its_rows_and_fills_defaults(parquet_folder):
    plan_path, data = parquet_folder
    path = data / "transaction.parquet"
    table = pq.read_table(path).drop_columns(["source_file", "source_line"])
    nulls = pa.nulls(table.num_rows)
    for column in ("currency", "quantity", "kind"):  # defaults: USD, 1, booking
        at = table.schema.get_field_index(column)
        kept = table.column(column) if column == "kind" else nulls.cast(table.schema.field(column).type)
        if column == "kind":  # the bookings lose their kind, the cancellation keeps it
            kept = pc.if_else(pc.equal(kept, "booking"), pa.scalar(None, pa.string()), kept)
        table = table.set_column(at, column, kept)
    pq.write_table(table, path)
    found = checked_file("transaction", path)
    assert found is not None and found.numbered
    credits, transactions = _same_results(plan_path, data)
    assert transactions.column("source_line").to_pylist() == [1, 2, 3, 4]
    assert set(transactions.column("currency").to_pylist()) == {"USD"}
    lines = dict(zip(credits.column("transaction_id").to_pylist(), credits.column("source_line").to_pylist(),
                     strict=True))
    assert lines["t1"] == 1 and lines["c1"] == 4
    assert set(credits.column("source_file").to_pylist()) == {"transaction.parquet"}


def test_a_bad_choice_falls_back_to_the_ordinary_reader_and_its_row_level_error(parquet_folder):
    _, data = parquet_folder
    path = data / "transaction.parquet"
    table = pq.read_table(path).drop_columns(["source_file", "source_line"])
    kinds = table.column("kind").to_pylist()
    kinds[2] = "refund"
    table = table.set_column(table.schema.get_field_index("kind"), "kind", pa.array(kinds))
    pq.write_table(table, path)
    assert checked_file("transaction", path) is None
    with pytest.raises(AttainError) as caught:
        load_folder(data)
    issue = caught.value.issues[0]
    assert issue.code == "CALC001" and issue.source is not None and issue.source.line == 3


def test_untyped_or_incomplete_files_are_read_the_ordinary_way(parquet_folder):
    _, data = parquet_folder
    path = data / "transaction.parquet"
    table = pq.read_table(path)
    pq.write_table(table.set_column(3, "amount", pc.cast(table.column("amount"), pa.string())), path)
    assert checked_file("transaction", path) is None
    pq.write_table(table.drop_columns(["owner_id"]), path)
    assert checked_file("transaction", path) is None
    pq.write_table(table, path)
    required = table.set_column(0, "transaction_id", pa.array([None, "t2", "t3", "c1"], pa.string()))
    pq.write_table(required, path)
    assert checked_file("transaction", path) is None
    with pytest.raises(AttainError) as caught:
        load_folder(data)
    assert caught.value.issues[0].code == "CALC002"


def test_an_output_folder_keeps_credits_and_earnings_in_the_executors_files(parquet_folder, tmp_path):
    plan_path, data = parquet_folder
    plan, inputs = load_plan(plan_path), load_folder(data)
    memory = calculate(inputs, [plan], PERIODS)
    out = tmp_path / "out"
    written = calculate(inputs, [plan], PERIODS, CalcOptions(output_dir=out))
    assert written.files == {
        "credits": out / "credits.parquet",
        "transactions": out / "transactions.parquet",
        "earnings": out / "earnings.parquet",
    }
    narrow = pq.read_table(out / "credits.parquet")
    assert "txn_no" in narrow.column_names and "source_line" not in narrow.column_names
    assert memory.files == {}
    for name in OUTPUTS:
        assert written.rows(name) == memory.rows(name) == getattr(memory, name).num_rows
        assert _sorted(getattr(written, name), name).equals(_sorted(getattr(memory, name), name)), name
    assert inputs.rows("transaction") == 4
