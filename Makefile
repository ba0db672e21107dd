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

.PHONY: demo test test-fast lint setup lock clean

setup: $(VENV)/.installed

# The exact versions of requirements.lock (what CI installs), then rollcall itself, editable.
$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# After changing a dependency in pyproject.toml: pin it, keeping every other pin as it is
# (`make lock UPGRADE=--upgrade` moves everything to the newest versions allowed). Needs uv
# (`pip install uv`); then run `make test` and commit both files.
UPGRADE ?=
lock:
	uv pip compile pyproject.toml --extra test --python-version 3.11 $(UPGRADE) --quiet \
		--custom-compile-command "make lock" -o requirements.lock

demo: setup
	$(BIN)/rollcall sync --config examples/journees-engagees-2022/campaign.toml

# One test process per core (pytest-xdist): flow tests wait on Prefect and the databases.
# Work stealing: xdist's default hands each worker a fixed share up front, and one worker was
# left with the slow flow tests for 8 minutes after the other had finished its share.
test: lint
	$(BIN)/pytest -n auto --dist worksteal --durations=15

test-fast: setup
	$(BIN)/pytest -q -n auto --dist worksteal -m "not flow and not faults and not badinput and not postgres and not convergence"

# mypy cannot follow setuptools' mapping of the top-level folders to rollcall.<layer>: it checks
# a tree of links named like the installed package instead (build/typecheck/rollcall).
TYPECHECK := build/typecheck/rollcall
LAYER_FOLDERS := models transforms connectors flows cli migrations deployments

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	rm -rf $(TYPECHECK) && mkdir -p $(TYPECHECK) && cp rollcall/*.py $(TYPECHECK)/
	for layer in $(LAYER_FOLDERS); do ln -s ../../../$$layer $(TYPECHECK)/$$layer; done
	$(BIN)/mypy

clean:
	rm -rf var examples/*/var $(VENV) build
