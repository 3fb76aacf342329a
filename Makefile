# openai-batch-client: every task a developer or CI runs.
# `make test` sets up everything it needs on a fresh machine (venv, Python packages, npm tools).

PYTHON_BOOT ?= $(shell command -v python3.11 || command -v python3)
VENV        := .venv
PY          := $(VENV)/bin/python
UPSTREAM    ?= ../shared/specs/openai-openapi-2026-08-21.yaml
# Set ALLOW_MISSING=1 to regenerate against an older upstream: overlay actions that
# match nothing are listed and skipped instead of failing the build.
SPEC_FLAGS  := $(if $(ALLOW_MISSING),--allow-missing,)

.PHONY: help setup browser spec generate check-generated lint typecheck test test-fast demo serve bench clean

help:
	@echo "make demo             run a 1,000-request batch end to end against the local server"
	@echo "make test             set up and run every check and test"
	@echo "make spec [UPSTREAM=] rebuild openapi.yaml from the official spec"
	@echo "make generate         regenerate generated/openai_batch_api from openapi.yaml"
	@echo "make check-generated  fail if generated/ differs from a fresh generation"
	@echo "make bench            benchmark against the official SDK and raw httpx"

# --- set-up -------------------------------------------------------------------------------
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed node_modules/.installed

# The dashboard's browser tests drive the system's Chromium (Debian's package): installed here when
# missing, as root (or with a sudo that asks no password); at once when it is there already. A user
# who cannot install it gets the tests skipped, except under CI, where this fails at once.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then run=; elif sudo -n true 2>/dev/null; then run="sudo -n"; \
	  else echo "browser: chromium is missing and this user cannot install it (apt-get install chromium)"; \
	  case "$${CI:-}" in ""|0|false|no) exit 0;; *) exit 1;; esac; fi; \
	  $$run apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$run apt-get install -y -qq chromium >/dev/null; }

# --- code generation ------------------------------------------------------------------------
spec: $(VENV)/.installed
	$(PY) overrides/codegen/build_spec.py $(UPSTREAM) openapi.yaml $(SPEC_FLAGS)

generate: $(VENV)/.installed
	$(PY) overrides/codegen/generate.py --spec openapi.yaml --config generator-config.yaml --out generated

check-generated: $(VENV)/.installed
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(PY) overrides/codegen/generate.py --spec openapi.yaml --config generator-config.yaml --out "$$tmp" && \
	diff -r -x __pycache__ generated "$$tmp" && echo "check-generated: generated/ matches a fresh generation"

# --- gates ----------------------------------------------------------------------------------
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check overrides tests bench
	$(VENV)/bin/ruff format --check overrides tests bench

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy --strict

test: setup browser check-generated lint typecheck
	$(PY) -m pytest

# --- running --------------------------------------------------------------------------------
demo: $(VENV)/.installed
	$(PY) -m openai_batch.demo

serve: $(VENV)/.installed
	$(VENV)/bin/openai-batch serve

bench: $(VENV)/.installed
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache
