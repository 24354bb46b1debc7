# Footwork: `make run` serves the demo, `make test` runs every test.
# With no environment it uses SQLite and Celery's filesystem broker; set DATABASE_URL
# (postgres://…) and REDIS_URL (redis://…) to use PostgreSQL and Redis.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CHROMIUM_PATH ?= /usr/bin/chromium
export CHROMIUM_PATH

.PHONY: run test install messages browser lint clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Compiled translations are build output, not committed.
messages: install
	$(PY) manage.py compilemessages --ignore '$(VENV)' --ignore var --verbosity 0

# Browser tests drive Debian's Chromium (Playwright never downloads a browser here); a
# Chinese font comes with it so that screenshots of the Chinese pages are readable.
browser:
	@test -x $(CHROMIUM_PATH) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null \
	      || echo "No Chinese font installed: tests pass, but screenshots show boxes for Chinese."; \
	  else \
	    echo "Browser tests need Chromium at $(CHROMIUM_PATH): apt-get install chromium (or set CHROMIUM_PATH)"; exit 1; \
	  fi; }

run: messages
	mkdir -p var/celery-queue/out var/celery-queue/processed var/celery-queue/control
	$(PY) manage.py migrate --noinput --verbosity 0
	$(PY) manage.py seed_demo
	@echo "Serving http://127.0.0.1:8000 with a Celery worker and beat (Ctrl-C stops all three)."
	@# On Ctrl-C or when runserver ends, stop the worker and beat once: a trap that
	@# signalled the whole group ran again on its own signal (a storm of shutdowns).
	@trap 'trap - INT TERM EXIT; kill $$(jobs -p) 2>/dev/null; wait' INT TERM EXIT; \
	$(VENV)/bin/celery -A config worker --loglevel INFO --concurrency 2 & \
	$(VENV)/bin/celery -A config beat --loglevel INFO & \
	$(PY) manage.py runserver 127.0.0.1:8000

# The fault tests switch dependencies off (through their own proxies) and run last,
# one at a time; without PostgreSQL and Redis configured they are skipped.
test: messages browser
	$(PY) -m pytest -n 2 -m "not faults" $(PYTEST_ARGS)
	$(PY) -m pytest -m faults $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf var .pytest_cache
