# One entry point: `make demo`, `make test`, `make lint`, `make check`.
# The environment is built from uv.lock by a pinned uv, itself installed into .tools/ with the machine's python3.
UV_VERSION := 0.13.8
PYTHON ?= python3
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT
# Local runs (demo, tests) are development runs; production sets DEBUG=false and a real SECRET_KEY.
export DEBUG ?= true
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: demo test test-sqlite test-postgres lint check messages bench bench-full clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --quiet
	touch $@

demo: $(VENV)/.synced
	DEMO_MODE=true $(BIN)/learningcity demo
	DEMO_MODE=true $(BIN)/learningcity serve --with-worker

# The whole suite: on SQLite, and on PostgreSQL as well when DATABASE_URL is set.
test: $(VENV)/.synced
	env -u DATABASE_URL $(BIN)/pytest -n 2 --dist loadfile
	@if [ -n "$$DATABASE_URL" ]; then echo "== again on $$DATABASE_URL"; $(BIN)/pytest -n 2 --dist loadfile; fi

test-postgres: $(VENV)/.synced
	@test -n "$$DATABASE_URL" || { echo "set DATABASE_URL=postgres://…"; exit 2; }
	$(BIN)/pytest -n 2 --dist loadfile

lint: $(VENV)/.synced
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

check: $(VENV)/.synced
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run

messages: $(VENV)/.synced
	cd src/learningcity && ../../$(BIN)/django-admin makemessages -l vi --no-obsolete -i "static/vendor/*" && ../../$(BIN)/django-admin compilemessages

bench: $(VENV)/.synced
	$(BIN)/python bench/run.py --people 1000000

bench-full: $(VENV)/.synced
	$(BIN)/python bench/run.py --people 10000000

clean:
	rm -rf $(VENV) .tools var
