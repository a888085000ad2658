# Банк практик: make run (serve on http://127.0.0.1:5000) · make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app kb
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint init demo reindex check-index bench clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

## Create the instance on first run (schema, vocabularies, demo data, index) and serve.
run: $(STAMP)
	$(FLASK) init
	$(FLASK) demo
	$(FLASK) run --host 127.0.0.1 --port 5000

## The whole test suite (what CI runs): on SQLite, then every database test again on PostgreSQL
## (KB_TEST_POSTGRES, default postgresql://postgres@127.0.0.1:5432/test). KB_SKIP_SLOW=1 skips benchmark-like tests.
test: $(STAMP)
	$(BIN)/ruff check .
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: $(STAMP)
	$(BIN)/python -m pytest -q

test-postgres: $(STAMP)
	KB_TEST_DATABASE=postgresql $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

init: $(STAMP)
	$(FLASK) init

demo: $(STAMP)
	$(FLASK) demo

reindex: $(STAMP)
	$(FLASK) reindex

check-index: $(STAMP)
	$(FLASK) check-index

bench: $(STAMP)
	$(BIN)/python bench/analyzers.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
