import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, event, func, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlmodel import Session, SQLModel, select
from typer.testing import CliRunner

from domain.importing import import_scenario
from domain.model import Application, Decision, DecisionLine, Workshop
from domain.reminders import DEADLINE_KEY_LENGTH
from domain.store import make_engine, unit_of_work
from grantflow.cli import app
from grantflow.database import open_database
from grantflow.scenario import SEED, read_scenario
from grantflow.schema import current_revision, head_revision, upgrade
from notifications.outbox import KEY_LENGTH, Notification
from tests.conftest import IMPORTED_AT

FIRST_REVISION = "0001"


def test_the_migrations_build_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), SQLModel.metadata)
    assert differences == []


def test_a_database_with_the_seed_upgrades_from_the_first_revision_without_loss(database_url: str, tmp_path: Path) -> None:
    # The seed as the first schema held it: imported at head elsewhere, then copied column by column.
    source = open_database(f"sqlite:///{tmp_path / 'head.db'}")
    with unit_of_work(source) as session:
        import_scenario(session, read_scenario(SEED), source="seed.yaml", at=IMPORTED_AT, actor="test")
    engine = make_engine(database_url)
    upgrade(engine, FIRST_REVISION)
    old = MetaData()
    old.reflect(engine)
    current = MetaData()
    current.reflect(source)
    with source.connect() as reading, engine.begin() as writing:
        for table in old.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = reading.execute(select(*(current.tables[table.name].c[c.name] for c in table.columns))).mappings().all()
            if rows:
                writing.execute(table.insert(), [dict(r) for r in rows])

    def counts() -> list[int]:
        with Session(engine) as session:
            return [session.exec(select(func.count()).select_from(t)).one() for t in (Application, Workshop, Decision, DecisionLine)]

    before = counts()
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert counts() == before == [6, 4, 3, 3]


def test_db_current_reports_the_revision(engine: Engine) -> None:
    result = CliRunner().invoke(app, ["db", "current"])
    assert result.exit_code == 0
    assert f"current: {head_revision()}" in result.output and "up to date" in result.output


def schema_of(engine: Engine) -> dict[str, object]:
    """Everything a migration can leave behind: tables, columns, indexes, constraints and the revision."""
    inspector = inspect(engine)
    tables = {
        name: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)],
            sorted((i["name"] or "", tuple(i["column_names"])) for i in inspector.get_indexes(name)),
            sorted((u["name"] or "", tuple(u["column_names"])) for u in inspector.get_unique_constraints(name)),
        )
        for name in inspector.get_table_names()
    }
    return {"tables": tables, "revision": current_revision(engine)}


# A statement that fails part-way through a migration: an object already holding a name the migration creates.
BLOCKERS = {
    # 0001's last table: every other table of the first schema is created before it fails.
    "first migration": (None, "CREATE TABLE decisionshare (id INTEGER PRIMARY KEY)", "DROP TABLE decisionshare"),
    # 0002 adds its columns first, then fails creating its index.
    "later migration": (FIRST_REVISION, "CREATE INDEX ix_notification_deadline_key ON programme (name)", "DROP INDEX ix_notification_deadline_key"),
}


@pytest.mark.parametrize("case", BLOCKERS)
def test_a_migration_failing_part_way_leaves_the_database_as_it_was_and_a_later_upgrade_works(database_url: str, case: str) -> None:
    start, block, unblock = BLOCKERS[case]
    engine = make_engine(database_url)
    if start:
        upgrade(engine, start)
    with engine.begin() as connection:
        connection.exec_driver_sql(block)
    before = schema_of(engine)
    with pytest.raises(SQLAlchemyError, match="already exists"):
        upgrade(engine)
    assert schema_of(engine) == before
    with engine.begin() as connection:
        connection.exec_driver_sql(unblock)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), SQLModel.metadata) == []


