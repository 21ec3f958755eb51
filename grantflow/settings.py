"""Settings from the environment (prefix GRANTFLOW_) or a `.env` file; secrets stay masked."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.redaction import url_secrets


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRANTFLOW_", env_file=".env", extra="ignore")

    # SQLite by default; postgresql+psycopg://user:password@host/db for scale. May hold a password.
    database_url: SecretStr = SecretStr("sqlite:///.grantflow/grantflow.db")
    # Apprise URL of the e-mail channel, e.g. mailtos://user:password@smtp.example.fi?from=grantflow@example.fi
    email_url: SecretStr | None = None
    state_dir: Path = Path(".grantflow")
    actor: str = "grantflow"

    def secrets(self) -> list[str]:
        """Every value that must be masked wherever text could reach a person, a log or a table."""
        found = url_secrets(self.database_url.get_secret_value())
        if self.email_url is not None:
            found += url_secrets(self.email_url.get_secret_value())
        return found


def get_settings() -> Settings:
    return Settings()
