# Eigen for Jupyter — every target works from a fresh clone with Python 3.11+; the side panel
# also needs Node.js 20 with npm, and its browser tests Chromium (installed here with apt).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo lab test lint typecheck pytest bench clean chromium ui-deps ui-build ui-test

setup: $(STAMP)

# `pip install -e` also builds the side panel when Node.js is there (the hatch-jupyter-builder
# hook; without Node it goes on without the panel). The editable install copies the panel to
# $(LABEXT_LINK): drop the dev link first, or pip would write (and delete) through it.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	if [ -L $(LABEXT_LINK) ]; then rm $(LABEXT_LINK); fi
	$(BIN)/python -m pip install --quiet -e '.[dev,dask]'
	touch $(STAMP)

## The main job: compile and run the example programs with the embedded engine.
demo: setup
	$(BIN)/python -m eigen_engine.demo

## JupyterLab on the teaching notebooks, with the Eigen jobs side panel (Ctrl-C stops it).
## Extra options: make lab LAB_ARGS="--port=9999 --no-browser"
LAB_ARGS ?=
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: ui-build
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks $(ROOT_FLAG) $(LAB_ARGS)

lint: setup
	$(BIN)/ruff check eigen_lang eigen_engine eigen_jupyter tests bench

typecheck: setup
	$(BIN)/mypy

## Python tests only (the frontend and packaging tests skip without EIGEN_UI_TESTS=1).
pytest: setup
	$(BIN)/python -m pytest -q

## Everything CI runs: ruff, mypy, and pytest including the side panel's TypeScript tests,
## its browser tests (Galata, Chromium), Notebook 7 and the wheel in a venv without Node.
test: lint typecheck ui-deps
	EIGEN_UI_TESTS=1 $(BIN)/python -m pytest -q

## The side panel: Chromium (Debian), the npm packages, the build, each redone only when stale.
CHROMIUM ?= /usr/bin/chromium
NPM := PATH="$(CURDIR)/$(BIN):$$PATH" PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm
FRONTEND_DEPS := frontend/node_modules/.package-lock.json
UI_TEST_DEPS := frontend/ui-tests/node_modules/.package-lock.json
LABEXT_BUILT := eigen_jupyter/labextension/package.json
LABEXT_LINK := $(VENV)/share/jupyter/labextensions/@eigen-jupyter/labextension
FRONTEND_SOURCES := $(wildcard frontend/src/*.ts frontend/style/* frontend/schema/*.json) \
	frontend/package.json frontend/install.json frontend/tsconfig.json

chromium:
	test -x $(CHROMIUM) || (apt-get update && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y chromium)

# `npm install`, not `npm ci`: see tests/jupyter/ui/frontend.py (frontend_deps).
$(FRONTEND_DEPS): frontend/package.json frontend/package-lock.json
	cd frontend && $(NPM) install --no-audit --no-fund
	touch $@

$(UI_TEST_DEPS): frontend/ui-tests/package.json frontend/ui-tests/package-lock.json
	cd frontend/ui-tests && $(NPM) ci --no-audit --no-fund
	touch $@

$(LABEXT_BUILT): $(FRONTEND_DEPS) $(FRONTEND_SOURCES) | $(STAMP)
	cd frontend && $(NPM) run build
	touch $@

# The venv's JupyterLab loads the build in place (a link), so a rebuild needs no reinstall.
ui-build: setup $(LABEXT_BUILT)
	test -L $(LABEXT_LINK) || $(BIN)/jupyter-builder develop --overwrite .

ui-deps: setup chromium ui-build $(UI_TEST_DEPS)

ui-test: ui-deps
	EIGEN_UI_TESTS=1 $(BIN)/python -m pytest -q tests/jupyter/ui tests/packaging

bench: setup
	@set -e; for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f; done

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache \
		eigen_jupyter/labextension frontend/lib frontend/tsconfig.tsbuildinfo
