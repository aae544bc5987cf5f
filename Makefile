# The two commands: `make run` (try it) and `make test` (check it). See README.md.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
RECEIVER_PORT ?= 8001
export PORT

.PHONY: run test install lint messages bench chaos scale screening-report clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# Local settings (DEBUG, a local-only secret, loopback webhooks) only where asked for: every
# entry point defaults to production settings, which refuse to start without SECRET_KEY.
LOCAL = DJANGO_SETTINGS_MODULE=config.settings.local
# Folders holding no strings of ours (makemessages would read their .html and .txt files).
MESSAGE_IGNORE = .venv node_modules tests bench docs var staticfiles

run: install
	$(LOCAL) $(PY) manage.py migrate --noinput
	$(LOCAL) $(PY) manage.py seed_demo
	rm -rf var/metrics && mkdir -p var/metrics
	$(LOCAL) PROMETHEUS_MULTIPROC_DIR=$(CURDIR)/var/metrics VIRTUAL_ENV_BIN=$(CURDIR)/$(VENV)/bin \
	  HOST=$(HOST) PORT=$(PORT) RECEIVER_PORT=$(RECEIVER_PORT) RUN_DIR=$(CURDIR)/var \
	  $(VENV)/bin/supervisord -c config/supervisord.conf

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# Translations: extract every translatable string into locale/<lang>/LC_MESSAGES/django.po
# (new ones arrive empty, changed ones fuzzy: translate them), then compile the .mo files,
# which are committed so that `make run` needs only Python. Needs GNU gettext (apt-get
# install gettext). tests/test_translations.py fails while a string is missing or fuzzy.
MESSAGE_LANGUAGES = zh_Hans
messages: install
	$(LOCAL) $(PY) manage.py makemessages $(addprefix -l ,$(MESSAGE_LANGUAGES)) \
	  --no-obsolete --add-location file $(addprefix --ignore ,$(MESSAGE_IGNORE))
	$(LOCAL) $(PY) manage.py compilemessages $(addprefix -l ,$(MESSAGE_LANGUAGES)) \
	  $(addprefix --ignore ,$(MESSAGE_IGNORE))

# Needs PostgreSQL and Redis (DATABASE_URL pointing at any database the user may create
# databases from, REDIS_URL); writes bench/results.json.
bench: install
	$(PY) bench/run.py

# Faults under load: receiver down, worker killed, Redis restarted, PostgreSQL connections
# killed, two workers and one beat. Needs PostgreSQL and redis-server; writes bench/chaos.json.
chaos: install
	$(PY) bench/run_chaos.py

# Scale-out: two gunicorn processes, two workers, two beats (one stands by), 1,000 posts
# submitted and approved over HTTP, every webhook exactly once. Writes bench/scale.json.
scale: install
	$(PY) bench/run_scale.py

# Screening's recall and false positives on the labelled corpus (tests/data/), per evasion kind.
screening-report: install
	$(LOCAL) $(PY) manage.py migrate --noinput -v0
	$(LOCAL) $(PY) manage.py screening_report

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) var db.sqlite3 staticfiles .pytest_cache
