"""The fixtures every assignment's grading tests have (a pytest plugin, loaded by grade.py
with -p): the student's functions called through the sandbox (student, runner), the
hidden reference and its classic mistakes (imported here, in the trusted process),
seeded random generators and the GPU the device tests use. An assignment's own
tests/conftest.py adds its fixtures, and may give `student` methods named after its
functions (a Student subclass).

A grading session is started by autograder/grading/grade.py, which passes a GradingSession
(defined here) holding the already-started worker, the seed and the reference's path.
"""
from __future__ import annotations

import functools
import hashlib
from typing import TYPE_CHECKING, Any

import pytest
import torch

from autograder.assignment import current, load_reference
from autograder.common.checks import Mismatch, error_hint, modified_mismatch, with_hint
from autograder.common.messages import say
from autograder.sandbox.errors import StudentCodeError

if TYPE_CHECKING:
    from pathlib import Path
    from types import ModuleType

    from autograder.sandbox.handle import Runner


class GradingSession:
    """What the grading tests need from this run (see autograder/grading/fixtures.py):
    the runner holding the student's worker, the seed and the reference's path."""

    def __init__(self, runner: Runner, seed: int, reference: Path, language: str,
                 extra: dict[str, Any] | None = None, budget: tuple[float, float] | None = None) -> None:
        """budget: (deadline as time.monotonic(), total seconds) of the grade's time budget."""
        self.runner, self.seed, self.reference, self.language = runner, seed, reference, language
        self.extra = extra or {}
        self.budget = budget

    def pytest_configure(self, config: pytest.Config) -> None:
        from autograder.grading import results

        results.add_output(config, say("seed", seed=self.seed))
        results.add_extra(config, seed=self.seed, language=self.language, **self.extra)
        if self.budget:
            results.set_budget(config, *self.budget)


def _session(config):
    for plugin in config.pluginmanager.get_plugins():
        if isinstance(plugin, GradingSession):
            return plugin
    raise pytest.UsageError("run the grading tests with: python -m autograder grade PATH")


@pytest.fixture(scope="session")
def ref(request: pytest.FixtureRequest) -> ModuleType:
    """The hidden reference solution, loaded from its file."""
    return load_reference(_session(request.config).reference)


class _Later:
    """The list a mistakes function returns, computed when first looked at: checks.hinted
    looks only once a value is wrong, so a right answer never pays for its mistakes. The
    inputs are the grader's own tensors, which nothing changes meanwhile."""

    def __init__(self, fn: Any, args: tuple, kwargs: dict) -> None:
        self.fn, self.args, self.kwargs, self.value = fn, args, kwargs, None

    def __iter__(self):
        if self.value is None:
            self.value = list(self.fn(*self.args, **self.kwargs))
        return iter(self.value)


class _LazyMistakes:
    """mistakes.py's functions, each returning a _Later; [] for a function it lacks (the
    spec's tests ask for one per function) or where there is no mistakes.py."""

    def __init__(self, module: ModuleType | None) -> None:
        self.module = module

    def __getattr__(self, name: str) -> Any:
        fn = getattr(self.module, name, None)
        if fn is None:
            return lambda *args, **kwargs: []
        return lambda *args, **kwargs: _Later(fn, args, kwargs)


@pytest.fixture(scope="session")
def mistakes(request: pytest.FixtureRequest) -> ModuleType:
    """Classic mistakes computed on the reference's inputs, for hints (reference/NAME/mistakes.py,
    if it has one), each list only when a check needs it (_Later)."""
    path = _session(request.config).reference.parent / "mistakes.py"
    return _LazyMistakes(load_reference(path) if path.exists() else None)


@pytest.fixture(scope="session")
def runner(request: pytest.FixtureRequest) -> Runner:
    return _session(request.config).runner


LEFT_OUT = object()   # an argument the grader leaves out, so that its default is used


