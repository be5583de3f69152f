# The two commands a newcomer needs: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $$p && break; done)

# The demo runs with no services at all: SQLite, Celery in eager mode, e-mail on the console.
DEMO_ENV := DEBUG=1 DATABASE_URL=$${DATABASE_URL:-sqlite:///demo.sqlite3} CELERY_TASK_ALWAYS_EAGER=$${CELERY_TASK_ALWAYS_EAGER:-1} \
	CACHE_BACKEND=$${CACHE_BACKEND:-locmem} EMAIL_BACKEND=$${EMAIL_BACKEND:-django.core.mail.backends.console.EmailBackend} \
	SECURE_SSL_REDIRECT=0

.PHONY: demo test install system lint format services clean messages node

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

system:
	@bash scripts/system-packages.sh

demo: install system
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py seed_demo
	$(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:8000

services:
	@bash scripts/services.sh

# Node packages the browser tests inject into pages (axe-core); reinstalled when the lock file changes.
node:
	@if [ -f package.json ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then \
		npm ci --no-audit --no-fund; fi

# Two processes: the suite runs in about half the time on the 2-core machines of this project.
PYTEST_ARGS ?= -n 2

test: install system services node
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format:
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

messages:
	DEBUG=1 $(PY) manage.py makemessages -l ja --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=bench --ignore=node_modules --ignore=tests
	DEBUG=1 $(PY) manage.py makemessages -d djangojs -l ja --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=static/vendor --ignore=node_modules --ignore=bench --ignore=tests
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

clean:
	rm -rf $(VENV) demo.sqlite3 media staticfiles
