"""The ``attain`` command line: one Typer app; each sibling module registers its own commands."""

from __future__ import annotations

from typing import Any

import typer

from attain.cli import analytics, calc, db, imports, plan, planning, runs, serve

SCHEMA_MISSING = ("no such table", "UndefinedTable", "does not exist")
"""Words of SQLite's and PostgreSQL's errors for a table that is not there."""


class AttainApp(typer.Typer):
    """The Typer app, with one safety net: a command run against a database that has no Attain
    schema (not initialized, or older than this Attain) stops with DB007 and what to run, instead of
    a driver traceback ("no such table: office")."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except Exception as exc:
            missing = _missing_table(exc)
            if missing is None:
                raise
            from rich.console import Console
            from rich.markup import escape

            from attain.store.errors import NOT_MIGRATED

            Console(stderr=True).print(
                f"[red]{escape(f'[{NOT_MIGRATED}]')}[/] the database has no Attain schema or an older one "
                f"({escape(missing)}): run `attain init` (a new database) or `attain db upgrade`."
            )
            raise SystemExit(1) from None


DRIVERS = ("sqlite3", "psycopg", "sqlalchemy", "adbc_driver")
"""Modules whose exceptions are the database's (a folder that 'does not exist' is not one)."""


def _missing_table(exc: BaseException) -> str | None:
    """The driver's first line when ``exc`` (or what caused it) says a table is not there."""
    seen: BaseException | None = exc
    while seen is not None:
        text = str(seen).strip()
        if type(seen).__module__.startswith(DRIVERS) and any(w in text for w in SCHEMA_MISSING):
            return text.splitlines()[0] if text else type(seen).__name__
        seen = seen.__cause__ or seen.__context__
    return None


app = AttainApp(help="Attain — exact, explainable, fast incentive pay.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """Attain — exact, explainable, fast incentive pay."""


@app.command()
def version() -> None:
    """Print Attain's version."""
    from attain import __version__

    typer.echo(__version__)


for _module in (db, imports, plan, calc, serve, runs, analytics, planning):
    _module.register(app)

if __name__ == "__main__":
    app()
