# The two commands of the README:
#   make demo   set up, then run the nightly sync on the bundled sample data
#   make test   set up, then run the whole test suite
# and the inner loop while developing (pure logic, connectors on their fakes, SQLite only):
#   make test-fast
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PREFECT_SERVER_ANALYTICS_ENABLED := false
# A first ephemeral Prefect start migrates its own database: slow on a 2-core machine.
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 120

.PHONY: demo test test-fast setup clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: setup
	$(BIN)/rollcall sync --config examples/journees-engagees-2022/campaign.toml

test: setup
	$(BIN)/pytest

test-fast: setup
	$(BIN)/pytest -q -m "not flow and not faults and not badinput and not postgres and not convergence"

clean:
	rm -rf var examples/*/var $(VENV)
