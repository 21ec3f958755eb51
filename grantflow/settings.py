"""Settings from the environment (prefix GRANTFLOW_) or a `.env` file; secrets stay masked."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.redaction import url_secrets
from notifications.delivery import RetryPolicy

BLOCK_PREFIX = "prefect-secret:"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRANTFLOW_", env_file=".env", extra="ignore")

    # SQLite by default; postgresql+psycopg://user:password@host/db for scale. Either secret may instead
    # name a Prefect Secret block holding it: `prefect-secret:grantflow-database-url`.
    database_url: SecretStr = SecretStr("sqlite:///.grantflow/grantflow.db")
    # Apprise URL of the e-mail channel, e.g. mailtos://user:password@smtp.example.fi?from=grantflow@example.fi
    email_url: SecretStr | None = None
    actor: str = "grantflow"
    # Delivery from the outbox: attempts before a message is given up and reported to operators, the first
    # wait before a retry (doubling each time), how long a claim may stay unmarked before a sender counts
    # as dead, and how many messages are sent at once.
    delivery_max_attempts: int = Field(default=5, ge=1, le=50)
    delivery_retry_minutes: float = Field(default=5, gt=0)
    delivery_lease_seconds: float = Field(default=1800, gt=0)
    delivery_concurrency: int = Field(default=8, ge=1, le=64)

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.delivery_max_attempts,
            first_retry=timedelta(minutes=self.delivery_retry_minutes),
            lease=timedelta(seconds=self.delivery_lease_seconds),
            concurrency=self.delivery_concurrency,
        )

    def database(self) -> str:
        return resolve_secret(self.database_url)

    def email_channel(self) -> str | None:
        return resolve_secret(self.email_url) if self.email_url is not None else None

    def secrets(self) -> list[str]:
        """Every value that must be masked wherever text could reach a person, a log or a table."""
        found: list[str] = []
        for secret in (self.database_url, self.email_url):
            if secret is not None:
                found += url_secrets(secret.get_secret_value())
                if is_block_reference(secret):
                    found += url_secrets(resolve_secret(secret))
        return found


def is_block_reference(secret: SecretStr) -> bool:
    return secret.get_secret_value().startswith(BLOCK_PREFIX)


def resolve_secret(secret: SecretStr) -> str:
    """The secret's value, read from its Prefect Secret block when it names one."""
    value = secret.get_secret_value()
    if not value.startswith(BLOCK_PREFIX):
        return value
    from prefect.blocks.system import Secret  # only deployments that keep secrets in blocks pay for the import

    return str(Secret.load(value.removeprefix(BLOCK_PREFIX)).get())


def get_settings() -> Settings:
    return Settings()
