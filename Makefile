# greyzone: `make demo` runs the main comparison; `make test` runs the default test suite
# (lint, import contracts, then the tests); `make test-all` runs every test, slow ones and the
# Ray-cluster ones included; `make app` serves the live model (/) and the results explorer
# (/explorer) on http://127.0.0.1:8765.
# All create .venv with a Python >= 3.12 and install the pinned dependencies first.
SHELL := /bin/sh
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_DIR := outputs/demo/$(shell date +%Y-%m-%d_%H-%M-%S)
export PIP_CONSTRAINT := $(CURDIR)/constraints.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test test-all test-cluster lint bench bench-launchers lock venv app browser
# the tests run on one worker per core (pytest-xdist); a group of tests sharing fixtures stays on one
PYTEST := $(PY) -m pytest -q -n auto --dist loadgroup

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@if [ ! -x $(PY) ]; then \
		python=$$(scripts/find_python.sh) || exit 1; \
		echo "[make] creating $(VENV) with $$python"; \
		"$$python" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/greyzone --multirun scenario=ambiguous_curbs,blanket_ban hydra.sweep.dir=$(DEMO_DIR)

test: lint browser
	$(PYTEST)

test-all: lint browser   # every test: the default suite, the slow tests and the Ray-cluster tests
	$(PYTEST) -m ""

browser:
	@scripts/ensure_chromium.sh

APP_PORT ?= 8765
app: $(STAMP)
	@echo "[make] greyzone: the live model on http://127.0.0.1:$(APP_PORT)/, the results explorer on http://127.0.0.1:$(APP_PORT)/explorer (Ctrl-C to stop)"
	$(VENV)/bin/solara run model.dashboard.app --host 127.0.0.1 --port $(APP_PORT) --production

test-cluster: $(STAMP)   # only the tests that start a local Ray cluster (part of `make test-all`)
	$(PY) -m pytest -q -m cluster

lint: $(STAMP)   # ruff, and the layer contracts of the package (import-linter, pyproject.toml)
	$(VENV)/bin/ruff check model tests benchmarks hydra_plugins
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(PY) benchmarks/run.py

bench-launchers: $(STAMP)   # per-job overhead of joblib, submitit_local and Ray (benchmarks/launchers.md)
	$(PY) benchmarks/launchers.py

lock: $(STAMP)
	@echo "# Pinned versions for every install (make uses: pip install -c constraints.txt)." > constraints.txt.new
	@echo "# Regenerate with \`make lock\` after changing dependencies in pyproject.toml." >> constraints.txt.new
	$(PY) -m pip freeze --exclude-editable >> constraints.txt.new
	@$(PY) -m pip --version | awk '{print "pip==" $$2}' >> constraints.txt.new
	@printf 'setuptools==84.2.1\nwheel==0.48.0\n' >> constraints.txt.new
	mv constraints.txt.new constraints.txt
