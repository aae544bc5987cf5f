# The two commands: `make run` (try it) and `make test` (check it). See README.md.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
export PORT

.PHONY: run test install lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(VENV)/bin/honcho --procfile Procfile.dev start

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# Needs PostgreSQL and Redis (DATABASE_URL pointing at any database the user may create
# databases from, REDIS_URL); writes bench/results.json.
bench: install
	$(PY) bench/run.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) var db.sqlite3 staticfiles .pytest_cache
