# The front door: `make demo` and `make test` are the two commands of the README.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true

.PHONY: install synth demo test lint scenarios preflight clean bench servers

# REAL_DATABASES=0: scenarios with real_databases run on simulated RDS only (no PostgreSQL servers started,
# the in-database work and the downtime probe skipped)
REAL_DATABASES ?= 1
export SIMULATOR_REAL_DATABASES := $(REAL_DATABASES)

$(VENV)/.installed: requirements.txt requirements-dev.txt package.json
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	npm install --no-audit --no-fund --no-package-lock --loglevel=error
	touch $@

install: $(VENV)/.installed

synth: install
	$(PY) app.py

# the real PostgreSQL servers behind blue and green (13.20 and 14.18 for the demo) and Debian's 15 client tools
servers:
ifneq ($(REAL_DATABASES),0)
	bash scripts/ensure-postgresql.sh >/dev/null
	bash scripts/ensure-postgres-majors.sh
endif

demo: synth servers
	$(PY) -m simulator run simulator/scenarios/seed-blue-green.json --html build/demo.html

scenarios: synth servers
	$(PY) -m simulator check simulator/scenarios/*.json

test: install
	bash scripts/ensure-postgresql.sh
	bash scripts/ensure-postgres-majors.sh
	bash scripts/ensure-chromium.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy lambdas
	$(PY) -m pytest -n auto --dist worksteal

# cost, reaction delay, cold imports, synth and suite times; BENCH_ARGS=--skip-suite for a quick run
bench: synth servers
	bash scripts/ensure-command.sh valgrind valgrind >/dev/null  # callgrind counts each handler's import
	$(PY) -m benchmarks.bench $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy lambdas

clean:
	rm -rf cdk.out .pytest_cache

# e.g. make preflight ARGS="--dsn postgresql://postgres@localhost:5432/postgres --target 16.6"
preflight: install
	$(PY) -m upgrade_cli preflight $(ARGS)
