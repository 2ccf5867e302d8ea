# Seed Playground: `make run` serves the app, `make test` runs the whole suite.
# Both create ./.venv and install what they need; nothing else has to be prepared.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install install-test browser lint bench migrate clean

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
	$(BIN)/daphne -b $(HOST) -p $(PORT) playground.asgi:application

# Debian's chromium drives the browser tests (a downloaded browser never works here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: browser tests will be skipped (sudo apt-get install chromium)"; fi; }

test: install-test browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check playground tests bench
	$(BIN)/ruff format --check playground tests bench

bench: install-test
	$(BIN)/python bench/page_weight.py
	$(BIN)/python bench/ttft_overhead.py

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
