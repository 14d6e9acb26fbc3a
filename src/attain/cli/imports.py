"""CLI commands: attain import, attain demo (ingest)."""

from __future__ import annotations

import csv
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from attain.core.errors import AttainError, Issue

if TYPE_CHECKING:
    from attain.services.imports import ImportReport

console = Console(width=None if sys.stdout.isatty() else 120)
SHOWN_ERRORS = 50
"""Row errors printed on screen; --errors-csv writes them all."""


def _database_url(url: str | None) -> str:
    if url:
        return url
    from attain.settings import get_settings

    return get_settings().database_url


def _require_schema(url: str) -> None:
    """Stop with DB007 when the database has no Attain schema yet (before reading any file)."""
    from attain.store.db import current_revision
    from attain.store.errors import NOT_MIGRATED

    if current_revision(url) is None:
        console.print(f"[red]\\[{NOT_MIGRATED}][/red] the database has no Attain schema: run `attain init`.")
        raise typer.Exit(1)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `attain` app."""
    app.command("import")(import_command)
    app.command("demo")(demo_command)


def import_command(
    kind: str = typer.Argument(..., help="What the file holds: payee, transaction, ... or 'folder'"),
    file: Path = typer.Argument(..., help="CSV or XLSX file (or a folder of <entity>.csv files)"),
    mapping: Path | None = typer.Option(None, "--mapping", "-m", help="Column mapping YAML file"),
    errors_csv: Path | None = typer.Option(None, "--errors-csv", help="Write every row error to this CSV"),
    sheet: str | None = typer.Option(None, "--sheet", help="XLSX worksheet (default: the first)"),
    database_url: str | None = typer.Option(None, "--database-url", envvar="ATTAIN_DATABASE_URL"),
) -> None:
    """Import a file whole or not at all; on errors print every rejected row and exit 1."""
    from attain.services.imports import import_file, import_folder

    url = _database_url(database_url)
    _require_schema(url)
    with _progress() as progress:
        steps = None if kind == "folder" else len(STEPS)
        task = progress.add_task(f"{kind} ← {file.name}", total=steps)

        def tell(step: str) -> None:
            done = STEPS.index(step) if step in STEPS and steps else None
            progress.update(task, description=f"{kind} ← {file.name}: {step}", completed=done)

        if kind == "folder":
            reports = import_folder(url, file, actor=_actor(), progress=tell)
        else:
            reports = [import_file(url, kind, file, mapping, actor=_actor(), sheet=sheet, progress=tell)]
    _print_summary(reports)
    issues = [issue for report in reports for issue in report.issues]
    if errors_csv is not None and issues:
        write_errors_csv(errors_csv, issues)
        console.print(f"Every error is in [bold]{errors_csv}[/bold].")
    if not all(report.imported for report in reports):
        _print_errors(issues)
        console.print("[red bold]Nothing was imported.[/red bold] Fix the rows above and import again.")
        raise typer.Exit(1)


STEPS = ("reading", "mapping", "validating", "writing", "done")
"""The steps of one import, as ``import_file`` reports them (the bar advances one step at a time)."""


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                    console=console, transient=True)


def _print_summary(reports: list[ImportReport]) -> None:
    table = Table(title="Import")
    headers = ("entity", "file", "result", "rows", "created", "updated", "unchanged", "rejected", "s")
    for name in headers:
        left = name in ("entity", "file", "result")
        table.add_column(name, justify="left" if left else "right", no_wrap=True)
    for r in reports:
        result = "[green]ok[/green]" if r.imported else "[red]refused[/red]"
        table.add_row(r.entity, Path(r.file).name, result, f"{r.rows_selected:,}", f"{r.created:,}",
                      f"{r.updated:,}", f"{r.unchanged:,}", f"{r.rejected_rows:,}", f"{r.seconds:.2f}")
    console.print(table)


def _print_errors(issues: list[Issue]) -> None:
    if not issues:
        return
    table = Table(title=f"Row errors ({len(issues):,})")
    for name in ("line", "column", "value", "code", "message"):
        table.add_column(name, overflow="fold")
    for issue in issues[:SHOWN_ERRORS]:
        line = "" if issue.source.line is None else str(issue.source.line)
        table.add_row(line, issue.source.column or "", issue.value or "", issue.code, issue.message)
    console.print(table)
    if len(issues) > SHOWN_ERRORS:
        console.print(f"… and {len(issues) - SHOWN_ERRORS:,} more (use --errors-csv to get them all).")


def write_errors_csv(path: Path, issues: list[Issue]) -> None:
    """Every issue as one CSV row: file, line, column, value, code, message."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "line", "column", "value", "code", "message"])
        writer.writerows(
            [i.source.file or "", i.source.line or "", i.source.column or "", i.value or "", i.code,
             i.message] for i in issues
        )


def _synthetic_company(out: Path | None, payees: int, transactions: int, seed: int, year: int) -> None:
    """Write the synthetic company and say where it is."""
    from attain.services.synthetic import generate_company
    from attain.settings import get_settings

    folder = out if out is not None else get_settings().home / "synthetic"
    with _progress() as progress:
        progress.add_task(f"synthetic company: {payees:,} payees, {transactions:,} transactions", total=None)
        generate_company(folder, payees=payees, transactions=transactions, seed=seed, year=year)
    files = sorted(p.name for p in folder.glob("*.parquet"))
    console.print(f"[green]Synthetic company written[/green] to {folder}: {', '.join(files)}")


def demo_command(
    data: Path | None = typer.Option(None, "--data", help="Maven CRM dataset folder (default: shared dir)"),
    database_url: str | None = typer.Option(None, "--database-url", envvar="ATTAIN_DATABASE_URL"),
    synthetic: bool = typer.Option(
        False, "--synthetic", help="Instead: write a seeded synthetic company as Parquet files (benchmarks)"
    ),
    payees: int = typer.Option(10_000, "--payees", min=1, help="--synthetic: number of payees"),
    transactions: int = typer.Option(5_000_000, "--transactions", min=1, help="--synthetic: transactions"),
    seed: int = typer.Option(7, "--seed", help="--synthetic: random seed (same seed, same company)"),
    year: int = typer.Option(2025, "--year", help="--synthetic: the calendar year of the transactions"),
    out: Path | None = typer.Option(None, "--out", help="--synthetic: folder (default <home>/synthetic)"),
) -> None:
    """Load the sample company (MavenTech) through the importers; running it again changes nothing.

    With --synthetic, write a seeded synthetic company of any size instead, as Parquet files in the
    entity layout that `attain calc --data DIR` and the benchmarks read.
    """
    if synthetic:
        _synthetic_company(out, payees, transactions, seed, year)
        return
    from attain.services.demo import load_demo

    url = _database_url(database_url)
    _require_schema(url)
    try:
        with _progress() as progress:
            task = progress.add_task("sample company", total=None)

            def tell(step: str) -> None:
                progress.update(task, description=f"sample company: {step}")

            result = load_demo(url, data, actor=_actor(), progress=tell)
    except AttainError as exc:
        console.print(f"[red bold]The sample company was not loaded:[/red bold] {exc}")
        _print_errors(exc.issues)
        raise typer.Exit(1) from exc
    _print_summary(result.reports)
    if result.plans:
        console.print(f"Plans: {', '.join(result.plans)}")
    if result.users:
        console.print(f"Demo users: {', '.join(result.users)} (passwords in docs/importing.md; demo only).")
    if not result.ok:
        _print_errors([i for r in result.reports for i in r.issues])
        raise typer.Exit(1)
    console.print(f"[green]Sample company loaded[/green]: {result.summary()}")
