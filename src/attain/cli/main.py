"""The ``attain`` command line: one Typer app; sub-commands live in sibling modules."""

from __future__ import annotations

import typer

app = typer.Typer(help="Attain — exact, explainable, fast incentive pay.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """Attain — exact, explainable, fast incentive pay."""


@app.command()
def version() -> None:
    """Print Attain's version."""
    from attain import __version__

    typer.echo(__version__)


if __name__ == "__main__":
    app()
