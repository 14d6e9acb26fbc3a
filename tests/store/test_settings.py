"""Settings: read once from ATTAIN_* variables, with a home folder and a generated secret key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from attain.settings import get_settings


def test_defaults_live_in_the_home_folder(attain_home: Path) -> None:
    settings = get_settings()
    assert settings.home == attain_home.resolve()
    assert settings.database_url == f"sqlite:///{attain_home.resolve() / 'attain.db'}"
    secret = attain_home / "secret_key"
    assert secret.read_text().strip() == settings.secret_key and len(settings.secret_key) >= 40
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_the_secret_is_generated_once_and_settings_are_cached(attain_home: Path) -> None:
    first = get_settings()
    assert get_settings() is first
    get_settings.cache_clear()
    assert get_settings().secret_key == first.secret_key


def test_environment_overrides(attain_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTAIN_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("ATTAIN_SECRET_KEY", "s3cret")
    get_settings.cache_clear()
    settings = get_settings()
    assert (settings.database_url, settings.secret_key) == ("postgresql+psycopg://u@h/db", "s3cret")
    assert not (attain_home / "secret_key").exists()
