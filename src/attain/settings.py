"""Attain's configuration: one typed settings object read once from ATTAIN_* environment variables."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The checkout this package lives in (meaningful only when running from source)."""


def _read_or_create_secret(path: Path) -> str:
    """Return the secret stored at ``path``, creating it (owner-only) on first use."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    return secret


class Settings(BaseSettings):
    """Where Attain keeps its data and how it reaches its database (env prefix ``ATTAIN_``)."""

    model_config = SettingsConfigDict(env_prefix="ATTAIN_", extra="ignore")

    home: Path = Field(default=Path("var"), description="Folder where Attain keeps its data")
    database_url: str = Field(default="", description="SQLAlchemy URL; default sqlite file <home>/attain.db")
    secret_key: str = Field(default="", description="Signing key; default generated into <home>/secret_key")
    shared_dir: Path = Field(default=REPO_ROOT.parent / "shared", description="Sample datasets folder")
    executor: str = Field(default="duckdb", pattern="^(duckdb|spark)$",
                          description="Calculation executor: duckdb (embedded) or spark (docs/spark.md)")
    spark_url: str = Field(default="", description="Spark master for executor=spark (spark://host:7077); "
                           "empty: local mode on this machine's cores")

    # OpenID Connect sign-in (optional; off while oidc_issuer is empty). See docs/security.md.
    oidc_issuer: str = Field(default="", description="OpenID provider issuer URL (discovery is read from it)")
    oidc_client_id: str = Field(default="", description="Client id Attain is registered under")
    oidc_client_secret: str = Field(default="", description="Client secret (client_secret_basic)")
    oidc_scopes: str = Field(default="openid email profile", description="Scopes asked for ('openid' always)")
    oidc_user_claim: str = Field(default="email", pattern="^(email|preferred_username|sub)$",
                                 description="ID-token claim matched to an Attain user "
                                             "(email, preferred_username or sub)")
    oidc_create_users: bool = Field(
        default=False, description="Create unknown users with no access instead of refusing them")
    oidc_provider_name: str = Field(
        default="", description="Name on the sign-in button (default: issuer host)")
    oidc_redirect_url: str = Field(default="", description="Callback URL registered at the provider "
                                   "(default: <this server>/login/oidc/callback)")

    @property
    def oidc_enabled(self) -> bool:
        """True when an OpenID provider is configured (issuer and client id)."""
        return bool(self.oidc_issuer and self.oidc_client_id)

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        self.home = self.home.expanduser().resolve()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.home / 'attain.db'}"
        if not self.secret_key:
            self.secret_key = _read_or_create_secret(self.home / "secret_key")
        self.shared_dir = self.shared_dir.expanduser().resolve()
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once (call ``get_settings.cache_clear()`` to re-read)."""
    return Settings()
