"""File mode: plan YAML files + a folder of entity CSV/Parquet in, output CSV/Parquet files out."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from attain.core.errors import AttainError, Issue, Source, register
from attain.engine.inputs import load_folder
from attain.engine.options import CalcOptions
from attain.engine.result import CalcResult
from attain.engine.run import Progress, calculate
from attain.plans.schema import PlanDocument

CALC092 = register("CALC092", "A plan file cannot be read as a plan document")

OUTPUT_TABLES = ("credits", "measures", "earnings", "component_totals")


def load_plan(path: Path) -> PlanDocument:
    """Read one plan document; a bad plan is an AttainError carrying its PLAN issues (file:line)."""
    from attain.plans.load import load_plan as load_with_lines

    loaded = load_with_lines(path)
    errors = [i for i in loaded.issues if i.is_error]
    if loaded.document is None or errors:
        issues = errors or [Issue(CALC092, f"{path.name} is not a valid plan", source=Source(file=str(path)))]
        raise AttainError(
            f"{path.name}: " + "; ".join(str(i) for i in issues[:5]), issues, code=issues[0].code
        )
    return loaded.document


def calculate_folder(
    plan_paths: list[Path],
    data_dir: Path,
    periods: list[str],
    options: CalcOptions | None = None,
    progress: Progress | None = None,
) -> CalcResult:
    """Load the plans and the folder's entity files, then calculate the periods."""
    plans = [load_plan(Path(p)) for p in plan_paths]
    return calculate(load_folder(Path(data_dir)), plans, periods, options, progress)


def write_result(result: CalcResult, out_dir: Path) -> list[Path]:
    """Write credits/measures/earnings/component_totals as CSV and Parquet, and issues.csv."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in OUTPUT_TABLES:
        table: pa.Table = getattr(result, name)
        pq.write_table(table, out_dir / f"{name}.parquet")
        pacsv.write_csv(table, out_dir / f"{name}.csv")
        written += [out_dir / f"{name}.parquet", out_dir / f"{name}.csv"]
    issues_path = out_dir / "issues.csv"
    with issues_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "severity", "message", "source", "record", "value"])
        for issue in result.issues:
            writer.writerow(
                [
                    issue.code,
                    issue.severity.value,
                    issue.message,
                    str(issue.source),
                    issue.record or "",
                    issue.value or "",
                ]
            )
    return [*written, issues_path]
