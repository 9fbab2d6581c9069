# Eigen for Jupyter — every target works from a fresh clone with only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint typecheck pytest bench clean ui-deps ui-build ui-test

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask]'
	touch $(STAMP)

## The main job: compile and run the example programs with the embedded engine.
demo: setup
	$(BIN)/python -m eigen_engine.demo

lint: setup
	$(BIN)/ruff check eigen_lang eigen_engine eigen_jupyter tests bench

typecheck: setup
	$(BIN)/mypy

pytest: setup
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

## The JupyterLab side panel: Chromium (Debian) and npm packages, the build, its tests.
CHROMIUM ?= /usr/bin/chromium

ui-deps: setup
	test -x $(CHROMIUM) || (apt-get update && apt-get install -y chromium)
	cd frontend && npm install --no-audit --no-fund
	cd frontend/ui-tests && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	$(MAKE) ui-build

ui-build: setup
	cd frontend && PATH="$(CURDIR)/$(BIN):$$PATH" npm run build
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/jupyter-builder develop --overwrite .

ui-test: ui-deps
	EIGEN_UI_TESTS=1 $(BIN)/python -m pytest -q tests/jupyter/ui

bench: setup
	@set -e; for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f; done

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
