"""CLI commands: attain plan check | schema | publish | list (plan documents)."""

from __future__ import annotations

import csv
import getpass
import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from attain.core.errors import Issue

plan_app = typer.Typer(
    help="Plan documents: check them, publish versions, print the schema.", no_args_is_help=True
)
console = Console(width=None if sys.stdout.isatty() else 120)

DATABASE_URL_OPTION = typer.Option(
    None,
    "--database-url",
    envvar="ATTAIN_DATABASE_URL",
    help="SQLAlchemy URL (default: sqlite file in ATTAIN_HOME)",
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `attain` app."""
    app.add_typer(plan_app, name="plan")
    plan_app.command("check")(check_command)
    plan_app.command("schema")(schema_command)
    plan_app.command("publish")(publish_command)
    plan_app.command("list")(list_command)
    plan_app.command("show")(show_command)


def _url(database_url: str | None) -> str:
    if database_url:
        return database_url
    from attain.settings import get_settings

    return get_settings().database_url


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


def _quota_names(path: Path | None) -> set[str] | None:
    if path is None:
        return None
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["measure"] for row in csv.DictReader(handle) if row.get("measure")}


PLAN_SUFFIXES = (".yaml", ".yml", ".json")


def _plan_files(paths: list[Path]) -> list[Path]:
    """The files named, with folders expanded to the plan files they hold (sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in PLAN_SUFFIXES)
        else:
            files.append(path)
    return files


def _issue_json(issue: Issue) -> dict[str, object]:
    return {
        "file": issue.source.file,
        "line": issue.source.line,
        "code": issue.code,
        "severity": issue.severity.value,
        "message": issue.message,
        "record": issue.record,
    }


def check_command(
    files: list[Path] = typer.Argument(..., help="Plan files (YAML or JSON) or folders of them"),
    quotas: Path | None = typer.Option(
        None, "--quotas", help="quota.csv: warn when an attainment component's measure has no quota"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the problems as a JSON list"),
) -> None:
    """Check plan files: print `file:line: [CODE] message` for every problem; exit 1 on any error."""
    from attain.plans.validate import check_plan

    known = _quota_names(quotas)
    found: list[Issue] = []
    for path in _plan_files(files):
        issues = check_plan(path, known).issues
        found += issues
        if not as_json:
            for issue in issues:
                typer.echo(f"{issue}" + ("" if issue.is_error else f" ({issue.severity.value})"))
            errors = sum(1 for issue in issues if issue.is_error)
            summary = "OK" if not issues else f"{errors} error(s), {len(issues) - errors} warning(s)"
            typer.echo(f"{path}: {summary}", err=True)
    if as_json:
        typer.echo(json.dumps([_issue_json(issue) for issue in found], indent=2))
    raise typer.Exit(1 if any(issue.is_error for issue in found) else 0)


def schema_command(
    out: Path | None = typer.Option(None, "--out", help="Write the JSON Schema here (else print it)"),
) -> None:
    """Print (or write) the JSON Schema of plan documents, generated from the plan models."""
    from attain.plans.jsonschema import plan_json_schema

    text = json.dumps(plan_json_schema(), indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out}", err=True)


def publish_command(
    file: Path = typer.Argument(..., help="The plan file to publish"),
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """Check and publish a plan version (immutable from then on; a change is a new version)."""
    from attain.core.errors import AttainError
    from attain.services.plans import publish_file

    try:
        result = publish_file(_url(database_url), file, _actor())
    except AttainError as exc:
        for issue in exc.issues:
            typer.echo(str(issue))
        typer.echo(f"not published: {exc}", err=True)
        raise typer.Exit(1) from None
    for issue in result.warnings:
        typer.echo(f"{issue} (warning)")
    verb = "published" if result.outcome == "published" else "already published, unchanged:"
    typer.echo(f"{verb} plan {result.plan_id} version {result.version}")


def list_command(
    plan_id: str | None = typer.Argument(None, help="Only this plan's versions"),
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """List stored plan versions with their status and effective dates."""
    from attain.services.plans import COMMAND_LINE, list_plan_versions

    versions = list_plan_versions(_url(database_url), COMMAND_LINE, plan_id)
    table = Table("plan", "version", "status", "effective from", "effective to", "published by")
    for v in versions:
        table.add_row(
            v.plan_id,
            str(v.version),
            v.status,
            str(v.effective_from or ""),
            str(v.effective_to or ""),
            v.published_by or "",
        )
    console.print(table if versions else "no plan versions stored yet")


def show_command(
    plan_id: str = typer.Argument(..., help="The plan id"),
    version: int | None = typer.Option(None, "--version", help="This version (default: latest published)"),
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """Print a stored plan version exactly as it was published."""
    from attain.core.errors import AttainError
    from attain.services.plans import COMMAND_LINE, stored_document

    try:
        stored = stored_document(_url(database_url), COMMAND_LINE, plan_id, version)
    except AttainError as exc:
        typer.echo(f"[{exc.code}] {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"# {stored.plan_id} version {stored.version} ({stored.status}, sha256 {stored.sha256[:12]})")
    typer.echo(stored.document, nl=not stored.document.endswith("\n"))
