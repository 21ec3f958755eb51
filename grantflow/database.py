"""The application's database: every table registered, the schema in place."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url

from domain.store import make_engine
from grantflow.folders import state_folder
from grantflow.schema import upgrade


def open_database(url: str) -> Engine:
    """An engine on `url` with the schema migrated to head; a SQLite file's folder is made if missing."""
    engine = database_engine(url)
    upgrade(engine)
    return engine


def database_engine(url: str) -> Engine:
    """An engine on `url` as it is, a SQLite file's folder made if missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        state_folder(Path(parsed.database).parent, field="GRANTFLOW_DATABASE_URL", record="settings")
    return make_engine(url)
