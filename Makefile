# Two entry points for people: `make serve` and `make test`.
# Both bootstrap the virtual environment on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: serve test test-fast lint format validate screenshots clean

$(BIN)/healthtech-lod: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

serve: $(BIN)/healthtech-lod
	$(BIN)/healthtech-lod serve --host $(HOST) --port $(PORT)

# The fast part of the suite: no browser, nginx, Virtuoso or started server; on every
# core (pytest-xdist).
FAST := not e2e and not browser

test: test-fast
	$(BIN)/pytest -m "not ($(FAST))"

test-fast: $(BIN)/healthtech-lod
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/healthtech-lod validate
	$(BIN)/pytest -m "$(FAST)" -n auto

validate: $(BIN)/healthtech-lod
	$(BIN)/healthtech-lod validate

screenshots: $(BIN)/healthtech-lod
	$(BIN)/python docs/screenshots/take.py

format: $(BIN)/healthtech-lod
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
