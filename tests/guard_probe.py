"""Runs every way into differentiation the guard must refuse, and code it must let through,
each as one call under autograder/common/guard.py's Guard, in this process; prints
{"refused": {case: what the guard says the call used, or null}, "allowed": {...}} as JSON.
Run by tests/test_guard.py in a subprocess: the guard switches autograd off for the whole
process, for good."""
import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "autograder" / "common"))
from guard import Guard  # noqa: E402

X = torch.randn(5, 3, dtype=torch.float64)
W = torch.randn(3, 1, dtype=torch.float64)


def leaf():
    return W.detach().clone().requires_grad_(True)


def pop_the_mode():
    torch._C._pop_torch_function_stack()


def exit_from_frames():
    frame = sys._getframe(1)
    while frame is not None:
        for value in list(frame.f_locals.values()):
            if isinstance(value, torch.overrides.TorchFunctionMode):
                value.__exit__(None, None, None)
        frame = frame.f_back


def restore_a_name():
    torch.autograd.grad = lambda *args, **kwargs: None


def disabled_function_mode():
    with torch._C.DisableTorchFunction():
        w = W.detach().clone()
        w.requires_grad_(True)
        (X @ w).sum().backward()


def per_example(x):
    return (x @ W).squeeze(-1)


REFUSED = {
    "Tensor.backward": lambda: (X @ W).sum().backward(),
    "torch.autograd.backward": lambda: torch.autograd.backward([(X @ W).sum()]),
    "torch.autograd.grad": lambda: torch.autograd.grad((X @ W).sum(), [W]),
    "grad bound at import": lambda: bound_grad((X @ W).sum(), [W]),
    "jacrev bound at import": lambda: bound_jacrev(lambda w: X @ w)(W),
    "functional.vjp": lambda: torch.autograd.functional.vjp(lambda w: (X @ w).sum(), W),
    "functional.jacobian": lambda: torch.autograd.functional.jacobian(lambda w: X @ w, W),
    "forward_ad.dual_level": lambda: torch.autograd.forward_ad.dual_level(),
    "forward_ad.make_dual": lambda: torch.autograd.forward_ad.make_dual(W, torch.ones_like(W)),
    "torch._make_dual": lambda: torch._make_dual(W, torch.ones_like(W), level=0),
    "C._enter_dual_level": lambda: torch._C._enter_dual_level(),
    "func.grad": lambda: torch.func.grad(lambda w: (X @ w).sum())(W),
    "func.jacfwd": lambda: torch.func.jacfwd(lambda w: X @ w)(W),
    "func.jvp": lambda: torch.func.jvp(lambda w: X @ w, (W,), (torch.ones_like(W),)),
    "func.vjp": lambda: torch.func.vjp(lambda w: X @ w, W),
    "func.hessian": lambda: torch.func.hessian(lambda w: (X @ w).sum())(W),
    "the engine": lambda: torch.autograd.Variable._execution_engine.run_backward(
        ((X @ W).sum(),), (torch.ones(()),), False, False, (), True, True),
    "a new engine": lambda: torch._C._ImperativeEngine(),
    "requires_grad_": lambda: leaf() * 2,
    "requires_grad setter": lambda: setattr(W.detach().clone(), "requires_grad", True),
    "requires_grad=True": lambda: torch.zeros(3, requires_grad=True),
    "nn.Parameter": lambda: torch.nn.Parameter(W.clone()) * 2,
    "nn.Linear": lambda: torch.nn.Linear(3, 1).double()(X),
    "enable_grad": lambda: torch.enable_grad().__enter__(),
    "set_grad_enabled(True)": lambda: torch.set_grad_enabled(True),
    "forward AD switched on": lambda: torch._C._set_fwd_grad_enabled(True),
    "complex dtype": lambda: X.to(torch.complex128) @ W.to(torch.complex128),
    "complex scalar": lambda: X + 1e-20j,
    "view_as_complex": lambda: torch.view_as_complex(torch.stack([X, X], dim=-1)),
    "the mode popped": pop_the_mode,
    "the mode exited from a frame": exit_from_frames,
    "a stub replaced": restore_a_name,
    "function modes disabled": disabled_function_mode,
}
ALLOWED = {
    "plain arithmetic": lambda: torch.sigmoid(X @ W).clamp(1e-7, 1 - 1e-7).log().mean(),
    "no_grad": lambda: torch.no_grad().__enter__() or X * 2,
    "inference_mode": lambda: [X * 2 for _ in [torch.inference_mode().__enter__()]],
    "set_grad_enabled(False)": lambda: torch.set_grad_enabled(False),
    "is_grad_enabled": lambda: torch.is_grad_enabled(),
    "detach and in place on a copy": lambda: X.detach().clone().mul_(2),
    "functional BCE": lambda: F.binary_cross_entropy(torch.sigmoid(X @ W), torch.ones(5, 1, dtype=X.dtype)),
    "logsigmoid": lambda: F.logsigmoid(X @ W),
    "vmap": lambda: torch.vmap(per_example)(X),
    "einsum and where": lambda: torch.where(X > 0, torch.einsum("mi,ij->mj", X, W.expand(3, 2)), 0.0),
    "repr": lambda: repr(X) + str(W.dtype),
    "print": lambda: print(X, W.T, file=sys.stderr),
    "format": lambda: f"{(X @ W).mean():.3f} {X[0]}",
    "numpy": lambda: X.numpy().sum(),
}


def run(fn):
    try:
        GUARD.call(fn)
    except Exception:
        pass
    return GUARD.used


if __name__ == "__main__":   # the tables above may be imported; the guard is installed only here
    GUARD = Guard(torch).install()
    # Bound after install(), as mlp.py's imports are: these are the stubs.
    from torch.autograd import grad as bound_grad  # noqa: F401
    from torch.func import jacrev as bound_jacrev  # noqa: F401
    out = {"refused": {name: run(fn) for name, fn in REFUSED.items()},
           "allowed": {name: run(fn) for name, fn in ALLOWED.items()}}
    # After all that, the guard is back in place: a plain leaf is still refused.
    out["after"] = run(REFUSED["requires_grad_"])
    print(json.dumps(out))
