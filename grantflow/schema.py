"""The database schema through Alembic migrations: upgrade to head, tell the current revision."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection, Engine

from domain.errors import RuleViolation

MIGRATIONS = Path(__file__).parent / "migrations"
# A PostgreSQL advisory lock key of grantflow's own, taken for the length of an upgrade.
_UPGRADE_LOCK = 0x6772616E74  # "grant"


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` in one transaction: a migration that fails leaves the database as it was."""
    current = current_revision(engine)
    if current is not None and not is_known(current):
        raise RuleViolation("database", f"is at revision {current}, which this grantflow does not know (its newest is {head_revision()}): "
                                        "it was migrated by a newer grantflow; use that one", record="schema")
    if revision != "head" and not is_known(revision):
        known = sorted(script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions())
        raise RuleViolation("revision", f"{revision!r} is not a revision of this grantflow; give head or one of {', '.join(known)}", record="schema")
    if revision == "head" and current == head_revision():
        return  # every command upgrades first: one already at head takes no write lock
    config = alembic_config(engine)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                _upgrade_sqlite(connection, config, revision)
                return
            # PostgreSQL's DDL is transactional: Alembic's work and the version row commit together. The
            # lock makes a second process upgrading at once wait, then find the schema already migrated.
            with connection.begin():
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_UPGRADE_LOCK})")
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
    except CommandError as exc:  # an unknown or older target revision: nothing was changed
        raise RuleViolation("revision", str(exc), record="schema") from None


def _upgrade_sqlite(connection: Connection, config: Config, revision: str) -> None:
    # SQLite's DDL is transactional too, but Python's sqlite3 driver (legacy mode) opens transactions
    # only before INSERT/UPDATE/DELETE: each CREATE TABLE would commit on its own. In driver
    # autocommit, the BEGIN here is the one transaction around all of Alembic's work. IMMEDIATE takes
    # the write lock first, so a second process upgrading at once waits instead of failing mid-way.
    connection.execution_options(isolation_level="AUTOCOMMIT")
    # SQLAlchemy's own transaction marks the connection as in a transaction for Alembic, which then
    # begins none itself; its commit and rollback reach the driver, which ends the BEGIN below.
    with connection.begin():
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_known(revision: str) -> bool:
    """Whether `revision` is one of this grantflow's migrations (a newer grantflow may have migrated the database further)."""
    return revision in {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
