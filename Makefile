# `make demo` runs the seed lifecycle; `make test` runs the whole suite. Both bootstrap .venv.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: demo test check lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/grantflow demo

# Lint and type-check before any test runs.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# The fast tier: lint, types and every test that starts no server (no Prefect, no SMTP, no PostgreSQL)
# and is not marked slow, stopping at the first failure. Measured with 442 tests: 32 s of CPU, so about 35 s on an
# otherwise idle 2-core machine (80 s while four other test runs shared its cores; add 8 s when mypy's cache is cold).
check: lint
	GRANTFLOW_TEST_BACKEND=sqlite GRANTFLOW_TEST_POSTGRES_URL=none $(VENV)/bin/pytest -x -q -m "not prefect and not smtp and not slow"

# The suite runs on SQLite, then on PostgreSQL (GRANTFLOW_TEST_POSTGRES_URL, default the local
# server's `test` database); GRANTFLOW_TEST_POSTGRES_URL=none says there is no PostgreSQL here.
test: $(STAMP) lint
	$(VENV)/bin/pytest
	@if [ "$${GRANTFLOW_TEST_POSTGRES_URL:-}" = "none" ]; then \
		echo "PostgreSQL pass skipped: GRANTFLOW_TEST_POSTGRES_URL=none"; \
	else \
		GRANTFLOW_TEST_BACKEND=postgresql $(VENV)/bin/pytest -m "not sqlite_only"; \
	fi

# Build and test caches, and the demo's own folder. Never the rest of .grantflow: it holds the
# default database and the served Prefect server's state with its auth string.
clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist *.egg-info .grantflow/demo
