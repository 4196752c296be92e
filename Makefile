# tfai: `make run` starts the product, `make test` checks it. Both bootstrap what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BUN := .tools/node_modules/.bin/bun
PORT ?= 3000
PYTEST_ARGS ?=

.PHONY: bootstrap run test test-fast lint typecheck pytest pytest-fast screenshots bench fuzz chaos clean doctor migrate

bootstrap: $(STAMP) $(BUN)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

$(BUN): .tools/package.json
	cd .tools && npm install --no-audit --no-fund --loglevel=error
	@test -x $(BUN) && touch $(BUN)

run: bootstrap
	$(BIN)/tfai run --port $(PORT)

doctor: bootstrap
	$(BIN)/tfai doctor

migrate: bootstrap
	$(BIN)/tfai migrate

lint: bootstrap
	$(BIN)/ruff check tfai tests benchmarks chaos alembic rxconfig.py

typecheck: bootstrap
	$(BIN)/mypy tfai tests

# Browser journeys run in their own session: sync Playwright keeps an event loop marked as running,
# which async tests collected after it in the same session cannot share.
pytest: bootstrap
	PATH="$(CURDIR)/.tools/node_modules/.bin:$$PATH" $(BIN)/pytest -m "not e2e" $(PYTEST_ARGS)
	PATH="$(CURDIR)/.tools/node_modules/.bin:$$PATH" $(BIN)/pytest -m e2e $(PYTEST_ARGS)

test: lint typecheck pytest

# The quick loop: everything but the browser journeys, the chaos tests and the API fuzzing.
pytest-fast: bootstrap
	PATH="$(CURDIR)/.tools/node_modules/.bin:$$PATH" $(BIN)/pytest -m "not e2e and not chaos and not fuzz" $(PYTEST_ARGS)

test-fast: lint typecheck pytest-fast

# The journeys save screenshots under .tfai/e2e-artifacts; only this target refreshes the tracked docs/screenshots.
screenshots: bootstrap
	TFAI_PUBLISH_SCREENSHOTS=1 PATH="$(CURDIR)/.tools/node_modules/.bin:$$PATH" $(BIN)/pytest -m e2e $(PYTEST_ARGS)

bench: bootstrap
	$(BIN)/python -m benchmarks $(if $(QUICK),--quick,)

chaos: bootstrap
	$(BIN)/python -m chaos $(if $(QUICK),--quick,)

FUZZ_EXAMPLES ?= 500
fuzz: bootstrap
	TFAI_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) TFAI_ISOLATION_EXAMPLES=100 TFAI_ISOLATION_STEPS=30 \
	  $(BIN)/pytest tests/hardening_fuzz tests/hardening_isolation -p no:cacheprovider $(PYTEST_ARGS)

clean:
	rm -rf .web .tfai .pytest_cache .mypy_cache .ruff_cache
