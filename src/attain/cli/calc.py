"""CLI commands: attain calc (file mode, outputs to a folder) and attain explain (a payee's statement)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from attain.core.errors import AttainError


def _console() -> Console:
    return Console(width=None if sys.stdout.isatty() else 140)


def _errors() -> Console:
    return Console(stderr=True, width=None if sys.stderr.isatty() else 140)


STAGES = ("inputs", "credit", "measure", "earn", "outputs")


def _executor_name(value: str) -> str:
    """--executor / ATTAIN_EXECUTOR: duckdb or spark."""
    if value not in ("duckdb", "spark"):
        raise typer.BadParameter(f"{value!r}: use duckdb or spark")
    return value


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `attain` app."""
    app.command("calc")(calc_command)
    app.command("explain")(explain_command)


def _fail(exc: AttainError) -> None:
    errors = _errors()
    errors.print(f"[red]error[/red] [{exc.code}] {exc}")
    for issue in exc.issues[:50]:
        errors.print(f"  {issue}")
    if len(exc.issues) > 50:
        errors.print(f"  … {len(exc.issues) - 50} more")
    raise typer.Exit(1)


def calc_command(
    plans: list[Path] = typer.Argument(..., help="Plan YAML files (all versions in force)", exists=True),
    data: Path = typer.Option(
        ..., "--data", help="Folder of <entity>.csv / <entity>.parquet files", exists=True, file_okay=False
    ),
    period: list[str] = typer.Option(..., "--period", help="Pay period label, e.g. 2017-Q1 (repeatable)"),
    out: Path = typer.Option(..., "--out", help="Folder for credits/measures/earnings/totals (CSV+Parquet)"),
    threads: int | None = typer.Option(None, help="Executor threads (default: all cores)"),
    executor: str = typer.Option("duckdb", "--executor", envvar="ATTAIN_EXECUTOR",
                                 callback=_executor_name, help="duckdb (embedded) or spark"),
    cluster_url: str | None = typer.Option(None, "--cluster-url", envvar="ATTAIN_SPARK_URL",
                                           help="Spark master, e.g. spark://host:7077 (default: local mode)"),
) -> None:
    """Calculate the periods (from the start of their fiscal year) and write the outputs."""
    from attain.engine import CalcOptions
    from attain.engine.filemode import calculate_folder, write_result

    console, errors = _console(), _errors()
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=errors, transient=True) as progress:
        task = progress.add_task("starting", total=len(STAGES))

        def advance(stage: str) -> None:
            done = next((i for i, s in enumerate(STAGES) if stage.startswith(s)), 0)
            progress.update(task, completed=done, description=stage)

        try:
            options = CalcOptions(threads=threads, executor=executor, cluster_url=cluster_url or None)
            result = calculate_folder(plans, data, period, options, progress=advance)
            written = write_result(result, out)
        except AttainError as exc:
            _fail(exc)
            return
        progress.update(task, completed=len(STAGES), description="done")
    console.print(
        f"{result.credits.num_rows:,} credits, {result.earnings.num_rows:,} earning lines, "
        f"{result.component_totals.num_rows:,} component totals → {out}"
    )
    console.print(f"{len(written)} files written; {len(result.issues)} issue(s) in {out / 'issues.csv'}")
    for issue in result.issues[:10]:
        errors.print(f"  {issue}")


def explain_command(
    payee: str = typer.Argument(..., help="Payee id"),
    period: str = typer.Argument(..., help="Pay period label, e.g. 2017-Q1"),
    data: Path = typer.Option(..., "--data", help="Folder of entity files", exists=True, file_okay=False),
    plan: list[Path] = typer.Option(..., "--plan", help="Plan YAML file (repeatable)", exists=True),
    as_json: bool = typer.Option(False, "--json", help="Print the statement as JSON"),
) -> None:
    """Explain what a payee earned in a period: each deal, its credit and its commission."""
    from attain.engine.filemode import calculate_folder
    from attain.explain.render import render_statement
    from attain.explain.statement import build_statement, statement_json

    try:
        result = calculate_folder(plan, data, [period])
        statement = build_statement(result, payee, period)
    except AttainError as exc:
        _fail(exc)
        return
    if as_json:
        typer.echo(json.dumps(statement_json(statement), indent=2))
    else:
        render_statement(statement, _console())
