"""Shared fixtures: a fresh database per test, the seed scenario, a real SMTP server on loopback."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

# Prefect reads its settings at import: keep its state out of the user's home and quiet.
_PREFECT_HOME = tempfile.mkdtemp(prefix="grantflow-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.pop("PREFECT_API_URL", None)

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.importing import import_scenario
from domain.store import unit_of_work
from grantflow.database import open_database
from grantflow.mailsink import MailSink
from grantflow.scenario import SEED, read_scenario

IMPORTED_AT = datetime(2020, 1, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'grantflow.db'}"
    monkeypatch.setenv("GRANTFLOW_DATABASE_URL", url)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = open_database(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    """A database holding the seed scenario, every application still in preparation."""
    with unit_of_work(engine) as session:
        import_scenario(session, read_scenario(SEED), source="seed.yaml", at=IMPORTED_AT, actor="test")
    return engine


@pytest.fixture
def session(seeded: Engine) -> Iterator[Session]:
    with Session(seeded, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def mail_sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[MailSink]:
    with MailSink() as sink:
        monkeypatch.setenv("GRANTFLOW_EMAIL_URL", sink.channel_url())
        yield sink
