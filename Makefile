# Two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000  # make demo PORT=8080

.PHONY: install demo test quick lint bench accuracy models clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

# The transformer tier's extra, for its tests and benchmarks. PyTorch's CPU build goes in first,
# pinned: asked for as a range, pip would fetch a CUDA build of several GB.
$(BIN)/.transformer: $(BIN)/.installed
	$(BIN)/python -m pip install -q 'torch==2.13.0'
	$(BIN)/python -m pip install -q -e '.[dev,transformer]'
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/servicecraft demo --port $(PORT)

test: $(BIN)/.transformer
	bash scripts/ensure-services.sh
	$(BIN)/ruff check --no-cache src tests benchmarks
	$(BIN)/ruff format --no-cache --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest

# The edit-test loop: lint, types and every test that needs no PostgreSQL, browser or transformer.
quick: install
	$(BIN)/ruff check --no-cache src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -m "not postgres and not browser and not transformer"

bench: install
	$(BIN)/python -m benchmarks.throughput
	$(BIN)/python -m benchmarks.validity

accuracy: $(BIN)/.transformer
	$(BIN)/python -m benchmarks.accuracy
	$(BIN)/python -m benchmarks.transformer

models: install
	$(BIN)/servicecraft models build --data ../shared/data

clean:
	rm -rf $(VENV) build dist src/*.egg-info
