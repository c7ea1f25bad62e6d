# The two commands of README.md: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup test lint format migrations-check bench bench-quick messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

# Sets up SQLite under var/, loads Phayao's demo with a login for each role, prints
# the logins, and serves at http://127.0.0.1:8000.
run: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py load_demo
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(STAMP)
	SECRET_KEY=test-only-secret SECURE_COOKIES=0 $(BIN)/pytest -n auto -p no:cacheprovider $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

# Country-scale benchmarks (issue 6): registry import, exports, dashboard, load, capacity.
# They need the local PostgreSQL; they write bench/RESULTS.md (bench/RESULTS-quick.md).
$(VENV)/.bench: $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	touch $(VENV)/.bench

bench: $(VENV)/.bench
	$(BIN)/python bench/run.py

bench-quick: $(VENV)/.bench
	$(BIN)/python bench/run.py --quick

# Refresh the English catalog after changing Thai UI text, then translate the new
# entries in locale/en/LC_MESSAGES/django.po and compile.
messages: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=bench --ignore=tests --no-obsolete
	$(BIN)/python -m otop_portal.i18n_check locale/en/LC_MESSAGES/django.po
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var/db.sqlite3
