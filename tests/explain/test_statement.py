"""Statements: every line of a payee's pay explains itself, and the CLI prints it (text and JSON)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from attain.cli.main import app
from attain.core.errors import AttainError
from attain.engine.filemode import calculate_folder
from attain.explain.statement import build_statement, statement_json
from tests.engine.test_end_to_end import FILES, PLAN_YAML


@pytest.fixture
def folder(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    data.mkdir()
    for name, text in FILES.items():
        (data / name).write_text(text)
    plan_path = tmp_path / "plan.yaml"
    plan_path.write_text(PLAN_YAML)
    return plan_path, data


def test_a_statement_links_each_commission_to_its_deal_source_and_tier(folder):
    plan_path, data = folder
    statement = build_statement(calculate_folder([plan_path], data, ["2025-Q1"]), "ann", "2025-Q1")
    assert (statement.plan_id, statement.plan_version, statement.total) == ("ae", 1, Decimal("180"))
    [section] = statement.components
    deals = [
        (
            ln.credit["transaction_id"],
            ln.credit["source_line"],
            ln.credit["share"],
            ln.earning["tier_index"],
            ln.earning["amount"],
        )
        for ln in section.lines
    ]
    assert deals == [("t1", 2, Decimal("1"), 1, Decimal("50")), ("t2", 3, Decimal("0.6"), 2, Decimal("130"))]
    assert statement.measures[0]["value"] == Decimal("2800")


def test_nothing_calculated_is_an_error_not_an_empty_statement(folder):
    plan_path, data = folder
    with pytest.raises(AttainError) as caught:
        build_statement(calculate_folder([plan_path], data, ["2025-Q1"]), "nobody", "2025-Q1")
    assert caught.value.code == "CALC094"


def test_explain_command_prints_text_and_json(folder):
    plan_path, data = folder
    runner = CliRunner()
    text = runner.invoke(app, ["explain", "ann", "2025-Q1", "--data", str(data), "--plan", str(plan_path)])
    assert text.exit_code == 0, text.output
    assert "transaction.csv:3" in text.output and "130.00" in text.output and "Total: 180.00" in text.output
    raw = runner.invoke(
        app, ["explain", "ann", "2025-Q1", "--data", str(data), "--plan", str(plan_path), "--json"]
    )
    data_out = json.loads(raw.output)
    assert data_out["total"] == "180.0000000000"
    assert (
        statement_json is not None
        and data_out["components"][0]["lines"][1]["credit"]["share"] == "0.6000000000"
    )


def test_calc_command_writes_the_outputs(folder, tmp_path):
    plan_path, data = folder
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "calc",
            str(plan_path),
            "--data",
            str(data),
            "--period",
            "2025-Q1",
            "--period",
            "2025-Q2",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (out / "earnings.parquet").exists() and (out / "component_totals.csv").exists()


def test_calc_command_reports_bad_input_with_lines(folder, tmp_path):
    plan_path, data = folder
    (data / "transaction.csv").write_text("transaction_id,date,amount\nt1,2025-02-30,5\n")
    result = CliRunner().invoke(
        app,
        ["calc", str(plan_path), "--data", str(data), "--period", "2025-Q1", "--out", str(tmp_path / "out")],
    )
    assert result.exit_code == 1
    assert "transaction.csv:2" in result.output and "CALC001" in result.output
