"""`attain calc --executor spark` writes the same files as the embedded run; a wrong name is refused."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from attain.cli.main import app
from tests.test_scenarios import ALL

runner = CliRunner()
SCENARIO = next(s for s in ALL if s.name == "p5_retroactive_vs_marginal")


def _calc(out: Path, *extra: str) -> None:
    args = ["calc", *map(str, SCENARIO.plan_paths), "--data", str(SCENARIO.data_dir), "--out", str(out)]
    args += [item for period in SCENARIO.periods for item in ("--period", period)]
    result = runner.invoke(app, [*args, "--threads", "2", *extra])
    assert result.exit_code == 0, result.output


@pytest.mark.usefixtures("spark_context")
def test_calc_on_spark_writes_what_the_embedded_run_writes(tmp_path: Path) -> None:
    _calc(tmp_path / "duckdb")
    _calc(tmp_path / "spark", "--executor", "spark")
    for name in ("component_totals", "measures"):
        embedded = pq.read_table(tmp_path / "duckdb" / f"{name}.parquet")
        assert pq.read_table(tmp_path / "spark" / f"{name}.parquet").equals(embedded), name
    assert (tmp_path / "spark" / "issues.csv").read_text() == (tmp_path / "duckdb" / "issues.csv").read_text()


def test_an_unknown_executor_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "calc",
            *map(str, SCENARIO.plan_paths),
            "--data",
            str(SCENARIO.data_dir),
            "--out",
            str(tmp_path),
            "--period",
            SCENARIO.periods[0],
            "--executor",
            "sparkle",
        ],
    )
    assert result.exit_code == 2  # a usage error, before anything runs
    assert "--executor" in result.output
