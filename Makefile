# Zhengwu platform. `make run` and `make test` work on a fresh clone with only Python 3.11 (and npm) present.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
NPM := $(VENV)/bin/npm
export ZW_DEV ?= 1
export DJANGO_SETTINGS_MODULE := config.settings
HOST ?= 127.0.0.1
PORT ?= 8000
# Benchmarks: PostgreSQL database and scale (scale 2000 = 1,000,000 enterprises).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/zhengwu_bench
BENCH_SCALE ?= 2000
# The production configuration: cache and sessions in Redis (a database number of its own).
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14

.PHONY: install run test test-sqlite test-pg bench migrate clean

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev,assets]'
	touch $@

# Front-end assets (Bootstrap, Bootstrap Icons, ECharts) from the npm registry, with the
# Node.js that pip installed into the venv; pinned by package-lock.json, served locally.
node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

migrate: install
	$(PY) manage.py migrate --noinput

run: migrate
	$(PY) manage.py load_reference >/dev/null
	$(PY) manage.py seed_demo --if-empty
	DEBUG=1 $(PY) manage.py collectstatic --noinput -v0
	@# periodic work (SMS retries and receipts, warning scans) beside the web server
	$(PY) manage.py run_scheduler & SCHED=$$!; trap 'kill $$SCHED 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# The whole suite. With DATABASE_URL set (CI: PostgreSQL) it runs there; otherwise on SQLite.
test: install
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run >/dev/null || { echo "models changed without a migration"; exit 1; }
	@# plain copy for the suite (compressing the vendor bundles with brotli takes minutes and tests do not need it)
	DEBUG=1 $(PY) manage.py collectstatic --noinput -v0
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: install
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) bench/run.py --scale $(BENCH_SCALE) $(BENCH_ARGS)
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) bench/engines.py
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) bench/probes.py

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3
