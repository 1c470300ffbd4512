# The two set-up commands of the README: `make demo` and `make test`.
# Each creates the virtual environment and installs on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-all lint install install-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/safecampus demo

# The tests run on every core (pytest-xdist); tests that share one resource (the browser
# tests' demo server, the demo city, the MQTT broker) are one group on one worker.
# On SQLite (no DATABASE_URL) `make test` is the quick pass without the browser tests and the
# schema fuzzing: CI runs those once, in its PostgreSQL pass; `make test-all` runs them here.
PYTEST := $(BIN)/pytest -n auto --dist loadgroup
test: install-dev
	$(PYTEST) $(if $(DATABASE_URL),,-m "not browser and not fuzz")

test-all: install-dev
	$(PYTEST)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=scripts $(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/safecampus makemigrations --check --dry-run
