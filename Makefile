# Two commands for a new user: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test lint format lock messages db bench screenshots

$(BIN)/activate: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	touch $(BIN)/activate

install: $(BIN)/activate

# Create the database if it is not there yet (psycopg, no psql needed).
db: install
	DEBUG=1 $(BIN)/python manage.py ensure_database

# Migrates, seeds and runs web + worker + beat with the production settings (DEBUG off)
# over plain http, and a secret key generated on first run into .demo-secret-key
# (git-ignored). DEBUG=1 here only lets the supervising command load settings; see
# miiwrap/management/commands/run_demo.py.
demo: db
	DEBUG=1 $(BIN)/python manage.py run_demo --addr $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest -n 2

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	DEBUG=1 $(BIN)/python manage.py makemessages -l es --ignore=.venv --ignore=tests --ignore=staticfiles --ignore=docs
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv

# Refresh the README's pictures in docs/screenshots/ (a plain test run writes them to a
# temporary folder, so it leaves the work tree clean). The page gate takes none.
screenshots: install
	SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest tests/browser -m browser \
		--ignore=tests/browser/test_page_gates.py

# Regenerate the lock file from pyproject.toml ranges (exact versions of everything installed).
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet --upgrade pip
	.lockenv/bin/pip install --quiet -e ".[test]"
	.lockenv/bin/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock
	rm -rf .lockenv

# Figures and ratios for goal pages and saves (own database: miiwrap_bench).
bench: install
	DEBUG=1 $(BIN)/python benchmarks/goal_pages.py

# Outbox throughput to a local SMTP server and the sweeper's query count at 10 and 10,000
# due emails (own database miiwrap_bench_outbox; own Redis and SMTP server on spare ports).
# The engagement dashboards on 2,000 teams and 2 million events (own database
# miiwrap_scale, loaded by seed_scale when empty). Figures in docs/benchmarks.md.
.PHONY: bench-dashboards
bench-dashboards: install
	DEBUG=1 $(BIN)/python manage.py seed_scale --if-empty
	$(BIN)/python benchmarks/dashboards.py

.PHONY: bench-outbox
bench-outbox: install
	DEBUG=1 $(BIN)/python benchmarks/outbox.py

# The drift scan on 10,000 teams: own database miiwrap_drift_bench, loaded by seed_scale
# when empty (10,000 teams, fewer other rows than the dashboards' data and no extra
# events: the scan reads none); the benchmark adds circles, practice observations,
# prompts and a 10-team organisation once. Own Redis and SMTP server on spare ports.
DRIFT_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/miiwrap_drift_bench
.PHONY: bench-drift
bench-drift: install
	DEBUG=1 $(BIN)/python manage.py seed_scale --if-empty --database-url $(DRIFT_DATABASE_URL) \
		--teams 10000 --users 30000 --events 1 --reflections 500000 --goals 100000 \
		--revisions 600000 --checkins 150000
	DEBUG=1 DRIFT_DATABASE_URL=$(DRIFT_DATABASE_URL) $(BIN)/python benchmarks/drift.py
