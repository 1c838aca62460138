# Two commands do all the set-up on a fresh machine:
#   make demo   create the virtualenv, the embedded SQLite database with synthetic data, and serve it
#   make test   create the virtualenv and run every check on SQLite and on PostgreSQL
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/volia
export VOLIA_DATA_DIR ?= $(CURDIR)/volia-data

.PHONY: demo serve test lint test-sqlite test-postgres test-browser bench clean

$(BIN)/volia: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements.lock -e '.[dev]'
	touch $@

demo: $(BIN)/volia
	$(BIN)/volia demo

serve: $(BIN)/volia
	$(BIN)/volia serve

lint: $(BIN)/volia
	$(BIN)/ruff check .
	$(BIN)/mypy volia
	VOLIA_DATA_DIR=$$(mktemp -d) $(BIN)/volia makemigrations --check --dry-run

test-sqlite: $(BIN)/volia
	scripts/ensure-chromium.sh
	VOLIA_DATA_DIR=$$(mktemp -d) VOLIA_DATABASE_URL= $(BIN)/pytest -n 2

test-postgres: $(BIN)/volia
	scripts/ensure-postgres.sh
	VOLIA_DATA_DIR=$$(mktemp -d) VOLIA_DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2 -m "not browser"

# the public site in Chromium (Playwright) against a live server on SQLite; also part of test-sqlite
test-browser: $(BIN)/volia
	scripts/ensure-chromium.sh
	VOLIA_DATA_DIR=$$(mktemp -d) VOLIA_DATABASE_URL= $(BIN)/pytest tests/browser -m browser

test: lint test-sqlite test-postgres

bench: $(BIN)/volia
	$(BIN)/python bench/import_bench.py

clean:
	rm -rf $(VENV) volia-data .pytest_cache .mypy_cache .ruff_cache
