from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select
from typer.testing import CliRunner

import notifications.outbox  # noqa: F401
from domain.importing import import_scenario
from domain.model import Application, Decision, DecisionLine, Workshop
from domain.store import make_engine, unit_of_work
from grantflow.cli import app
from grantflow.database import open_database
from grantflow.scenario import SEED, read_scenario
from grantflow.schema import current_revision, head_revision, upgrade
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
