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

.PHONY: setup run test clean

$(BIN)/transnorm: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

setup: $(BIN)/transnorm

run: setup
	$(BIN)/transnorm normalize $(SAMPLE) --store $(STORE) --glossary deploy/glossary.tsv

test: setup
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(STORE) .pytest_cache
