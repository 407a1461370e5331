# make demo : set up, then grade the reference and the untouched starter, and run the self-check
# make test : set up, then run the project's tests
# make check: set up, then run the fast unit tests only (tests/unit/: no worker, no grade; seconds)
# All three install requirements-dev.txt: the grader's pins (requirements.txt) and the tools that test them.
# Student code is run by a separate, unprivileged user when you are root, so the virtual
# environment is made from a Python that every user can read (/usr/bin/python3 if present).
PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)
VENV := .venv
PY := $(VENV)/bin/python
# For a CPU-only torch on a machine whose PyPI gives the CUDA build, for example:
#   make test PIP_ARGS="--extra-index-url https://download.pytorch.org/whl/cpu"
PIP_ARGS ?=

.PHONY: demo test check worker-user build clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check $(PIP_ARGS) -r requirements-dev.txt
	touch $@

# As root: the worker accounts mlpworker0 .. mlpworker7, one per grading session at once
# (the count is `accounts` in autograder/config.toml).
WORKER_ACCOUNTS ?= 8
worker-user:
	@if [ "$$(id -u)" = 0 ]; then for i in $$(seq 0 $$(($(WORKER_ACCOUNTS) - 1))); do \
		id mlpworker$$i >/dev/null 2>&1 || \
		useradd --system --no-create-home --user-group --shell /usr/sbin/nologin mlpworker$$i; done; fi

demo: $(VENV)/.installed worker-user
	$(PY) -m autograder grade reference/mlp.py --out demo-results/reference.json
	$(PY) -m autograder grade starter/mlp.py --out demo-results/starter.json
	$(PY) starter/selfcheck.py --mlp reference/mlp.py --lang en

test: $(VENV)/.installed worker-user
	$(PY) -m pytest

check: $(VENV)/.installed
	$(PY) -m pytest tests/unit -q

build: $(VENV)/.installed
	$(PY) -m autograder build --out dist

clean:
	rm -rf $(VENV) dist demo-results
