# make demo : set up, then grade the reference and the untouched starter, and run the self-check
# make test : set up, then run the project's tests
# make lint : ruff (its rules are in pyproject.toml)
# make check: set up, then run the fast unit tests only (tests/unit/: no worker, no grade; seconds)
# All of them install requirements-dev.txt: the grader's pins (requirements.txt) and the tools that test them.
# Student code is run by a separate, unprivileged user when you are root, so the virtual
# environment is made from a Python that every user can read (/usr/bin/python3 if present).
PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)
VENV := .venv
PY := $(VENV)/bin/python
# For a CPU-only torch on a machine whose PyPI gives the CUDA build, for example:
#   make test PIP_ARGS="--extra-index-url https://download.pytorch.org/whl/cpu"
PIP_ARGS ?=
# Extra pytest arguments for `make test` (both of its runs), for example: make test PYTEST_ARGS="--durations=15"
PYTEST_ARGS ?=

.PHONY: demo test check lint worker-user build clean

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check $(PIP_ARGS) -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

# As root: the worker accounts mlpworker0 .. mlpworker7, one per grading session at once.
# Their name and number are `user` and `accounts` in config.toml, read here as setup.sh does.
CONFIG ?= autograder/config.toml
WORKER_USER := $(shell sed -n 's/^user *= *"\([^"]*\)".*/\1/p' $(CONFIG))
WORKER_ACCOUNTS := $(shell sed -n 's/^accounts *= *\([0-9]*\).*/\1/p' $(CONFIG))
worker-user:
	@if [ -z "$(WORKER_USER)" ] || [ -z "$(WORKER_ACCOUNTS)" ]; then \
		echo "make: cannot read user and accounts from $(CONFIG)" >&2; exit 1; fi
	@if [ "$$(id -u)" = 0 ]; then for i in $$(seq 0 $$(($(WORKER_ACCOUNTS) - 1))); do \
		id $(WORKER_USER)$$i >/dev/null 2>&1 || \
		useradd --system --no-create-home --user-group --shell /usr/sbin/nologin $(WORKER_USER)$$i; done; fi

demo: $(VENV)/.installed worker-user
	$(PY) -m autograder grade reference/task1/mlp.py --out demo-results/reference.json
	$(PY) -m autograder grade starter/task1/mlp.py --out demo-results/starter.json
	$(PY) starter/task1/selfcheck.py --mlp reference/task1/mlp.py --lang en

# The suite runs on TEST_JOBS processes (pytest-xdist), then the tests marked `alone`
# (pytest.ini), which look at what the whole machine shares, by themselves.
TEST_JOBS ?= 2
test: $(VENV)/.installed worker-user
	$(PY) -m pytest -m "not alone" -n $(TEST_JOBS) --dist loadscope $(PYTEST_ARGS)
	$(PY) -m pytest -m alone $(PYTEST_ARGS)

check: $(VENV)/.installed
	$(PY) -m pytest tests/unit -q

lint: $(VENV)/.installed
	$(PY) -m ruff check .

build: $(VENV)/.installed
	$(PY) -m autograder build

clean:
	rm -rf $(VENV) dist demo-results
