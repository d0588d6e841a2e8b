"""All settings in one place, read from the environment (prefix STATUT_) and never at import time.

Build a :class:`Settings` in the entry point (CLI command, application factory) and pass it down.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STATUT_", env_file=None, extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str = Field(
        default="sqlite:///var/statut.db",
        description="SQLAlchemy URL; SQLite is the embedded default, PostgreSQL (postgresql+psycopg://) production.",
    )
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 8000
    default_language: Literal["fr", "nl", "de", "en"] = "fr"
    # Identity: with no issuer configured the built-in development issuer is used (development only).
    oidc_issuer: str | None = None
    oidc_audience: str = "statut"
    oidc_jwks_url: str | None = None
    nats_url: str = "nats://127.0.0.1:4222"
    max_upload_bytes: int = 256 * 1024 * 1024
