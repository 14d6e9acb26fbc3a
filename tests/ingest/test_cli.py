"""`attain import` on the command line: a summary when it works, every row error and exit 1 when not."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from attain.cli.main import app

DATA = Path(__file__).parent / "data"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_import_prints_a_summary_and_refuses_bad_files_with_a_table_and_a_csv(migrated_url: str,
                                                                               tmp_path: Path) -> None:
    for entity in ("payee", "product", "account"):
        code, output = run("import", entity, str(DATA / f"{entity}.csv"), "--database-url", migrated_url)
        assert code == 0, output

    code, output = run("import", "transaction", str(DATA / "transaction.csv"), "--database-url", migrated_url)
    assert code == 0 and "transaction.csv" in output and "ok" in output

    out = tmp_path / "errors.csv"
    code, output = run("import", "transaction", str(DATA / "transaction_bad.csv"), "--database-url",
                       migrated_url, "--errors-csv", str(out))

    assert code == 1
    assert "Nothing was imported" in output and "IMP021" in output and "2017-13-01" in output
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 15
    assert rows[0]["line"] == "3" and rows[0]["code"] == "IMP011" and rows[0]["value"] == "2017-13-01"


def test_import_with_a_mapping_file(migrated_url: str) -> None:
    mappings = Path(__file__).resolve().parents[2] / "examples" / "mappings"
    code, output = run("import", "payee", str(DATA / "salesforce_opportunities.csv"), "--mapping",
                       str(mappings / "salesforce-payee.yaml"), "--database-url", migrated_url)
    assert code == 0, output
    code, output = run("import", "payee", str(DATA / "salesforce_opportunities.csv"), "--mapping",
                       str(mappings / "salesforce-account.yaml"), "--database-url", migrated_url)
    assert code == 1 and "IMP003" in output and "not payee" in output


def test_import_into_a_database_without_schema_says_run_attain_init(db_url: str) -> None:
    code, output = run("import", "payee", str(DATA / "payee.csv"), "--database-url", db_url)
    assert code == 1 and "DB007" in output and "attain init" in output


def test_demo_synthetic_writes_a_seeded_company_the_engine_can_read(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    out_a, out_b = tmp_path / "a", tmp_path / "b"
    for out in (out_a, out_b):
        code, output = run("demo", "--synthetic", "--payees", "40", "--transactions", "500",
                           "--out", str(out))
        assert code == 0, output
    assert "Synthetic company written" in output
    transactions = pq.read_table(out_a / "transaction.parquet")
    assert transactions.num_rows == 500
    assert set(pq.read_table(out_a / "payee.parquet").column("payee_id").to_pylist()) >= set(
        transactions.column("owner_id").drop_null().to_pylist()
    )
    assert transactions.equals(pq.read_table(out_b / "transaction.parquet"))  # same seed, same company
