"""The ``attain`` command line: one Typer app; each sibling module registers its own commands."""

from __future__ import annotations

import typer

from attain.cli import analytics, calc, db, imports, plan, planning, runs, serve

app = typer.Typer(help="Attain — exact, explainable, fast incentive pay.", no_args_is_help=True)


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
