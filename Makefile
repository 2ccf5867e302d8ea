# Seed Playground: `make run` serves the app, `make test` runs the whole suite.
# Both create ./.venv and install what they need; nothing else has to be prepared.
# `make stack` runs the production shape: nginx + WORKERS daphne workers on PostgreSQL and Redis.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
WORKERS ?= 2

.PHONY: run test install install-test browser nginx stack lint bench migrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py collectstatic --noinput -v 0
	$(BIN)/python -m playground.serve -b $(HOST) -p $(PORT) playground.asgi:application

# Debian's chromium drives the browser tests (a downloaded browser never works here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: browser tests will be skipped (sudo apt-get install chromium)"; fi; }

# Debian's nginx fronts the workers in `make stack` and in the stack tests.
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nginx-light >/dev/null; \
	  else echo "nginx is missing: the stack tests will be skipped (sudo apt-get install nginx-light)"; fi; }

# Foreground; Ctrl-C stops nginx and the workers. Runtime files (config, logs, key) in .stack/.
stack: install nginx
	$(BIN)/python -m deploy.stack --workers $(WORKERS) --port $(PORT) --host $(HOST)

test: install-test browser nginx
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check playground tests bench deploy
	$(BIN)/ruff format --check playground tests bench deploy

bench: install-test
	$(BIN)/python bench/page_weight.py
	$(BIN)/python bench/stream_load.py --clients 1 --repeat 10
	$(BIN)/python bench/stream_load.py --clients 200

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .stack
