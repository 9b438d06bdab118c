# The developer loop. `make test` is the one command CI runs; `make demo` shows the chain.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.gitops-ci-installed
PYTEST_ARGS ?=
EXAMPLE_WORKFLOWS := $(wildcard examples/app/.github/workflows/*.yml examples/workflow-templates/*.yml)

.PHONY: all venv lint lint-tools format test unit demo bench clean

all: test

venv: $(STAMP)

$(STAMP): requirements/dev.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# actionlint silently skips its shellcheck rule when shellcheck is missing: where tools are
# required (CI), a missing shellcheck fails lint instead.
lint-tools:
	@if ! command -v shellcheck >/dev/null; then \
	  if [ "$${GITOPS_CI_REQUIRE_TOOLS:-}" = 1 ]; then \
	    echo "shellcheck is not installed, so actionlint would not check any run: script;" \
	      "install it: bash scripts/install-system-deps.sh (or apt-get install shellcheck)" >&2; exit 1; \
	  fi; \
	  echo "warning: shellcheck is not installed: actionlint skips the run: scripts" >&2; \
	fi

# The examples are what people copy: they also pass zizmor's pedantic persona.
lint: venv lint-tools
	$(BIN)/black --check --quiet scripts tests benchmarks
	$(BIN)/flake8 scripts tests benchmarks
	$(BIN)/mypy --strict scripts
	$(BIN)/actionlint -no-color
	$(BIN)/actionlint -no-color $(EXAMPLE_WORKFLOWS)
	$(BIN)/zizmor --offline --no-progress --quiet . $(EXAMPLE_WORKFLOWS)
	$(BIN)/zizmor --offline --no-progress --quiet --persona pedantic $(EXAMPLE_WORKFLOWS)

format: venv
	$(BIN)/black scripts tests benchmarks

# pytest exits 5 when it collected nothing: that is a failure, not a pass.
test: lint
	rc=0; $(BIN)/python -m pytest -n 2 $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

unit: venv
	$(BIN)/python -m pytest -n 2 tests/unit $(PYTEST_ARGS)

# On a fresh Debian machine as root this installs the system packages first; elsewhere it says
# what is missing and how to get it.
demo:
	bash scripts/install-system-deps.sh
	$(MAKE) --no-print-directory venv
	$(BIN)/python scripts/demo.py

bench: venv
	$(BIN)/python benchmarks/bootstrap.py

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache
