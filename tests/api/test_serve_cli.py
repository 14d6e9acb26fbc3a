"""`attain serve` is registered with its options and hands uvicorn the app built from the settings."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from attain.cli.main import app


def test_serve_is_a_command_with_host_and_port() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--host" in result.output and "--port" in result.output and "--proxy-headers" in result.output


def test_serve_runs_uvicorn_on_loopback_by_default(monkeypatch: pytest.MonkeyPatch, attain_home) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda application, **options: calls.append(
        {"app": application, **options}))
    monkeypatch.setenv("ATTAIN_DATABASE_URL", "postgresql+psycopg://attain:s3cret@db.example/attain")
    result = CliRunner().invoke(app, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output  # the password is not printed
    (call,) = calls
    assert call["host"] == "127.0.0.1" and call["port"] == 8123 and call["proxy_headers"] is False
    assert call["app"].openapi_url == "/api/v1/openapi.json"


def test_serve_refuses_a_port_out_of_range() -> None:
    assert CliRunner().invoke(app, ["serve", "--port", "70000"]).exit_code != 0
