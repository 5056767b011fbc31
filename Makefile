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

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .
