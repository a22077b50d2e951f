# `make run` and `make test` set everything up themselves: a virtual environment in .venv with
# the project installed (editable) from pyproject.toml, re-installed when pyproject.toml changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench bench-run bench-readiness clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "make: Python 3.11 not found (set PYTHON=...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/digigov run

test: $(STAMP)
	$(BIN)/pytest

# On demand, not part of `make test`: the WDI bulk-file benchmark (4 file shapes x 1, 5, 15 and 26
# million year-cells, median of 3; select with ARGS="--shapes sparse-real --sizes 1,15 --repeat 1").
bench: $(STAMP)
	$(BIN)/python -m tests.benchmarks $(ARGS)

# On demand: a default run on the embedded snapshots, first and unchanged, --local and with Prefect.
bench-run: $(STAMP)
	$(BIN)/python -m tests.benchmarks run

# On demand: the readiness step with 0 to 4,000 Monte Carlo draws.
bench-readiness: $(STAMP)
	$(BIN)/python -m tests.benchmarks readiness

clean:
	rm -rf $(VENV) data .pytest_cache
