"""Settings from the environment (prefix GRANTFLOW_) or a `.env` file; secrets stay masked."""

from __future__ import annotations

import os
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import apprise
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import ArgumentError

from domain.errors import RuleViolation
from domain.inputs import Actor
from domain.redaction import url_secrets
from notifications.delivery import RetryPolicy
from notifications.dispatch import Channels

BLOCK_PREFIX = "prefect-secret:"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRANTFLOW_", env_file=".env", extra="ignore")

    # SQLite by default; postgresql+psycopg://user:password@host/db for scale. Either secret may instead
    # name a Prefect Secret block holding it: `prefect-secret:grantflow-database-url`.
    database_url: SecretStr = SecretStr("sqlite:///.grantflow/grantflow.db")
    # Apprise URL of the e-mail channel, e.g. mailtos://user:password@smtp.example.fi?from=grantflow@example.fi
    email_url: SecretStr | None = None
    # Where operator alerts go (failed or crashed runs, notices given up): an Apprise URL, e.g.
    # mailtos://user:password@smtp.example.fi?to=ops@example.fi or a chat webhook. May name a Prefect Secret block.
    ops_url: SecretStr | None = None
    # An Apprise YAML (or text) config file of tagged channels; contacts name the tags (`channels: [ops]`).
    apprise_config: Path | None = None
    # Who the lifecycle's events and decisions name as having acted, where a command names nobody else.
    actor: Actor = "grantflow"
    # Where grantflow keeps its own state beside the database: `grantflow serve` records there where its
    # Prefect server listens, so that every other command finds it.
    home: Path = Path(".grantflow")
    # Delivery from the outbox: attempts before a message is given up and reported to operators, the first
    # wait before a retry (doubling each time), how long a claim may go unrenewed before its sender counts
    # as dead (a live sender renews its claims while their sends run), and how many messages are sent at once.
    delivery_max_attempts: int = Field(default=5, ge=1, le=50)
    delivery_retry_minutes: float = Field(default=5, gt=0)
    delivery_lease_seconds: float = Field(default=120, gt=0)
    delivery_concurrency: int = Field(default=8, ge=1, le=64)
    # Proactive alerts to the call's officer: no decision this many days after the call closed (the
    # seed's ministry decided in 61), and no start-up this many days after the grant.
    # The database of the Prefect server `grantflow serve` starts: SQLite under its --home by default;
    # postgresql+asyncpg://… keeps triggers prompt when many runs write at once.
    prefect_database_url: SecretStr | None = None
    alert_decision_days: int = Field(default=70, ge=1, le=3650)
    alert_startup_days: int = Field(default=90, ge=1, le=3650)

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.delivery_max_attempts,
            first_retry=timedelta(minutes=self.delivery_retry_minutes),
            lease=timedelta(seconds=self.delivery_lease_seconds),
            concurrency=self.delivery_concurrency,
        )

    @field_validator("database_url")
    @classmethod
    def _a_supported_database(cls, value: SecretStr) -> SecretStr:
        if not is_block_reference(value):
            supported_database(value.get_secret_value())
        return value

    @field_validator("email_url", "ops_url")
    @classmethod
    def _an_apprise_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not is_block_reference(value) and apprise.Apprise.instantiate(value.get_secret_value()) is None:
            raise ValueError("is not a URL Apprise can send to (for e-mail: mailto://… or mailtos://…)")
        return value

    @field_validator("apprise_config")
    @classmethod
    def _a_readable_config(cls, path: Path | None) -> Path | None:
        if path is None:
            return None
        if not path.is_file():
            raise ValueError(f"{path} is not a file")
        config = apprise.AppriseConfig()
        if not config.add(str(path.resolve())) or not config.services():
            raise ValueError(f"{path} holds no channel Apprise can use")
        return path.resolve()

    def channels(self) -> Channels:
        return Channels(email_url=self.email_channel(), config=self.apprise_config)

    def database(self) -> str:
        url = resolve_secret(self.database_url)
        if is_block_reference(self.database_url):
            try:
                supported_database(url)
            except ValueError as exc:
                raise RuleViolation("GRANTFLOW_DATABASE_URL", str(exc), record="settings") from None
        return url

    def email_channel(self) -> str | None:
        return resolve_secret(self.email_url) if self.email_url is not None else None

    def ops_channel(self) -> str | None:
        return resolve_secret(self.ops_url) if self.ops_url is not None else None

    def secrets(self) -> list[str]:
        """Every value that must be masked wherever text could reach a person, a log or a table."""
        found: list[str] = []
        for secret in (self.database_url, self.email_url, self.ops_url, self.prefect_database_url):
            if secret is not None:
                found += url_secrets(secret.get_secret_value())
                if is_block_reference(secret):
                    found += url_secrets(resolve_secret(secret))
        return found


# The drivers grantflow is built and tested with; SQLAlchemy would accept others and fail later, mid-command.
DATABASE_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")


def supported_database(url: str) -> None:
    """Refuse a database URL grantflow cannot use, without repeating the URL (it may hold a password)."""
    try:
        driver = make_url(url).drivername
    except ArgumentError:
        raise ValueError("is not a database URL such as sqlite:///.grantflow/grantflow.db or postgresql+psycopg://user@host/db") from None
    if driver not in DATABASE_DRIVERS:
        raise ValueError(f"uses {driver}://, which grantflow does not support: use sqlite:///PATH or postgresql+psycopg://user@host/db")


def is_block_reference(secret: SecretStr) -> bool:
    return secret.get_secret_value().startswith(BLOCK_PREFIX)


def resolve_secret(secret: SecretStr) -> str:
    """The secret's value, read from its Prefect Secret block when it names one."""
    value = secret.get_secret_value()
    if not value.startswith(BLOCK_PREFIX):
        return value
    from prefect.blocks.system import Secret  # only deployments that keep secrets in blocks pay for the import

    # Always the blocking form: steps run in threads copied from an async flow's context.
    return str(Secret.load(value.removeprefix(BLOCK_PREFIX), _sync=True).get())  # type: ignore[call-arg,union-attr]


def get_settings() -> Settings:
    """The settings, checked as they are read: a bad channel or database setting is refused here."""
    env_file = Path(".env")
    return _settings(
        tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("GRANTFLOW_"))),
        str(env_file.resolve()), env_file.stat().st_mtime_ns if env_file.is_file() else None,
    )


@lru_cache(maxsize=16)
def _settings(environment: tuple[tuple[str, str], ...], env_file: str, env_file_changed: int | None) -> Settings:
    # Read once per distinct environment: every task asks, and reading validates the channels.
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "GRANTFLOW_" + str(first["loc"][0]).upper() if first["loc"] else "settings"
        # The rejected value is left out of the message: it may be a secret.
        raise RuleViolation(name, str(first["msg"]).removeprefix("Value error, "), record="settings") from None
