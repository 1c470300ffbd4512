# The two set-up commands of the README: `make demo` and `make test`.
# Each creates the virtual environment and installs on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-all lint install install-dev lock audit-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The exact versions of requirements.lock (requirements-dev.lock with the tools), then the
# project itself: every machine installs the same packages, and pip-audit checks those.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml requirements-dev.lock $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.lock
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

# After a change to the dependencies of pyproject.toml: pins what is new, keeps the other pins.
PIP_COMPILE := $(BIN)/pip-compile --quiet --strip-extras --no-header --no-emit-index-url --no-emit-find-links
lock: install-dev
	$(PIP_COMPILE) -o requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra dev -o requirements-dev.lock pyproject.toml

audit-deps: install-dev
	BIN=$(BIN) scripts/audit-dependencies

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=scripts $(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/safecampus makemigrations --check --dry-run
