# pgpay developer commands. Every target creates .venv on first use; nothing else needs installing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run migrate test lint format bench bench-count status clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## make run: embedded PostgreSQL (unless DATABASE_URL is set), migrate, then serve on 127.0.0.1:8787
run: $(STAMP)
	$(BIN)/pgpay run

## make migrate: apply migrations and re-apply sql/ against DATABASE_URL (or the embedded server)
migrate: $(STAMP)
	$(BIN)/pgpay migrate

status: $(STAMP)
	$(BIN)/pgpay status

## make test: the whole suite on a throw-away embedded PostgreSQL
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/sqlfluff lint sql migrations

format: $(STAMP)
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests
	$(BIN)/sqlfluff fix sql migrations

## make bench: throughput and latency of the webhook ingestor against a same-run baseline
bench: $(STAMP)
	$(BIN)/python -m pgpay.bench $(BENCH_ARGS)

## make bench-count: PostgreSQL instructions per ingested event (needs valgrind); exact, for A/B of SQL changes
bench-count: $(STAMP)
	$(BIN)/python -m pgpay.bench_count $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
