# Two commands: `make run` (set up and start the app) and `make test` (set up and run every test).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint typecheck bench install install-dev browser speedups checkov clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# checkov lives in a virtualenv of its own: it pins older boto3/botocore than the app's.
CHECKOV_VENV := .venv-checkov
$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements-checkov.txt
	touch $@
checkov: $(CHECKOV_VENV)/.installed

install: $(VENV)/.runtime speedups
install-dev: $(VENV)/.dev speedups

# The chat parser's C steps, built in place; without a C compiler this warns and the parser
# runs its pure-Python steps (same results, slower).
speedups: $(VENV)/.runtime
	$(PY) setup.py --quiet build_ext --inplace

run: $(VENV)/.runtime speedups
	$(PY) manage.py migrate --noinput
	$(PY) manage.py ensure_first_user
	exec $(PY) manage.py runplatform

# Debian's Chromium for the browser tests, and axe-core (npm) for their accessibility checks.
browser:
	@bash deploy/ensure-chromium.sh
	@bash deploy/ensure-axe.sh

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .

test: $(VENV)/.dev speedups browser checkov
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .
	bash tests/run.sh

bench: $(VENV)/.dev speedups
	@bash deploy/ensure-libvips.sh
	$(PY) -m pip install --quiet -r requirements-bench.txt
	$(PY) -m tests.benchmarks

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .pytest_cache .mypy_cache .ruff_cache build chats/whatsapp/_speedups.*.so tests/e2e/node_modules
