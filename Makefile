# Verbund: the two commands are `make run` and `make test`; everything else is a step they share.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: install run test lint typecheck pytest bench browser vendor openapi clean

## install: create .venv and install the pinned dependencies (idempotent; redone when pyproject changes),
## then Debian's PDF libraries if missing (Pango, HarfBuzz subset) and the English catalogues (.po → .mo, in Python)
install: $(VENV)/.installed
	@bash scripts/ensure-pdf-libraries.sh
	@$(BIN)/python -m tools.translations compile

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

## run: install, migrate, load registry and demo data (default SQLite file, or VERBUND_DEMO=1), then web server, worker and scheduler (Procfile; Ctrl-C stops all) on http://127.0.0.1:$(PORT)
run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_demo --if-default-database
	$(BIN)/honcho start --procfile Procfile --port $(PORT)

## test: lint (ruff, import contracts), type check and the whole test suite (incl. browser tests in headless Chromium)
test: install lint typecheck browser pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo --no-cache

typecheck: install
	$(BIN)/mypy config verbund bench tools

browser:
	@bash scripts/ensure-chromium.sh

pytest: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -n 2 $(PYTEST_ARGS)

## bench: benchmarks, printed as JSON lines
bench: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python -m bench $(BENCH_ARGS)

## openapi: rewrite the committed OpenAPI schema after an intended API change
openapi: install
	$(BIN)/python manage.py export_openapi > docs/openapi.json

## vendor: refresh the vendored KERN UX, htmx and Leaflet assets from npm
vendor:
	bash scripts/vendor.sh

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
