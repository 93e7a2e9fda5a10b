# Two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install demo test lint bench accuracy models clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/servicecraft demo

test: install
	bash scripts/ensure-services.sh
	$(BIN)/ruff check --no-cache src tests benchmarks
	$(BIN)/ruff format --no-cache --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m benchmarks.throughput
	$(BIN)/python -m benchmarks.validity

accuracy: install
	$(BIN)/python -m benchmarks.accuracy

models: install
	$(BIN)/servicecraft models build --data ../shared/data

clean:
	rm -rf $(VENV) build dist src/*.egg-info
