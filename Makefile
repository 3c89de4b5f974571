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
# Own data: `make build RAW=<folder>` (or `make demo RAW=<folder>`) builds that folder
# into its own database, data/<folder name>.duckdb, the rule profiles.yml.example
# applies to SEG_RAW_PATH; DB=<file> overrides it. Only the demo's folder builds the
# demo database and hashes with the demo salt; own data needs SEG_PII_SALT
# (README, "Using your own data").
RAW ?= $(DEMO_RAW)
IS_DEMO := $(filter $(DEMO_RAW) ./$(DEMO_RAW),$(patsubst %/,%,$(RAW)))
DB ?= $(if $(IS_DEMO),$(DEMO_DB),data/$(notdir $(patsubst %/,%,$(RAW))).duckdb)
# A start line with the time for each long step, so a quiet minute is never a mystery.
step = @echo "==> $(1) [$$(date -u +%H:%M:%S) UTC]"

.PHONY: help install demo data build summary report test lint fix integration-test dbt-test semantic-test pytest snowflake-test soak-test bench docs clean

help:
	@echo "make demo   set up, generate sample data, dbt build on DuckDB, print a summary"
	@echo "make test   everything CI checks: lint, dbt build with tests, semantic layer, pytest, Snowflake emulator, a short soak"
	@echo "make bench  benchmark at growing sizes (BENCH_SIZES=10000,100000,1000000)"
	@echo "make export audience files per destination for the latest as_of (after make demo)"
	@echo "make soak   nightly incremental builds vs full and point-in-time rebuilds (DAYS=30 CUSTOMERS=2000 SEED=42)"

# pip prints a line per package it collects (no progress bars: CI logs stay plain).
$(BIN)/.installed: requirements.txt constraints.txt
	$(call step,install: virtual environment $(VENV) with the pinned packages (a few minutes the first time))
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --progress-bar off -r requirements.txt -c constraints.txt
	touch $@
	$(call step,install: done)

install: $(BIN)/.installed profiles.yml

profiles.yml: profiles.yml.example
	cp -n profiles.yml.example profiles.yml || true

