# Every target sets itself up: a local virtual environment in .venv, rebuilt when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format typecheck bench clean deps screens

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# PostgreSQL, etcd, Chromium and a Chinese font from Debian's packages (apt, as root; nothing to do when
# present)
deps:
	.ci/system-deps

demo: $(STAMP)
	$(BIN)/pledgenet demo --dir demo-alliance

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# The screenshots of each role's main page in docs/screens, taken by the browser tests.
screens: $(STAMP) deps
	PLEDGENET_SCREENS=docs/screens $(BIN)/pytest tests/web -q

# deps first: the system packages the tests need (PostgreSQL, etcd, Chromium), or a clear message
test: deps lint typecheck
	$(BIN)/pytest

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP)
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b --quick || exit 1; done

clean:
	rm -rf $(VENV) demo-alliance .pytest_cache .mypy_cache .ruff_cache
