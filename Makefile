# Two commands: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint snapshots screenshots bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/synic $(ARGS)

SOURCES := synic_core tui tests bench scripts

test: lint
	$(BIN)/python -m pytest -n 2 --dist worksteal -m "not serial and not slow"
	$(BIN)/python -m pytest -m "serial and not slow"

# Style, types and layers: each one fails `make test`.
lint: $(STAMP)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

screenshots: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[screenshots]'
	$(BIN)/python scripts/screenshots.py

# The slow tests (minutes: --cpus all against the explicit 4-CPU searches) run here, not in `make test`.
bench: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist worksteal -m slow
	$(BIN)/python bench/run.py

snapshots: $(STAMP)
	$(BIN)/python -m pytest tests/tui --snapshot-update

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
