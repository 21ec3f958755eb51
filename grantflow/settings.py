"""Settings from the environment (prefix GRANTFLOW_) or a `.env` file; secrets stay masked."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRANTFLOW_", env_file=".env", extra="ignore")

    # SQLite by default; postgresql+psycopg://user:password@host/db for scale. May hold a password.
    database_url: SecretStr = SecretStr("sqlite:///.grantflow/grantflow.db")
    # Apprise URL of the e-mail channel, e.g. mailtos://user:password@smtp.example.fi?from=grantflow@example.fi
    email_url: SecretStr | None = None
    state_dir: Path = Path(".grantflow")
    actor: str = "grantflow"


def get_settings() -> Settings:
    return Settings()
