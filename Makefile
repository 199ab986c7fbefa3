# Two commands: `make run` starts the site with demo data, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_YEARS ?= 3

.PHONY: run test test-fast e2e bench lint messages setup-demo demo-regenerate clean

# The settings default to production; the development targets say so explicitly.
run test test-fast setup-demo demo-regenerate messages: export DJANGO_DEBUG = 1

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed-run

# A second `make run` keeps what people entered: demo data is created only in a database without history.
run: $(VENV)/.installed-run
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py load_master_data
	$(BIN)/python manage.py setup_demo --years $(DEMO_YEARS)
	@# The daily jobs (redaction, pruning, digests) are queued once; a second run finds them queued and adds nothing.
	$(BIN)/python manage.py schedule_daily_tasks
	@# The task worker (notification mail, the daily jobs) runs beside the server and stops with it.
	$(BIN)/python manage.py db_worker --no-reload --queue-name '*' & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Replace the demo data and reset the demo accounts (records people entered stay).
demo-regenerate: $(VENV)/.installed-run
	$(BIN)/python manage.py setup_demo --years $(DEMO_YEARS) --regenerate

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m "not e2e" -x $(PYTEST_ARGS)

# National-scale benchmark (docs/benchmarks.md): BENCH_YEARS=1 for a quick run, BENCH_ARGS=--strict to fail on a missed target.
bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Load test: gunicorn on 127.0.0.1 with the benchmark database, 50 users; LOADTEST_SECONDS to shorten.
.PHONY: loadtest
loadtest: $(VENV)/.installed-dev
	$(BIN)/python -m bench.loadtest $(LOADTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

messages: $(VENV)/.installed-dev
	$(BIN)/python manage.py makemessages -l ja -l en --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=bench --ignore=artifacts
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles private_media
