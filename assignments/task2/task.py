"""Task 2's own checks, for its grading tests: the sizes and inputs of its cases and the
checks of what predict, log_loss and loss_grad return, built on the engine's checks
(autograder/common/checks.py), whose names are here too.

Nothing here knows the answers: the tests compute them with the hidden reference.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

try:   # in the repository: assignments/task2/, beside the engine's package
    from autograder.common import checks, messages

    from .contract import GRADS, RETURNS
except ImportError:  # beside a self-check, every module flat
    import checks
    import messages
    from contract import GRADS, RETURNS

# The engine's checks the tests read from here, beside Task 2's own.
Mismatch, Tensors, expect_close, expect_dict = checks.Mismatch, checks.Tensors, checks.expect_close, checks.expect_dict
hinted, lost_size_one, tolerance, with_hint = checks.hinted, checks.lost_size_one, checks.tolerance, checks.with_hint

say = messages.say
# (batch, features): batch 1 and one feature among them, where a squeeze() drops a dimension.
SIZES = [(6, 3), (1, 4), (9, 1), (17, 5)]
DTYPES = (torch.float64, torch.float32)


def case_text(m: int, n: int) -> str:
    return say("case", m=m, n=n)


def make_case(gen: torch.Generator, m: int, n: int, dtype: torch.dtype = torch.float64
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Random X (m, n), labels y (m, 1) with both classes when m > 1, w (n, 1) and b (1,)."""
    X = torch.randn(m, n, generator=gen, dtype=dtype)
    w = torch.randn(n, 1, generator=gen, dtype=dtype)
    b = torch.randn(1, generator=gen, dtype=dtype) * 0.5
    y = (torch.rand(m, 1, generator=gen) < 0.5).to(dtype)
    if m > 1:
        y[0], y[1] = 1, 0
    return X, y, w, b


def _shape_hint(name: str, got: tuple, want: tuple) -> str | None:
    return "lr_grad_transposed" if name == "dw" and len(want) == 2 and got == tuple(reversed(want)) else None


def expect_tensor(name: str, value: object, shape: Sequence[int], like: torch.Tensor) -> torch.Tensor:
    return checks.expect_tensor(name, value, shape, like, shape_hint=_shape_hint)


def expect_on_gpu(report: dict[str, Any], fn: str) -> str:
    return checks.expect_on_gpu(report, fn, RETURNS[fn])


def check_predict_result(value: object, X: torch.Tensor) -> torch.Tensor:
    return expect_tensor("p", value, (X.shape[0], 1), X)


def check_loss_result(value: object, like: torch.Tensor) -> torch.Tensor:
    return expect_tensor("loss", value, (), like)


def check_grads_result(value: object, w: torch.Tensor, b: torch.Tensor) -> dict[str, Any]:
    expect_dict("loss_grad", value, GRADS)
    expect_tensor("dw", value["dw"], w.shape, w)
    expect_tensor("db", value["db"], b.shape, b)
    return value


def reference_gradients(ref: Any, X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> Tensors:
    """The gradients of the hidden reference's loss, by autograd on this (trusted) side:
    what a correct loss_grad(X, y, predict(X, w, b)) returns."""
    with torch.enable_grad():
        w, b = w.detach().clone().requires_grad_(), b.detach().clone().requires_grad_()
        dw, db = torch.autograd.grad(ref.log_loss(ref.predict(X, w, b), y), (w, b))
    return {"dw": dw, "db": db}
