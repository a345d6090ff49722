# The README's two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test gates venv lint typecheck demo-stop web worker beat clean lock loadtest

# Every dependency, direct and transitive, comes from a lock with its hashes (pip refuses a
# file whose hash differs): requirements-dev.lock here (product and tests), requirements.lock in
# the production image. pyproject.toml names the direct ones; `make lock` resolves them again
# into both locks (see README, "Dependencies").
PIP_VERSION := 26.3
UV_VERSION := 0.13.9

$(STAMP): pyproject.toml requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "pip==$(PIP_VERSION)"
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) scripts/hub.py demo

# `make test` runs the build's gates (ruff format --check, ruff check, mypy) before pytest, each
# failing the run; a run whose PYTEST_ARGS name tests skips them, except under CI (scripts/hub.py).
test: $(STAMP)
	$(PY) scripts/hub.py test $(PYTEST_ARGS)

gates: $(STAMP)
	$(PY) scripts/hub.py gates

lint: $(STAMP)
	$(PY) scripts/hub.py gates ruff-format ruff-check

typecheck: $(STAMP)
	$(PY) scripts/hub.py gates mypy

# web, worker, beat: the production processes (docker-compose.yml runs the same commands;
# tests/prod/test_production_shape.py checks that they match and runs them).
web: $(STAMP)
	$(VENV)/bin/gunicorn alliance.wsgi:application --bind 0.0.0.0:8000 --workers 3 --worker-class gthread --threads 3 --worker-connections 3 --keep-alive 0 --preload --max-requests 2000 --max-requests-jitter 200

worker: $(STAMP)
	$(VENV)/bin/celery -A alliance worker --loglevel=INFO -Q $${CELERY_TASK_DEFAULT_QUEUE:-hub}

beat: $(STAMP)
	$(VENV)/bin/celery -A alliance beat --loglevel=INFO

# The production shape (compose's web, worker and beat, nginx in front, DJANGO_DEBUG=false) on
# a seeded database of its own, under 25 then 100 signed-in sessions for 60 s each; a table per
# page kind, then one JSON line (README, "Load test"). LOADTEST_ARGS="--app-dir ../old --seconds 90".
loadtest: $(STAMP)
	$(PY) scripts/loadtest.py $(LOADTEST_ARGS)

demo-stop:
	-$(PY) -c "import pgserver; pgserver.get_server('var/pgdata', cleanup_mode='stop').cleanup()"

clean:
	rm -rf $(VENV) var/pgdata var/staticfiles

# Re-resolve both locks from pyproject.toml (after changing a pin there). The production lock is
# constrained by the dev lock, so the two never disagree on a version. Add UPGRADE=--upgrade to
# move unpinned transitive dependencies to their newest releases.
LOCK_ARGS = --generate-hashes --universal --python-version 3.11 --index-url https://pypi.org/simple

lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "uv==$(UV_VERSION)"
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev $(LOCK_ARGS) $(UPGRADE) -o requirements-dev.lock
	$(VENV)/bin/uv pip compile pyproject.toml $(LOCK_ARGS) -c requirements-dev.lock -o requirements.lock
