# Two commands for a newcomer: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
PORT ?= 8501

.DEFAULT_GOAL := help
.PHONY: help run test lint types unit e2e bench chromium clean

help:
	@echo "make run    create .venv, install, start the app on http://localhost:$(PORT)"
	@echo "make test   install everything, then lint, types, unit, app and browser tests"
	@echo "make bench  run the benchmarks in benchmarks/ (prints timings and ratios)"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Stamp files: reinstall only when a requirements file changes.
$(VENV)/.installed-run: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(PY) -m streamlit run app.py --server.port $(PORT)

# Debian's chromium drives the browser tests (Playwright never downloads a browser here).
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	elif command -v sudo >/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; \
	else echo "Browser tests need Debian's chromium: apt-get install -y chromium" >&2; exit 1; fi

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

types: $(VENV)/.installed-dev
	$(PY) -m mypy

unit: $(VENV)/.installed-dev
	$(PY) -m pytest -n auto --dist loadfile tests/unit tests/app -m "not e2e"

e2e: $(VENV)/.installed-dev chromium
	$(PY) -m pytest tests/e2e

# On every core; a test file runs whole on one worker (the browser tests share their app).
test: $(VENV)/.installed-dev chromium lint types
	$(PY) -m pytest -n auto --dist loadfile

bench: $(VENV)/.installed-dev
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache test-artifacts
