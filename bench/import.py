"""Import throughput: a generated scenario of N applications into SQLite and PostgreSQL.

Prints, per backend, the time to read and validate the file, the time to import it in one
transaction, and rows per second. Usage: python bench/import.py [N] [--postgres URL|none]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine.url import make_url
from sqlalchemy.pool import NullPool

from domain.importing import import_scenario
from domain.store import unit_of_work
from grantflow.database import open_database
from grantflow.scenario import read_scenario


def scenario(count: int) -> dict[str, object]:
    """N applications spread over 300 applicants, each with two sub-areas and a document."""
    organisations = [{"id": f"org-{i}", "name": f"Organisaatio {i}", "kind": "municipality"} for i in range(300)]
    applications = [
        {
            "id": f"app-{i}",
            "call": "bench-2026",
            "applicant": f"org-{i % 300}",
            "title": f"Hanke {i}",
            "total_cost": 100000,
            "requested": 80000,
            "sub_areas": [
                {"number": 1, "name": "Koordinaatio", "total_cost": 40000, "requested": 32000},
                {"number": 2, "name": "Kehittäminen", "total_cost": 60000, "requested": 48000},
            ],
            "documents": [{"kind": "project-plan", "title": "Hankesuunnitelma", "phase": "submission", "due": "2026-04-30T16:15:00"}],
        }
        for i in range(count)
    ]
    return {
        "programmes": [{"id": "bench", "name": "Bench", "period": {"start": "2026-01-01", "end": "2028-12-31"}}],
        "organisations": organisations,
        "calls": [
            {"id": "bench-2026", "programme": "bench", "name": "Bench", "deadline": "2026-04-30T16:15:00", "state_share_percent": 80, "appropriation": 10**9}
        ],
        "applications": applications,
    }


def measure(label: str, url: str, path: Path, rows: int) -> None:
    started = time.perf_counter()
    parsed = read_scenario(path)
    validated = time.perf_counter()
    engine = open_database(url)
    ready = time.perf_counter()
    with unit_of_work(engine) as session:
        import_scenario(session, parsed, source=str(path), at=datetime.now(UTC), actor="bench")
    done = time.perf_counter()
    engine.dispose()
    print(
        f"{label:<10} read+validate {validated - started:6.1f} s · import {done - ready:6.1f} s · "
        f"{rows / (done - ready):8.0f} rows/s in the import · {rows / (done - started - (ready - validated)):8.0f} rows/s overall"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", nargs="?", type=int, default=100_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.yaml"
        path.write_text(yaml.safe_dump(scenario(args.count), allow_unicode=True), encoding="utf-8")
        rows = args.count * 4 + 303  # applications, two sub-areas, a document each; orgs, call, programme
        print(f"{args.count} applications, {rows} rows, file {path.stat().st_size / 1e6:.1f} MB")
        measure("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", path, rows)
        if args.postgres != "none":
            admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT", poolclass=NullPool)
            name = f"grantflow_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                measure("postgresql", make_url(args.postgres).set(database=name).render_as_string(hide_password=False), path, rows)
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
