# The README's two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test venv lint typecheck demo-stop web worker beat clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) scripts/hub.py demo

test: $(STAMP)
	$(PY) scripts/hub.py test $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy alliance members enrollment billing outreach metrics

# web, worker, beat: the production processes (docker-compose.yml runs the same commands;
# tests/prod/test_production_shape.py checks that they match and runs them).
web: $(STAMP)
	$(VENV)/bin/gunicorn alliance.wsgi:application --bind 0.0.0.0:8000 --workers 3

worker: $(STAMP)
	$(VENV)/bin/celery -A alliance worker --loglevel=INFO -Q $${CELERY_TASK_DEFAULT_QUEUE:-hub}

beat: $(STAMP)
	$(VENV)/bin/celery -A alliance beat --loglevel=INFO

demo-stop:
	-$(PY) -c "import pgserver; pgserver.get_server('var/pgdata', cleanup_mode='stop').cleanup()"

clean:
	rm -rf $(VENV) var/pgdata var/staticfiles
