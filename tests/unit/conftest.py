"""The rule of tests/unit/: no worker, no zygote, no grade in a subprocess (that is what
keeps `make check` to seconds; the tests in tests/ grade). Any test here that tries is
failed with this message instead of being slow."""
import subprocess

import pytest

from autograder.sandbox import pool

REFUSED = "tests/unit/ starts no zygote, worker or grade: put this test in tests/ (see tests/conftest.py)"


def _grades(args):
    """True for a command line that starts the zygote or `python -m autograder ...`."""
    args = [str(a) for a in (args if isinstance(args, (list, tuple)) else [args])]
    return any(a.endswith("zygote.py") for a in args) or any(
        a == "-m" and nxt.split(".")[0] == "autograder" for a, nxt in zip(args, args[1:]))


@pytest.fixture(autouse=True)
def _assignment_env_kept(monkeypatch):
    """The CLI's main() names the assignment in os.environ for the processes it starts: a
    test that calls it in-process leaves the environment as it found it."""
    monkeypatch.setenv("AUTOGRADER_ASSIGNMENT", "")   # so that the value before is put back, even none
    monkeypatch.delenv("AUTOGRADER_ASSIGNMENT")


@pytest.fixture(autouse=True)
def _no_grading(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(REFUSED)

    real_init = subprocess.Popen.__init__

    def popen(self, args, *rest, **kwargs):
        if _grades(args):
            raise AssertionError(f"{REFUSED}: {args}")
        real_init(self, args, *rest, **kwargs)

    monkeypatch.setattr(pool.Zygote, "start", classmethod(refuse))
    monkeypatch.setattr(subprocess.Popen, "__init__", popen)
