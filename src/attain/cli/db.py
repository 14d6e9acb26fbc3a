"""CLI commands: attain init, attain db upgrade|status, attain list KIND (store)."""

from __future__ import annotations

import sys
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console(width=None if sys.stdout.isatty() else 200)
"""Piped output is not wrapped at a terminal's width (tables of many columns stay readable)."""
db_app = typer.Typer(help="The database: upgrade it, see where it stands.", no_args_is_help=True)

DATABASE_URL_OPTION = typer.Option(None, "--database-url", envvar="ATTAIN_DATABASE_URL",
                                   help="SQLAlchemy URL (default: sqlite file in ATTAIN_HOME)")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `attain` app."""
    app.command("init")(init_command)
    app.add_typer(db_app, name="db")
    db_app.command("upgrade")(upgrade_command)
    db_app.command("status")(status_command)
    db_app.command("revision", hidden=True)(revision_command)
    app.command("list")(list_command)


def _url(database_url: str | None) -> str:
    if database_url:
        return database_url
    from attain.settings import get_settings

    return get_settings().database_url


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _upgrade(url: str) -> str | None:
    from attain.store.db import current_revision, upgrade

    upgrade(url)
    return current_revision(url)


def init_command(database_url: str | None = DATABASE_URL_OPTION) -> None:
    """Create the database (or bring it up to date) and say where the data lives."""
    from attain.settings import get_settings

    settings = get_settings()
    url = _url(database_url)
    revision = _upgrade(url)
    console.print(f"[green]Attain is ready[/] (schema revision {revision}).")
    console.print(f"  home:      {settings.home}")
    console.print(f"  database:  {_shown(url)}")
    console.print(f"  secret:    {settings.home / 'secret_key'} (keep it out of version control)")
    console.print(f"  samples:   {settings.shared_dir}")


def upgrade_command(database_url: str | None = DATABASE_URL_OPTION) -> None:
    """Apply every pending migration."""
    url = _url(database_url)
    console.print(f"{_shown(url)} is at schema revision {_upgrade(url)} (latest).")


def _require_migrated(url: str) -> str:
    from attain.store.db import current_revision
    from attain.store.errors import NOT_MIGRATED

    revision = current_revision(url)
    if revision is None:
        code = escape(f"[{NOT_MIGRATED}]")
        console.print(f"[red]{code}[/] {_shown(url)} has no Attain schema: run `attain init`.")
        raise typer.Exit(1)
    return revision


def status_command(database_url: str | None = DATABASE_URL_OPTION) -> None:
    """Show the schema revision and how many rows each table holds."""
    from sqlalchemy import func, select

    from attain.store.db import head_revision, reading
    from attain.store.tables import metadata

    url = _url(database_url)
    revision = _require_migrated(url)
    head = head_revision()
    behind = f"[yellow]behind (latest {head}): run `attain db upgrade`[/]"
    note = "[green]up to date[/]" if revision == head else behind
    console.print(f"{_shown(url)}: schema revision {revision}, {note}")
    table = Table("table", "rows", title="Row counts")
    with reading(url) as conn:
        for name in sorted(metadata.tables):
            count = conn.execute(select(func.count()).select_from(metadata.tables[name])).scalar_one()
            table.add_row(name, f"{count:,}")
    console.print(table)


def _parse_filters(where: list[str]) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    for item in where:
        name, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"expected FIELD=VALUE, got {item!r}", param_hint="--where")
        filters[name.strip()] = value
    return filters


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def list_command(
    kind: str = typer.Argument(..., help="Entity to list: payee, transaction, quota, ..."),
    limit: int = typer.Option(50, "--limit", "-n", min=1, help="Rows to show"),
    offset: int = typer.Option(0, "--offset", min=0, help="Rows to skip"),
    where: list[str] = typer.Option([], "--where", "-w", help="Filter FIELD=VALUE (repeatable)"),
    lineage: bool = typer.Option(False, "--lineage", help="Also show source file/line and import batch"),
    database_url: str | None = DATABASE_URL_OPTION,
) -> None:
    """Show records of an entity as a table, in business-key order (columns empty on the page are hidden)."""
    from attain.core.entities import ENTITIES
    from attain.core.errors import AttainError
    from attain.store.db import reading
    from attain.store.repos import count_rows, list_rows

    url = _url(database_url)
    _require_migrated(url)
    try:
        with reading(url) as conn:
            filters = _parse_filters(where)
            rows = list_rows(conn, kind, limit=limit, offset=offset, filters=filters)
            total = count_rows(conn, kind, filters)
    except AttainError as exc:
        hint = "" if kind in ENTITIES else f" (entities: {', '.join(sorted(ENTITIES))})"
        console.print(f"[red]{escape(f'[{exc.code}]')}[/] {escape(str(exc))}{hint}")
        raise typer.Exit(1) from exc
    columns = [c for c in ENTITIES[kind].names if any(row[c] is not None for row in rows)] or list(
        ENTITIES[kind].key)
    if lineage:
        columns += ["source_file", "source_line", "import_batch_id", "updated_at"]
    shown = f"{offset + 1 if rows else 0}-{offset + len(rows)}"
    table = Table(*columns, title=f"{kind}: rows {shown} of {total:,}")
    for row in rows:
        table.add_row(*(escape(_cell(row[c])) for c in columns))
    console.print(table)


def revision_command(message: str = typer.Argument(..., help="What the migration changes")) -> None:
    """(Developers) Autogenerate a migration from changes to attain.store.tables; review it."""
    import tempfile

    from attain.store.db import dispose_engine, new_revision

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/scratch.db"
        try:
            path = new_revision(message, url)
        finally:
            dispose_engine(url)
    console.print(f"New migration: {path} (check it on SQLite and PostgreSQL: pytest tests/store)")
