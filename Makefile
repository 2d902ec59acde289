# egms-tiler — every developer and user task is one target here. `make help` lists them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_OUT ?= build/demo
SAMPLES := tests/data/egms
PYTEST_ARGS ?= -n 2 --dist loadfile  # two workers, each test file on one (pytest-xdist)

RUNTIME_STAMP := $(VENV)/.installed-runtime
TEST_STAMP := $(VENV)/.installed-test

.PHONY: help demo demo-build test test-fast browser-test golden lint format bench bench-scale vendor dist clean system-deps

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

$(RUNTIME_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(TEST_STAMP): $(RUNTIME_STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

demo: demo-build  ## set up .venv, build the bundled real EGMS samples and serve them on http://127.0.0.1:8000/
	$(BIN)/egms-tiler serve $(DEMO_OUT) --host $(HOST) --port $(PORT)

demo-build: $(RUNTIME_STAMP)  ## the same without serving: writes build/demo/
	$(BIN)/egms-tiler build $(SAMPLES) -o $(DEMO_OUT) --epochs --assets tests/data/assets/ustica-assets.gpkg --assets-id name --title "EGMS demo: Ustica (real samples)"

system-deps:  ## install the browser the tests drive (Debian chromium) when it is missing
	@bash tools/system-deps.sh

test: $(TEST_STAMP) system-deps  ## install what the tests need, then run the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(TEST_STAMP)  ## the tests without the browser and slow ones (quick edit loop)
	$(BIN)/python -m pytest -m "not browser and not slow" $(PYTEST_ARGS)

browser-test: $(TEST_STAMP) system-deps  ## only the real-browser tests
	$(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

golden: $(TEST_STAMP)  ## regenerate tests/golden/ after a reviewed change of the output
	UPDATE_GOLDEN=1 $(BIN)/python -m pytest tests/pipeline/test_golden.py -q

lint: $(TEST_STAMP)  ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check tiler tests tools
	$(BIN)/mypy

format: $(TEST_STAMP)  ## apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format tiler tests tools

bench: $(TEST_STAMP)  ## benchmarks (not part of make test)
	@test -f bench/run.py || { echo "no benchmarks yet (bench/run.py)"; exit 1; }
	$(BIN)/python bench/run.py

bench-scale: $(TEST_STAMP)  ## memory and time per point as a layer grows: 1M, 10M, 30M points (hours)
	cd bench && ../$(BIN)/python scale.py $(SCALE_ARGS)

vendor:  ## maintainers: refresh site/vendor/ from site/package-lock.json (needs Node/npm)
	bash tools/vendor.sh

dist: $(TEST_STAMP)  ## build the sdist and wheel into dist/
	$(BIN)/python -m build --outdir dist .

clean:  ## remove build outputs (keeps .venv)
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache
