"""Shared fixtures: a fresh database per test, the seed scenario, a real SMTP server on loopback."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Prefect reads its settings at import: keep its state out of the user's home and quiet.
_PREFECT_HOME = tempfile.mkdtemp(prefix="grantflow-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.pop("PREFECT_API_URL", None)

import prefect.main  # noqa: F401  (sets up Prefect's logging now, on the session's stderr, not inside a command's captured one)
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from domain.clock import choose_clock
from domain.importing import import_scenario
from domain.model import ClockMode
from domain.store import unit_of_work
from grantflow.database import open_database
from grantflow.mailsink import MailSink
from grantflow.prefect_server import PrefectServer
from grantflow.scenario import SEED, read_scenario

IMPORTED_AT = datetime(2020, 1, 2, 9, 0, tzinfo=UTC)


# The suite runs on SQLite unless GRANTFLOW_TEST_BACKEND=postgresql; .ci/run runs it on both.
BACKEND = os.environ.get("GRANTFLOW_TEST_BACKEND", "sqlite")
POSTGRES_ADMIN_URL = os.environ.get("GRANTFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def _postgres_database() -> Iterator[str]:
    """A database of its own for one test, so tests never see each other's rows."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"grantflow_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[PrefectServer]:
    """One real Prefect server (as `grantflow serve` runs it, auth string included) for every flow test."""
    from prefect.logging.handlers import APILogHandler
    from prefect.settings import temporary_settings

    # On PostgreSQL where there is one: on SQLite the server's trigger service lags seconds behind
    # while flow runs write, which only slows the event tests down.
    with ExitStack() as stack:
        database = None
        if POSTGRES_ADMIN_URL != "none":
            database = make_url(stack.enter_context(_postgres_database())).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
        server = stack.enter_context(PrefectServer(Path(_PREFECT_HOME) / "server", ui=False, database_url=database))
        stack.enter_context(temporary_settings(server.client_settings()))
        yield server
        APILogHandler().flush()  # the runs' last log lines reach the server before it stops


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if BACKEND == "postgresql":
        with _postgres_database() as url:
            monkeypatch.setenv("GRANTFLOW_DATABASE_URL", url)
            yield url
        return
    url = f"sqlite:///{tmp_path / 'grantflow.db'}"
    monkeypatch.setenv("GRANTFLOW_DATABASE_URL", url)
    yield url


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated to head once for the session; copying it is ten times faster than migrating."""
    path = tmp_path_factory.mktemp("migrated") / "grantflow.db"
    open_database(f"sqlite:///{path}").dispose()
    return path


def _open_new_database(url: str, migrated: Path) -> Engine:
    """open_database on the test's new database, which on SQLite starts as a copy of the migrated one."""
    if BACKEND == "sqlite":
        database = make_url(url).database
        assert database is not None
        shutil.copyfile(migrated, database)
    return open_database(url)


@pytest.fixture
def engine(database_url: str, migrated_sqlite: Path) -> Iterator[Engine]:
    """A fresh replay database: the tests replay the 2020 lifecycle, stating each step's instant."""
    engine = _open_new_database(database_url, migrated_sqlite)
    with unit_of_work(engine) as session:
        choose_clock(session, ClockMode.REPLAY)
    yield engine
    engine.dispose()


@pytest.fixture
def system_clock(database_url: str, migrated_sqlite: Path) -> Iterator[Engine]:
    """A fresh database on the system clock, as every production one is, holding the seed with its calls open for a month."""
    engine = _open_new_database(database_url, migrated_sqlite)
    closes = (datetime.now(UTC) + timedelta(days=30)).replace(second=0, microsecond=0)
    seed = read_scenario(SEED)
    scenario = seed.model_copy(update={"decisions": [], "calls": [call.model_copy(update={"deadline": closes}) for call in seed.calls]})
    with unit_of_work(engine) as session:
        import_scenario(session, scenario, source="seed.yaml", at=datetime.now(UTC), actor="test")
    yield engine
    engine.dispose()


@pytest.fixture
def system_clock_under_review(database_url: str, migrated_sqlite: Path) -> Iterator[Engine]:
    """A database on the system clock whose calls closed on the last working day, with Soite's applications under review.

    The submissions happened before the call closed: written here by the domain's own functions, which
    take whatever instant they are given (only the commands and flows answer to the database's clock).
    """
    from domain.calendar import HELSINKI, OFFICE_HOURS_END, local_instant, previous_working_day
    from domain.preparation import complete_duty
    from domain.submission import begin_review, submit_application

    engine = _open_new_database(database_url, migrated_sqlite)
    # A working day's close, so the act-time rule leaves it where it is.
    closed = local_instant(previous_working_day(datetime.now(HELSINKI).date() - timedelta(days=1)), OFFICE_HOURS_END)
    seed = read_scenario(SEED)
    scenario = seed.model_copy(update={"decisions": [], "calls": [call.model_copy(update={"deadline": closed}) for call in seed.calls]})
    with unit_of_work(engine) as session:
        import_scenario(session, scenario, source="seed.yaml", at=closed - timedelta(days=5), actor="test")
        for application_id in ("soite-fsc-2020", "soite-ru-2020"):
            complete_duty(session, application_id, "project-plan", at=closed - timedelta(days=2), actor="test")
            submit_application(session, application_id, at=closed - timedelta(days=1), actor="test")
    with unit_of_work(engine) as session:
        for call in ("fsc-2020", "ru-2020"):
            begin_review(session, call, at=closed + timedelta(minutes=1), actor="test")
    yield engine
    engine.dispose()


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    """A database holding the seed scenario, every application still in preparation."""
    with unit_of_work(engine) as session:
        import_scenario(session, read_scenario(SEED), source="seed.yaml", at=IMPORTED_AT, actor="test")
    return engine


@pytest.fixture
def undecided(engine: Engine) -> Engine:
    """The seed without its decisions; the applications Soite's decisions concern are under review."""
    from tests.helpers import under_review

    with unit_of_work(engine) as session:
        import_scenario(session, read_scenario(SEED).model_copy(update={"decisions": []}), source="seed.yaml", at=IMPORTED_AT, actor="test")
    with unit_of_work(engine) as session:
        under_review(session, "soite-fsc-2020", "soite-ru-2020")
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


# A test using one of these fixtures needs the server it starts; the marker lets `make check` leave it out.
_SERVER_FIXTURES = {"prefect_server": "prefect", "mail_sink": "smtp"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, marker in _SERVER_FIXTURES.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(marker)


def _refuse_to_start(kind: str, marker: str) -> Callable[..., object]:
    def refused(self: object) -> object:
        pytest.fail(f"this test starts {kind} without the `{marker}` marker, which `make check` relies on to leave it out")

    return refused


@pytest.fixture(autouse=True)
def _servers_only_where_marked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that starts a server in this process must carry that server's marker."""
    from tests.smtp_faults import FaultySMTP

    for server, kind, marker in ((PrefectServer, "a Prefect server", "prefect"), (MailSink, "an SMTP server", "smtp"), (FaultySMTP, "an SMTP server", "smtp")):
        if request.node.get_closest_marker(marker) is None:
            monkeypatch.setattr(server, "__enter__", _refuse_to_start(kind, marker))
