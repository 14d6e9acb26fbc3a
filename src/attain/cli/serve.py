"""CLI commands: attain serve (the web app and the REST API, with uvicorn)."""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port."),
    proxy_headers: bool = typer.Option(
        False, help="Trust X-Forwarded-Proto/For from 127.0.0.1 (behind a TLS-terminating proxy)."),
    workers: int = typer.Option(
        1, min=1, max=64,
        help="Worker processes (each keeps its own page cache; jobs and sessions live in the store)."),
) -> None:
    """Serve the web app and the REST API (/api/v1, OpenAPI at /api/v1/openapi.json)."""
    import uvicorn
    from fastapi import FastAPI

    from attain.api.app import create_app
    from attain.settings import get_settings

    settings = get_settings()
    typer.echo(f"Attain on http://{host}:{port} (database: {_redacted(settings.database_url)})")
    # more than one worker: each process builds the app from the same environment settings
    app: FastAPI | str = create_app(settings) if workers == 1 else "attain.api.app:create_app"
    uvicorn.run(app, factory=workers > 1, workers=workers, host=host, port=port,
                proxy_headers=proxy_headers, forwarded_allow_ips="127.0.0.1", server_header=False,
                log_level="info")


def _redacted(url: str) -> str:
    """The database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `attain` app."""
    app.command("serve")(serve)
