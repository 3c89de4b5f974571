# Two commands for a fresh machine: `make demo` and `make test`. Logic lives in
# the segkit package and dbt; this file only wires the steps together.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CUSTOMERS ?= 5000
SEED ?= 42
DEMO_RAW := data/raw
DEMO_DB := data/segmentation.duckdb
TEST_RAW := data/test_raw
TEST_DB := data/test.duckdb
DBT := $(BIN)/dbt
# PII salt (README, "Privacy"): the demo and test targets hash with the public demo
# salt unless SEG_PII_SALT is set, and say so explicitly, so they do not warn. The
# shell expands it: make echoes the command, never a real salt. Outside these
# targets an unset SEG_PII_SALT warns on every dbt run.
DEMO_SALT_ENV := SEG_PII_SALT="$${SEG_PII_SALT:-segmentation-demo-salt}"

.PHONY: help install demo data build summary report test lint fix integration-test dbt-test pytest snowflake-test soak-test bench docs clean

help:
	@echo "make demo   set up, generate sample data, dbt build on DuckDB, print a summary"
	@echo "make test   everything CI checks: lint, dbt build with tests, pytest, Snowflake emulator, a short soak"
	@echo "make bench  benchmark at growing sizes (BENCH_SIZES=10000,100000,1000000)"
	@echo "make soak   nightly incremental builds vs full and point-in-time rebuilds (DAYS=30 CUSTOMERS=2000 SEED=42)"

$(BIN)/.installed: requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

install: $(BIN)/.installed profiles.yml

profiles.yml: profiles.yml.example
	cp -n profiles.yml.example profiles.yml || true

$(DEMO_RAW)/_manifest.json: $(BIN)/.installed $(wildcard segkit/generate/*.py)
	$(BIN)/python -m segkit.generate --customers $(CUSTOMERS) --seed $(SEED) --out $(DEMO_RAW)

data: $(DEMO_RAW)/_manifest.json

build: install data
	$(DEMO_SALT_ENV) SEG_RAW_PATH=$(DEMO_RAW) SEG_DUCKDB_PATH=$(DEMO_DB) $(DBT) build

summary: install
	$(BIN)/python -m segkit.summary --database $(DEMO_DB)

report: install
	$(BIN)/python -m segkit.report --database $(DEMO_DB) --out target/segment_report.html

demo: build summary report

# sqlfluff's dbt templater compiles the project, which introspects the raw files:
# it lints against the test data and a DuckDB file of its own.
LINT_ENV := SEG_RAW_PATH=$(TEST_RAW) SEG_DUCKDB_PATH=data/lint.duckdb

lint: install $(TEST_RAW)/_manifest.json
	$(LINT_ENV) $(BIN)/sqlfluff lint models macros analyses tests

fix: install $(TEST_RAW)/_manifest.json
	$(LINT_ENV) $(BIN)/sqlfluff fix models analyses tests

$(TEST_RAW)/_manifest.json: $(BIN)/.installed $(wildcard segkit/generate/*.py)
	$(BIN)/python -m segkit.generate --customers 3000 --seed 7 --out $(TEST_RAW)

dbt-test: install $(TEST_RAW)/_manifest.json
	rm -f $(TEST_DB)
	$(DEMO_SALT_ENV) SEG_RAW_PATH=$(TEST_RAW) SEG_DUCKDB_PATH=$(TEST_DB) $(DBT) build --fail-fast

pytest: install
	$(DEMO_SALT_ENV) $(BIN)/python -m pytest -q

# The generic tests and cross-db macros on tiny seeds (integration_tests/).
integration-test: install
	mkdir -p data
	cd integration_tests && SEG_DUCKDB_PATH=../data/integration.duckdb ../$(DBT) deps --profiles-dir ..
	rm -f data/integration.duckdb
	cd integration_tests && $(DEMO_SALT_ENV) SEG_DUCKDB_PATH=../data/integration.duckdb ../$(DBT) build --profiles-dir ..

# The same project through dbt-snowflake against the fakesnow emulator (in-process,
# no account); see docs/snowflake.md for what it excludes and why.
snowflake-test: install $(TEST_RAW)/_manifest.json
	$(DEMO_SALT_ENV) $(BIN)/python -m segkit.snowflake_emulator --raw $(TEST_RAW) --db-path data/fakesnow

# A short soak on every change: 5 nights at 1,000 customers (the default soak's table
# is in the README; its results are committed in soak/results).
soak-test: install
	$(DEMO_SALT_ENV) $(BIN)/python -m segkit.soak --days 5 --customers 1000 --seed 7 --work data/soak-test --out data/soak-test/results

test: lint integration-test dbt-test pytest snowflake-test soak-test

# Sizes: make bench BENCH_SIZES=10000,100000 (default 10k, 100k, 1M customers).
BENCH_SIZES ?= 10000,100000,1000000
bench: install
	$(BIN)/python -m segkit.bench --sizes $(BENCH_SIZES) --out bench/results --work data/bench

# make soak DAYS=30 CUSTOMERS=2000 SEED=42 (segkit/soak.py). The demo's CUSTOMERS default
# (5000) makes every night slow, so the soak has its own unless CUSTOMERS is given.
.PHONY: soak
DAYS ?= 30
SOAK_CUSTOMERS = $(if $(filter command line environment,$(origin CUSTOMERS)),$(CUSTOMERS),2000)
soak: install
	$(BIN)/python -m segkit.soak --days $(DAYS) --customers $(SOAK_CUSTOMERS) --seed $(SEED) --work data/soak --out soak/results

docs: install data
	$(DEMO_SALT_ENV) SEG_RAW_PATH=$(DEMO_RAW) SEG_DUCKDB_PATH=$(DEMO_DB) $(DBT) docs generate

clean:
	rm -rf target logs data
