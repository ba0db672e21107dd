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

# One test process per core (pytest-xdist): flow tests wait on Prefect and the databases.
test: setup
	$(BIN)/pytest -n auto

test-fast: setup
	$(BIN)/pytest -q -n auto -m "not flow and not faults and not badinput and not postgres and not convergence"

clean:
	rm -rf var examples/*/var $(VENV)
