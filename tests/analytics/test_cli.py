"""`attain metrics` on the sample company: the table, the CSV and a clear error for a bad period."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from attain.cli.main import app


def test_metrics_by_manager_with_csv(sample_url: str, tmp_path: Path) -> None:
    target = tmp_path / "metrics.csv"
    result = CliRunner().invoke(app, ["metrics", "--by", "manager", "--database-url", sample_url,
                                      "--csv", str(target), "-m", "revenue", "-m", "win_rate"])
    assert result.exit_code == 0, result.output
    assert "Melvin Marxen" in result.output and "2,251,930.00" in result.output and "62.20%" in result.output
    rows = list(csv.DictReader(target.open()))
    melvin = {r["metric"]: r for r in rows if r["slice"] == "Melvin Marxen"}
    assert melvin["revenue"]["value"] == "2251930.00"
    assert (melvin["win_rate"]["numerator"], melvin["win_rate"]["denominator"]) == ("882", "1418")
    assert len(rows) == 12


def test_metrics_company_quarter_and_bad_period(sample_url: str) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["metrics", "--period", "2017-Q4", "--database-url", sample_url])
    assert result.exit_code == 0, result.output
    assert "2,802,496.00" in result.output and "2,982,255.00" in result.output  # Q4 and Q3 revenue
    bad = runner.invoke(app, ["metrics", "--period", "2017-Q9", "--database-url", sample_url])
    assert bad.exit_code == 2 and "ANA001" in bad.output


def test_forecast_by_manager(sample_url: str) -> None:
    result = CliRunner().invoke(app, ["forecast", "--period", "2017-Q4", "--as-of", "2017-11-15",
                                      "--database-url", sample_url])
    assert result.exit_code == 0, result.output
    assert "Melvin Marxen" in result.output and "2017-Q4 forecast as of 2017-11-15" in result.output
    assert "USD" in result.output  # each line names its currency (the sample company's deals are in USD)


def test_demo_surveys_give_the_sample_company_a_csat(sample_url: str, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "sample.db"
    shutil.copyfile(sample_url.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    runner = CliRunner()
    first = runner.invoke(app, ["demo-surveys", "--database-url", url])
    assert first.exit_code == 0 and "1,255 survey answers: 1,255 created" in first.output, first.output
    again = runner.invoke(app, ["demo-surveys", "--database-url", url])
    assert "0 created, 0 updated, 1,255 unchanged" in again.output
    target = tmp_path / "csat.csv"
    result = runner.invoke(app, ["metrics", "--database-url", url, "-m", "csat", "--csv", str(target)])
    assert result.exit_code == 0, result.output
    (row,) = list(csv.DictReader(target.open()))
    assert (row["value"], row["numerator"], row["denominator"]) == ("0.6741035857", "846", "1255")
