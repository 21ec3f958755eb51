# `make demo` runs the seed lifecycle; `make test` runs the whole suite. Both bootstrap .venv.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: demo test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/grantflow demo

test: $(STAMP)
	$(VENV)/bin/pytest

clean:
	rm -rf $(VENV) .grantflow .pytest_cache