@pytest.mark.sqlite_only  # a full disk is simulated with SQLite's page limit
def test_a_full_disk_during_the_first_migration_leaves_an_empty_database_that_upgrades_later(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'full.db'}"
    full = make_engine(url)
    event.listen(full, "connect", lambda dbapi_connection, _record: dbapi_connection.execute("PRAGMA max_page_count=30"))
    with pytest.raises(OperationalError, match="database or disk is full"):
        upgrade(full)
    full.dispose()
    engine = make_engine(url)
    assert schema_of(engine) == {"tables": {}, "revision": None}
    result = CliRunner().invoke(app, ["db", "upgrade"], env={"GRANTFLOW_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert current_revision(engine) == head_revision()


@pytest.mark.parametrize("revision", ["nonsense", "", "+1", "base", "heads", "0003:0004"])
def test_db_upgrade_to_anything_but_head_or_a_known_revision_is_refused_in_one_line(engine: Engine, revision: str) -> None:
    result = CliRunner().invoke(app, ["db", "upgrade", revision])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"error: schema: revision: {revision!r} is not a revision of this grantflow; give head or one of "
        "0001, 0002, 0003, 0004, 0005, 0006, 0007, 0008, 0009, 0010"
    ]


@pytest.mark.sqlite_only  # the folder of a SQLite file
def test_db_upgrade_makes_the_folder_of_a_new_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'grantflow.db'}"
    result = CliRunner().invoke(app, ["db", "upgrade"], env={"GRANTFLOW_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert f"Database at revision {head_revision()}." in result.output


def test_the_key_widening_keeps_every_outbox_row_and_then_holds_the_longest_keys(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0004")
    tables = MetaData()
    tables.reflect(engine)
    at = IMPORTED_AT
    with engine.begin() as connection:
        connection.execute(tables.tables["programme"].insert(), [{"id": "p", "name": "P", "period_start": at.date(), "period_end": at.date()}])
        connection.execute(tables.tables["organisation"].insert(), [{"id": "o", "name": "O", "kind": "region"}])
        connection.execute(tables.tables["call"].insert(), [{"id": "c", "programme_id": "p", "name": "C", "deadline_at": at, "state_share_percent": 80,
                                                             "appropriation_cents": 100}])
        connection.execute(tables.tables["application"].insert(), [{"id": "a", "call_id": "c", "applicant_id": "o", "title": "A", "stage": "preparation",
                                                                    "total_cost_cents": 100, "requested_cents": 80}])
        connection.execute(tables.tables["notification"].insert(), [{
            "key": "reminder:call:c:a:20200430T131500Z:14d:a@b.fi", "application_id": "a", "recipient": "a@b.fi", "language": "fi", "subject": "S",
            "body": "B", "status": "pending", "attempts": 0, "created_at": at, "deadline_key": "call:c:a", "in_doubt": False,
        }])
    upgrade(engine)
    longest = "reminder:" + "x" * (KEY_LENGTH - len("reminder:"))
    with engine.begin() as connection:
        connection.execute(Notification.__table__.insert(), [{  # type: ignore[attr-defined]
            "key": longest, "application_id": "a", "recipient": "a@b.fi", "language": "fi", "subject": "S", "body": "B", "status": "pending",
            "attempts": 0, "created_at": at, "deadline_key": "d" * DEADLINE_KEY_LENGTH, "in_doubt": False,
        }])
    with Session(engine) as session:
        rows = session.exec(select(Notification.key, Notification.deadline_key).order_by(Notification.id)).all()
    assert [tuple(row) for row in rows] == [("reminder:call:c:a:20200430T131500Z:14d:a@b.fi", "call:c:a"), (longest, "d" * DEADLINE_KEY_LENGTH)]


@pytest.mark.slow  # two processes, each importing Prefect
def test_two_processes_upgrading_a_new_database_at_once_both_succeed(database_url: str) -> None:
    command = [str(Path(sys.executable).parent / "grantflow"), "db", "upgrade"]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = [(process.wait(), *process.communicate()) for process in processes]
    assert [code for code, _, _ in outcomes] == [0, 0], outcomes
    assert all(f"Database at revision {head_revision()}." in out for _, out, _ in outcomes)
