# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test install lint check

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

## Run the whole platform (embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set).
run: install
	$(PY) -m arena.launcher run

## Run the whole test suite against real PostgreSQL and Redis. Extra pytest arguments: ARGS="..."
test: install
	$(PY) -m arena.launcher test $(ARGS)

# mypy's Django plugin imports the settings, which need these to be set (nothing connects).
LINT_ENV := SECRET_KEY=lint DATABASE_URL=postgresql://lint@localhost/lint REDIS_URL=redis://localhost:6379/0

lint: install
	$(VENV)/bin/ruff check .
	$(LINT_ENV) $(VENV)/bin/mypy arena annotators battles leaderboard moderation releases ops studies tests bench