$(DEMO_RAW)/_manifest.json: $(BIN)/.installed $(wildcard segkit/generate/*.py)
	$(BIN)/python -m segkit.generate --customers $(CUSTOMERS) --seed $(SEED) --out $(DEMO_RAW)

data: $(DEMO_RAW)/_manifest.json

build: install $(if $(IS_DEMO),data)
	$(call step,dbt build: $(RAW) -> $(DB))
	$(if $(IS_DEMO),$(DEMO_SALT_ENV)) SEG_RAW_PATH=$(RAW) SEG_DUCKDB_PATH=$(DB) $(DBT) build

summary: install
	$(BIN)/python -m segkit.summary --database $(DB)

# The report lives outside target/, which `dbt clean` deletes (docs/report.md).
REPORT := reports/segment_report.html

report: install
	$(BIN)/python -m segkit.report --database $(DB) --out $(REPORT)

# Audience files per destination (export/destinations.yml) for the demo database's
# latest as_of, written atomically to $(EXPORT_DIR)/<as_of>/ (docs/campaigns.md).
EXPORT_DIR ?= data/exports
.PHONY: export
export: install
	$(BIN)/python -m segkit.export --database $(DB) --out $(EXPORT_DIR)

# The demo report in headless Chromium, with a full-page screenshot beside it.
report-check: report browser
	$(BIN)/python -m segkit.report.browser $(REPORT) --screenshot reports/segment_report.png

# Headless Chromium for the report's browser test: Debian's chromium package, which
# Playwright drives through executable_path (it never downloads a browser). Installed
# only when missing; apt needs root (CI runs as root).
CHROMIUM := $(or $(SEG_CHROMIUM),/usr/bin/chromium)
.PHONY: browser report-check
browser:
	@if [ -x "$(CHROMIUM)" ]; then echo "browser: $(CHROMIUM)"; \
	elif command -v apt-get >/dev/null 2>&1; then \
		echo "browser: installing Debian's chromium (apt-get install chromium)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -q chromium || { apt-get update -q && apt-get install -y -q chromium; }; \
	else \
		echo "browser: $(CHROMIUM) is missing and apt-get is unavailable: install Chromium and set SEG_CHROMIUM to its path" >&2; \
		exit 1; \
	fi

# Source freshness (docs/raw_contract.md, "Freshness"): sample data is judged as of its
# generation's end date, so it passes after `make demo`; own data by the wall clock.
.PHONY: freshness freshness-test
freshness: install
	$(call step,dbt source freshness: $(RAW))
	$(if $(IS_DEMO),$(DEMO_SALT_ENV)) SEG_RAW_PATH=$(RAW) SEG_DUCKDB_PATH=$(DB) $(DBT) source freshness

# On dbt-test's database and settings, so dbt's partial parse is reused (seconds).
freshness-test: install $(TEST_RAW)/_manifest.json
	$(DEMO_SALT_ENV) SEG_RAW_PATH=$(TEST_RAW) SEG_DUCKDB_PATH=$(TEST_DB) $(DBT) source freshness

demo: build $(if $(IS_DEMO),freshness) summary report

# sqlfluff's dbt templater compiles the project, which introspects the raw files:
# it lints against the test data and a DuckDB file of its own.
LINT_ENV := SEG_RAW_PATH=$(TEST_RAW) SEG_DUCKDB_PATH=data/lint.duckdb

# -v lists every file as it is linted (== [file] PASS / FAIL); `time` ends with the duration.
# segkit.lint is sqlfluff's command line without DuckDB's exit-time leak report (its docstring).
lint: install $(TEST_RAW)/_manifest.json
	$(call step,lint: sqlfluff with the dbt templater (compiles the project first, about a minute))
	time $(LINT_ENV) $(BIN)/python -m segkit.lint lint -v models macros analyses tests

fix: install $(TEST_RAW)/_manifest.json
	$(LINT_ENV) $(BIN)/python -m segkit.lint fix models analyses tests

$(TEST_RAW)/_manifest.json: $(BIN)/.installed $(wildcard segkit/generate/*.py)
	$(BIN)/python -m segkit.generate --customers 3000 --seed 7 --out $(TEST_RAW)

# Then `dbt test` again on the built database, as a user checking it later would: the
# on-run-end hooks (erasure, publication) must leave every data test passing.
dbt-test: install $(TEST_RAW)/_manifest.json
	rm -f $(TEST_DB)
	$(DEMO_SALT_ENV) SEG_RAW_PATH=$(TEST_RAW) SEG_DUCKDB_PATH=$(TEST_DB) $(DBT) build --fail-fast
	$(DEMO_SALT_ENV) SEG_RAW_PATH=$(TEST_RAW) SEG_DUCKDB_PATH=$(TEST_DB) $(DBT) test --exclude-resource-type unit_test

# The semantic layer (docs/semantic_layer.md) on dbt-test's build: MetricFlow checks
# the semantic models, metrics and saved queries, then against the tables (mf reads
# target/semantic_manifest.json, which the parse refreshes), and runs one saved query.
SEMANTIC_ENV := $(DEMO_SALT_ENV) SEG_RAW_PATH=$(TEST_RAW) SEG_DUCKDB_PATH=$(TEST_DB)

semantic-test: install $(TEST_RAW)/_manifest.json
	$(SEMANTIC_ENV) $(DBT) parse --quiet
	$(SEMANTIC_ENV) $(BIN)/mf validate-configs
	$(SEMANTIC_ENV) $(BIN)/mf query --saved-query segment_kpis_by_segment --decimals 3

# Every test's name and result as it finishes, and the 15 slowest at the end. Test
# files run in parallel (pytest-xdist, one worker per core; PYTEST_WORKERS=1 runs them
# in one process): most of a test's time is dbt's single-threaded parse and compile,
# so two workers on two cores nearly halve the wall time. A file stays on one worker
# (--dist loadfile): its module fixtures (a dbt build) are built once.
PYTEST_WORKERS ?= auto
pytest: install
	$(call step,pytest ($(PYTEST_WORKERS) workers))
	$(DEMO_SALT_ENV) $(BIN)/python -m pytest -v --durations=15 -n $(PYTEST_WORKERS) --dist loadfile

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

test: lint integration-test dbt-test freshness-test semantic-test browser pytest snowflake-test soak-test

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
