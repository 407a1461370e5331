"""Task 1's fixtures, beside the engine's (autograder/grading/fixtures.py): the student's
four functions by name, and the probe that tells whether backward uses autograd."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import torch

from autograder.grading.fixtures import LEFT_OUT, Student
from autograder.sandbox.errors import StudentCodeError

from ..task import Mismatch, autograd_mismatch, make_case

if TYPE_CHECKING:
    from types import ModuleType

    from ..task import Tensors

# The engine's fixtures (runner, ref, mistakes, gen, gpu, student), also where pytest is run
# on this folder some other way than `python -m autograder grade`, which passes them with -p.
pytest_plugins = ["autograder.grading.fixtures"]


class MLPStudent(Student):
    """forward, bce_loss, backward and sgd_step, called in the sandbox. pos_weight is
    always passed by name; LEFT_OUT leaves it out, so that the default is used."""

    def refused(self, fn: str, used: str) -> Mismatch:
        return autograd_mismatch(fn, used)

    def forward(self, X: torch.Tensor, params: Tensors) -> Any:
        return self.call("forward", X, params)

    def bce_loss(self, A2: torch.Tensor, Y: torch.Tensor, pos_weight: float | object = LEFT_OUT) -> Any:
        return self.call("bce_loss", A2, Y, pos_weight=pos_weight)

    def backward(self, X: torch.Tensor, Y: torch.Tensor, params: Tensors, cache: Tensors,
                 pos_weight: float | object = LEFT_OUT) -> Any:
        return self.call("backward", X, Y, params, cache, pos_weight=pos_weight)

    def sgd_step(self, params: Tensors, grads: Tensors, lr: float) -> Any:
        return self.call("sgd_step", params, grads, lr)


@pytest.fixture(scope="session")
def student_class() -> type[MLPStudent]:
    """The engine's `student` fixture is one of these."""
    return MLPStudent


@pytest.fixture(scope="session")
def autograd_use(student: MLPStudent, ref: ModuleType) -> str | None:
    """Run backward once with a probe: if it uses autograd, every backward test scores 0."""
    gen = torch.Generator().manual_seed(0)
    X, Y, params = make_case(gen, 4, 3, 2)
    _, cache = ref.forward(X, params)
    try:
        student.backward(X, Y, params, cache, 1.0)
    except (Mismatch, StudentCodeError):
        pass
    return student.autograd
