# statut — every target creates the environment first if it is missing.
# Only Python 3.11+ and make are assumed on the machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.9
PEOPLE ?= 20000
SEED ?= 42
export PYTHONDONTWRITEBYTECODE := 1

.DEFAULT_GOAL := help

.PHONY: help
help: ## List every target
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_-]+:.*##/ {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "statut needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	@$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	@$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

.PHONY: venv
venv: $(STAMP) ## Create or update the environment (.venv) from the lock file

.PHONY: lock
lock: ## Re-resolve requirements.lock from pyproject.toml
	@test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"; }
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra bench --generate-hashes -o requirements.lock -q --custom-compile-command "make lock"

.PHONY: demo
demo: $(STAMP) ## Build a synthetic register on SQLite (var/) and serve it at http://127.0.0.1:8000
	@mkdir -p var
	$(BIN)/statut demo --people $(PEOPLE) --seed $(SEED) --serve

.PHONY: test
test: $(STAMP) ## Run the whole suite (SQLite; PostgreSQL too when reachable, always under CI=true)
	$(BIN)/python -m pytest

.PHONY: test-fast
test-fast: $(STAMP) ## Unit tests only (no database, no browser)
	$(BIN)/python -m pytest -m "not db and not browser and not slow"

.PHONY: lint
lint: $(STAMP) ## ruff check, ruff format --check, import contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

.PHONY: fmt
fmt: $(STAMP) ## Format and autofix with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

.PHONY: typecheck
typecheck: $(STAMP) ## mypy (strict on domain and rules)
	$(BIN)/mypy

.PHONY: bench
bench: $(STAMP) ## Run every benchmark; results go to benchmarks/results/
	$(BIN)/python -m benchmarks.run

.PHONY: clean
clean: ## Remove the environment, caches and var/
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache build *.egg-info src/*.egg-info