class Student:
    """The student's functions, called in the sandbox: call(fn, ...) returns the decoded
    value; a failure of the student's code raises StudentCodeError. A call that changed one
    of its inputs in place raises Mismatch, unless inputs_must_stay is False (training); one
    that used what the guard refuses raises refused(fn, used). An assignment's subclass
    may name its functions itself (student.forward(X, params)) and word what is refused for
    them; without one, student.fn(*args) calls each function of the contract by position."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.autograd = None   # what the last call used of autograd, if anything
        self.inputs_must_stay = True

    def __getattr__(self, name: str) -> Any:
        """student.fn(*args) for each function of the assignment's contract: call(fn, *args)."""
        if name in current().functions:
            return functools.partial(self.call, name)
        raise AttributeError(name)

    def refused(self, fn: str, used: str) -> Mismatch:
        """The failure of a call of fn that used what guard.py refuses (used names it)."""
        return Mismatch(say("refused", fn=fn, what=used))

    def call(self, fn: str, *args: object, **kwargs: object) -> Any:
        kwargs = {k: v for k, v in kwargs.items() if v is not LEFT_OUT}
        first = next((a for a in args if isinstance(a, torch.Tensor)), None)
        device = str(first.device) if first is not None else "cpu"
        try:
            reply = self.runner.call(fn, *args, device=device, check_inputs=self.inputs_must_stay, **kwargs)
        except StudentCodeError as exc:   # autograd is refused in the worker, so it often raises
            used = exc.autograd
            if not used:
                hint = error_hint(str(exc))   # e.g. .numpy() on a cuda tensor
                if hint:
                    raise StudentCodeError(with_hint(exc, hint, fn=fn), output=exc.output,
                                           worker_lost=exc.worker_lost, autograd=exc.autograd, kind=exc.kind) from None
                raise
            modified = []
        else:
            used = reply.autograd
            modified = reply.modified if isinstance(reply.modified, list) else []
        self.autograd = used
        if used:
            raise self.refused(fn, str(used))
        if modified and self.inputs_must_stay:
            raise modified_mismatch(fn, [str(name) for name in modified])
        return reply.value

    def on_gpu(self, gpu: str, fn: str, *args: object, **kwargs: object) -> dict[str, Any]:
        """fn called once more, on a GPU ("cuda", or "virtual": fake CUDA tensors): its device
        report (common/devices.py), read and checked on this side."""
        try:
            reply = self.runner.call(fn, *args, gpu_check=gpu, **kwargs)
        except StudentCodeError as exc:
            if exc.autograd:
                raise self.refused(fn, str(exc.autograd)) from None
            raise
        if reply.autograd:
            raise self.refused(fn, str(reply.autograd))
        return reply.report


@pytest.fixture(scope="session")
def student_class() -> type[Student]:
    """The class of `student`: an assignment's conftest.py gives its own Student subclass,
    which names its functions (student.forward(X, params))."""
    return Student


@pytest.fixture(scope="session")
def student(runner: Runner, student_class: type[Student]) -> Student:
    """The student's functions, called in the sandbox (student_class)."""
    return student_class(runner)


@pytest.fixture
def gpu(request: pytest.FixtureRequest) -> str:
    """Where the device tests run: "cuda" when the grader has a GPU, else "virtual" (torch's
    fake CUDA tensors, common/devices.py). Every other test runs on the CPU, so that a grade
    is the same on any machine. Recorded in the test's extra_data in results.json."""
    name = "cuda" if torch.cuda.is_available() else "virtual"
    request.node.user_properties.append(("device", name))
    return name


@pytest.fixture
def gen(request: pytest.FixtureRequest) -> torch.Generator:
    """A generator seeded from the session seed and the test's name: fresh inputs every
    run, reproducible with --seed, independent of test order."""
    digest = hashlib.sha256(f"{_session(request.config).seed}:{request.node.nodeid}".encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "little") & (2**63 - 1))


@pytest.fixture(autouse=True)
def _student_output(request):
    """Attach what the student's code printed during this test to the test's output."""
    runner = _session(request.config).runner
    runner.take_output()
    yield
    request.node.user_properties.append(("student_output", runner.take_output()))
