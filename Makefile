# Two entry points for a new user: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
SAMPLE ?= samples/mixed-article.txt
STORE  ?= ./transnorm-store

# Prefect: embedded ephemeral API, no telemetry (this machine has no network).
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY := false
# The ephemeral API starts in a subprocess; on a loaded 2-core machine 20 s (Prefect's
# default) is sometimes too little and the command fails before any work.
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 90

.PHONY: setup run test lint lock clean

# constraints.txt pins every package (made by `make lock`), so a new machine installs
# exactly what CI tested.
$(BIN)/transnorm: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,dev]'
	@touch $@

setup: $(BIN)/transnorm

run: setup
	$(BIN)/transnorm normalize $(SAMPLE) --store $(STORE) --glossary deploy/glossary.tsv

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# After a change to the dependencies in pyproject.toml: resolve them all again.
lock: setup
	$(BIN)/pip-compile --quiet --strip-extras --all-extras --no-emit-index-url --no-emit-find-links \
		--output-file constraints.txt pyproject.toml

clean:
	rm -rf $(VENV) $(STORE) .pytest_cache
