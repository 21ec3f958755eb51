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

# The suite runs on SQLite and, at the same time, on PostgreSQL (GRANTFLOW_TEST_POSTGRES_URL, default
# the local server's `test` database): the tests spend much of their time waiting on servers, so the
# two passes share the cores well. The PostgreSQL pass's output goes to test-output/postgresql.log,
# shown whole when it fails. GRANTFLOW_TEST_POSTGRES_URL=none says there is no PostgreSQL here.
test: $(STAMP) lint
	@if [ "$${GRANTFLOW_TEST_POSTGRES_URL:-}" = "none" ]; then \
		$(VENV)/bin/pytest; \
		echo "PostgreSQL pass skipped: GRANTFLOW_TEST_POSTGRES_URL=none"; \
	else \
		mkdir -p test-output; \
		GRANTFLOW_TEST_BACKEND=postgresql $(VENV)/bin/pytest -q -p no:cacheprovider -m "not sqlite_only" > test-output/postgresql.log 2>&1 & pg=$$!; \
		$(VENV)/bin/pytest; sqlite=$$?; \
		wait $$pg; postgresql=$$?; \
		echo "--- PostgreSQL pass (test-output/postgresql.log) ---"; \
		if [ $$postgresql -ne 0 ]; then cat test-output/postgresql.log; else tail -n 3 test-output/postgresql.log; fi; \
		[ $$sqlite -eq 0 ] && [ $$postgresql -eq 0 ]; \
	fi

# Build and test caches, and the demo's own folder. Never the rest of .grantflow: it holds the
# default database and the served Prefect server's state with its auth string.
clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist *.egg-info test-output .grantflow/demo
