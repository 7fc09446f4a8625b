# Every target sets itself up: a local virtual environment in .venv, rebuilt when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format typecheck bench clean chromium screens

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pledgenet demo --dir demo-alliance

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# The web dashboards' browser tests drive Debian's Chromium (Playwright's own download cannot reach the
# internet here) and a Chinese font: installed with apt when missing and run as root (as .ci/run is), else
# a clear message.
chromium:
	@{ test -x /usr/bin/chromium && test -d /usr/share/fonts/truetype/wqy; } || { [ "$$(id -u)" = 0 ] && apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-wqy-microhei; } || { echo "the browser tests need Debian's chromium and a Chinese font: run 'sudo apt-get install chromium fonts-wqy-microhei'"; exit 1; }

# The screenshots of each role's main page in docs/screens, taken by the browser tests.
screens: $(STAMP) chromium
	PLEDGENET_SCREENS=docs/screens $(BIN)/pytest tests/web -q

test: lint typecheck chromium
	$(BIN)/pytest

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP)
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b --quick || exit 1; done

clean:
	rm -rf $(VENV) demo-alliance .pytest_cache .mypy_cache .ruff_cache
