"""Task 1's own checks, shared by its grading tests and its self-check: the sizes and
inputs of its cases, the checks of what forward, bce_loss, backward and sgd_step return,
predictions of exactly 0 and 1, the numerical gradient check and the training run. Built
on the engine's checks (autograder/common/checks.py), whose names are here too, so a test
reads every check from this one module.

Nothing here knows the answers (see checks.py). Shipped in the handout.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import torch

try:   # in the repository: assignments/task1/, beside the engine's package
    from autograder.common import checks, devices, messages

    from .contract import CACHE, GRADS, PARAMS, RETURNS
except ImportError:  # in the handout, every module beside selfcheck.py
    import checks
    import devices
    import messages
    from contract import CACHE, GRADS, PARAMS, RETURNS

# The engine's checks the tests and the self-check read from here, beside Task 1's own.
DTYPES, Hinted, Mismatch, Tensors = checks.DTYPES, checks.Hinted, checks.Mismatch, checks.Tensors
code_span, describe, error_hint = checks.code_span, checks.describe, checks.error_hint
expect_close, expect_dict, hinted = checks.expect_close, checks.expect_dict, checks.hinted
lost_size_one, modified_mismatch, shape_text = checks.lost_size_one, checks.modified_mismatch, checks.shape_text
sparkline, tolerance, unravel, with_hint = checks.sparkline, checks.tolerance, checks.unravel, checks.with_hint

say = messages.say
# (batch, input, hidden): batch 1 included, then one input feature, one hidden unit and both,
# where a squeeze() drops a dimension that the parameters keep (dW1 (6,) for (6, 1)).
SIZES = [(7, 5, 3), (1, 4, 6), (16, 3, 8), (33, 10, 4), (6, 1, 4), (5, 6, 1), (8, 1, 1)]
TYPE_SIZES = SIZES[:1] + SIZES[4:]                         # the type tests: one ordinary size and those


class Forward(Protocol):
    """A trusted forward pass (the reference module, or an object holding its forward)."""

    def forward(self, X: torch.Tensor, params: Tensors) -> tuple[torch.Tensor, Tensors]: ...


class Functions(Protocol):
    """The contract's four functions as train() calls them: the student's, through the
    sandbox (the grader) or the guard (the self-check). Each returns what the student's
    code returned, unchecked."""

    def forward(self, X: torch.Tensor, params: Tensors) -> Any: ...

    def bce_loss(self, A2: torch.Tensor, Y: torch.Tensor, pos_weight: float) -> Any: ...

    def backward(self, X: torch.Tensor, Y: torch.Tensor, params: Tensors, cache: Tensors, pos_weight: float) -> Any: ...

    def sgd_step(self, params: Tensors, grads: Tensors, lr: float) -> Any: ...


def case_text(m: int, n: int, h: int, **extra: object) -> str:
    more = "".join(f", {k} {v:g}" if isinstance(v, float) else f", {k} {v}" for k, v in extra.items())
    return say("case", m=m, n=n, h=h, extra=more)


def autograd_mismatch(fn: str, used: str) -> Mismatch:
    """The Mismatch for a call of fn that used what guard.py refuses (autograd, forward
    AD, complex numbers, or switching the guard off): used names it."""
    if fn == "backward":
        return Mismatch(with_hint(say("autograd", what=used), "autograd_used"))
    return Mismatch(with_hint(say("autograd_in", fn=fn, what=used), "autograd_outside_backward", fn=fn))


def _shape_hint(name, got, want):
    if len(want) == 2 and tuple(got) == tuple(reversed(want)):
        return "grad_transposed" if name.startswith("d") else None
    # A bias gradient of another length but the right rank is a sum over the wrong axis (below).
    if name.startswith("d") and 1 in want and lost_size_one(tuple(got), tuple(want)) \
            and not (name in ("db1", "db2") and len(got) == len(want)):
        return "grad_size_one"
    if name in ("db1", "db2"):
        return "bias_grad_2d" if len(got) == 2 and 1 in got else "bias_grad_wrong_axis"
    return None


def expect_tensor(name: str, value: object, shape: Sequence[int], like: torch.Tensor) -> torch.Tensor:
    """checks.expect_tensor, with the hints of Task 1's shape mistakes."""
    return checks.expect_tensor(name, value, shape, like, shape_hint=_shape_hint)


def expect_on_gpu(report: dict[str, Any], fn: str) -> str:
    """checks.expect_on_gpu for one of the four functions."""
    return checks.expect_on_gpu(report, fn, RETURNS[fn])


def check_forward_result(value: object, X: torch.Tensor, params: Tensors) -> tuple[torch.Tensor, dict[str, Any]]:
    """forward's (A2, cache): a pair; cache has Z1, A1, Z2, A2 of the right shapes."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise Mismatch(say("not_pair", what=describe(value)))
    A2, cache = value
    m, h = X.shape[0], params["W1"].shape[1]
    expect_tensor("A2", A2, (m, 1), X)
    expect_dict("forward (cache)", cache, CACHE)
    for key, shape in zip(CACHE, [(m, h), (m, h), (m, 1), (m, 1)]):
        expect_tensor(f'cache["{key}"]', cache[key], shape, X)
    return A2, cache


def check_loss_result(value: object, like: torch.Tensor) -> torch.Tensor:
    return expect_tensor("loss", value, (), like)


def check_grads_result(value: object, params: Tensors) -> dict[str, Any]:
    expect_dict("backward", value, GRADS)
    for g, p in zip(GRADS, PARAMS):
        expect_tensor(g, value[g], params[p].shape, params[p])
    return value


def check_params_result(value: object, params: Tensors) -> dict[str, Any]:
    expect_dict("sgd_step", value, PARAMS)
    for p in PARAMS:
        expect_tensor(p, value[p], params[p].shape, params[p])
    return value


# -- the contract's default pos_weight=1.0 (grader tests 2.2 and 3.2, and the self-check)
def default_case(m: int, n: int, h: int) -> str:
    """The case text of a call that leaves pos_weight out."""
    return say("case", m=m, n=n, h=h, extra=say("default_weight"))


@contextmanager
def default_left_out(fn: str) -> Iterator[None]:
    """Around the comparison of a call without pos_weight with the expected values for
    pos_weight = 1, made after the same call with pos_weight = 1 passed: a Mismatch here
    can only come from a changed default."""
    try:
        yield
    except Mismatch as exc:
        raise Mismatch(with_hint(str(exc), "pos_weight_default", fn=fn)) from None


# -- predictions of exactly 0 and 1 (grader test 2.5 and the self-check) ------
SATURATED_WEIGHT = 3.0


NEAR_SATURATION = 1e-5   # how far from 0 and 1 the all but certain predictions are


def saturated_case(ref: Forward, gen: torch.Generator, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """A2 (made by a reference forward) with its first rows set to their labels: right
    and certain there; two rows wrong and all but certain, NEAR_SATURATION from 0 and from
    1 (a clamp up to 1e-6 leaves them alone, a constant added inside the logs does not);
    ordinary elsewhere; and Y."""
    X, Y, params = make_case(gen, 8, 4, 5, dtype)
    A2, _ = ref.forward(X, params)
    A2[:3] = Y[:3]
    A2[3], Y[3] = NEAR_SATURATION, 1
    A2[4], Y[4] = 1 - NEAR_SATURATION, 0
    return A2, Y


def check_saturated_loss(bce_loss: Callable[[torch.Tensor, torch.Tensor, float], object],
                         cases: Sequence[tuple[torch.Tensor, torch.Tensor, torch.Tensor]],
                         mistakes: Sequence[Sequence[tuple[str, object]]] | None = None) -> None:
    """bce_loss stays finite, and right, when predictions are exactly 0 or 1 or all but
    certain, and is large when they are certain and wrong. cases: [(A2, Y, want)] from
    saturated_case, float64 first; want is the expected loss with pos_weight
    SATURATED_WEIGHT. mistakes: for hinted, one list per case (the grader's)."""
    finite_in = set()

    def finite(got: torch.Tensor, dtype: str) -> None:
        if bool(torch.isfinite(got)):
            return
        message = say("loss_not_finite", dtype=dtype, value=float(got))
        # Finite in float64 but not in float32: the clamp is there, its bound is not.
        hint = "float32_clamp" if dtype == "float32" and "float64" in finite_in else "loss_clamp"
        raise Mismatch(with_hint(message, hint, fn="bce_loss"))

    for (A2, Y, want), wrong in zip(cases, mistakes or [[]] * len(cases)):
        dtype = str(A2.dtype)[6:]
        got = check_loss_result(bce_loss(A2, Y, SATURATED_WEIGHT), A2)
        finite(got, dtype)
        # Any clamp up to eps ~ 1e-6 is correct, so compare loosely here.
        with hinted(got, want, wrong, m=A2.shape[0], w=SATURATED_WEIGHT, fn="bce_loss"):
            expect_close("loss", got, want, say("in_dtype", dtype=dtype), atol=1e-5)
        wrong_Y = torch.tensor([[1.0], [0.0]], dtype=A2.dtype, device=A2.device)
        got = check_loss_result(bce_loss(1 - wrong_Y, wrong_Y, 1.0), wrong_Y)
        finite(got, dtype)
        if float(got) < 5:
            raise Mismatch(say("loss_confident_wrong", value=float(got)))
        finite_in.add(dtype)


# -- backward at predictions of exactly 0 and 1 (grader test 3.7 and the self-check) --
SATURATED_ROWS = 6   # the first rows of a saturated backward case, scaled up; 4 ordinary rows follow


def saturated_backward_case(ref: Forward, gen: torch.Generator, dtype: torch.dtype
                            ) -> tuple[torch.Tensor, torch.Tensor, Tensors, Tensors]:
    """X, Y, params and the cache of a reference forward where A2 is exactly 0 or 1 on the
    first SATURATED_ROWS examples (X scaled up there, so |Z2| is in the thousands: exp(-Z2)
    overflows and A2(1 - A2) is 0, in float32 and float64), at least two of each value, one
    right and one wrong, and ordinary on the others."""
    while True:
        X, Y, params = make_case(gen, SATURATED_ROWS + 4, 4, 5, dtype)
        X[:SATURATED_ROWS] *= 1e4
        A2, cache = ref.forward(X, params)
        top, rest = A2[:SATURATED_ROWS, 0], A2[SATURATED_ROWS:, 0]
        ones, zeros = (top == 1).nonzero()[:, 0], (top == 0).nonzero()[:, 0]
        if len(ones) >= 2 and len(zeros) >= 2 and len(ones) + len(zeros) == SATURATED_ROWS \
                and bool(((rest > 1e-3) & (rest < 1 - 1e-3)).all()):
            break
    Y[ones], Y[zeros] = 0, 1                       # wrong and certain ...
    Y[ones[0]], Y[zeros[0]] = 1, 0                 # ... but for one of each: right and certain
    Y[SATURATED_ROWS], Y[SATURATED_ROWS + 1] = 1, 0   # both classes among the ordinary rows
    return X, Y, params, cache


def saturated_alternatives(backward: Callable[[torch.Tensor, torch.Tensor, Tensors, Tensors, float], Tensors],
                           X: torch.Tensor, Y: torch.Tensor, params: Tensors, cache: Tensors,
                           pos_weight: float) -> list[Tensors]:
    """The two gradients accepted when some A2 are exactly 0 or 1, from a trusted backward:
    the closed form everywhere (dZ2 = A2 - Y, weighted), and dZ2 = 0 at those examples, the
    derivative of a clamped loss (flat there), as a chain rule that clamps A2 gives. With a
    zero dZ2 an example adds nothing to any gradient: the gradients are the sums over the
    other examples, still divided by the whole batch's m."""
    closed = backward(X, Y, params, cache, pos_weight)
    keep = ((cache["A2"] > 0) & (cache["A2"] < 1))[:, 0]
    kept = backward(X[keep], Y[keep], params, {k: cache[k][keep] for k in CACHE}, pos_weight)
    share = int(keep.sum()) / X.shape[0]           # that backward divided by its own batch size
    return [closed, {g: v * share for g, v in kept.items()}]


def check_saturated_backward(backward: Callable[[torch.Tensor, torch.Tensor, Tensors, Tensors, float], object],
                             cases: Iterable[tuple[torch.Tensor, torch.Tensor, Tensors, Tensors, list[Tensors],
                                                   Sequence[tuple[str, object]]]]) -> None:
    """backward stays finite when A2 holds exact 0s and 1s, and equals one of the accepted
    gradients there (saturated_alternatives). cases: [(X, Y, params, cache, accepted,
    mistakes)] from saturated_backward_case, float64 first; pos_weight SATURATED_WEIGHT;
    mistakes as for hinted (may be empty)."""
    finite_in = set()
    for X, Y, params, cache, accepted, mistakes in cases:
        dtype = str(X.dtype)[6:]
        case = say("saturated_case", dtype=dtype, w=SATURATED_WEIGHT)
        got = check_grads_result(backward(X, Y, params, cache, SATURATED_WEIGHT), params)
        for g in GRADS:
            finite = torch.isfinite(got[g].detach())
            if not bool(finite.all()):
                message = say("nonfinite", name=g, bad=int((~finite).sum()), total=finite.numel(), case=case)
                # Finite in float64 but not in float32: a bound that rounds away in float32.
                hint = "float32_clamp" if dtype == "float32" and "float64" in finite_in else "backward_saturated"
                raise Mismatch(with_hint(message, hint, fn="backward"))
        finite_in.add(dtype)
        failures = []
        for want in accepted:
            try:
                for g in GRADS:
                    # float32: the saturated rows' terms are ~1e4 and may cancel; a correct
                    # sum in another order differs by the rounding of those terms.
                    rtol, atol = tolerance(X.dtype)
                    if dtype == "float32":
                        atol = max(atol, rtol * float(want[g].abs().max()))
                    expect_close(g, got[g], want[g], case, atol=atol)
            except Mismatch as exc:
                failures.append(exc)
            else:
                break
        else:
            with hinted(got, accepted[0], mistakes, m=X.shape[0], w=SATURATED_WEIGHT, fn="backward"):
                raise failures[0]


# -- inputs -------------------------------------------------------------------
def make_params(gen: torch.Generator, n: int, h: int, dtype: torch.dtype = torch.float64) -> Tensors:
    return {
        "W1": torch.randn(n, h, generator=gen, dtype=dtype) / math.sqrt(n),
        "b1": torch.randn(h, generator=gen, dtype=dtype) * 0.1,
        "W2": torch.randn(h, 1, generator=gen, dtype=dtype) / math.sqrt(h),
        "b2": torch.randn(1, generator=gen, dtype=dtype) * 0.1,
    }


def make_case(gen: torch.Generator, m: int, n: int, h: int, dtype: torch.dtype = torch.float64,
              kink_margin: float = 0.0) -> tuple[torch.Tensor, torch.Tensor, Tensors]:
    """Random X, Y (both classes when m > 1) and params. With kink_margin > 0, every
    pre-activation Z1 is at least that far from 0 (for numerical gradients)."""
    while True:
        params = make_params(gen, n, h, dtype)
        X = torch.randn(m, n, generator=gen, dtype=dtype)
        if not kink_margin or bool(((X @ params["W1"] + params["b1"]).abs() >= kink_margin).all()):
            break
    Y = (torch.rand(m, 1, generator=gen) < 0.5).to(dtype)
    if m > 1:
        Y[0], Y[1] = 1, 0
    return X, Y, params


def with_exact_zeros(X: torch.Tensor, params: Tensors) -> tuple[torch.Tensor, Tensors]:
    """Make some pre-activations exactly 0: a zero input row and zero bias entries."""
    X = X.clone()
    params = dict(params)
    X[0] = 0
    b1 = params["b1"].clone()
    b1[::2] = 0
    params["b1"] = b1
    return X, params


# The numerical gradient check, the same in the grader (test 3.6) and the self-check: a case
# of this (batch, input, hidden) size, its pre-activations kept this far from ReLU's kink,
# central differences with this eps, and this largest difference allowed.
GRADCHECK = {"size": (6, 4, 3), "kink_margin": 1e-3, "eps": 1e-5, "tol": 1e-5}


def gradcheck_case(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, Tensors]:
    """(X, Y, params) for the numerical gradient check (GRADCHECK), float64."""
    return make_case(gen, *GRADCHECK["size"], kink_margin=GRADCHECK["kink_margin"])


def numerical_gradient(loss_of: Callable[[Tensors], torch.Tensor | float], params: Tensors,
                       eps: float = GRADCHECK["eps"]) -> Tensors:
    """checks.numerical_gradient over the four parameters, in their order."""
    return checks.numerical_gradient(loss_of, {name: params[name] for name in PARAMS}, eps)


def gradient_check(grads: Tensors, numeric: Tensors, tol: float = GRADCHECK["tol"]) -> None:
    for name in GRADS:
        a, n = grads[name].detach().cpu().double(), numeric[name]
        diff = (a - n).abs()
        if not bool(torch.isfinite(a).all()) or bool((diff > tol).any()):
            flat = int(torch.argmax(torch.nan_to_num(diff, nan=float("inf"))))
            idx = unravel(flat, n.shape)
            raise Mismatch(say("gradcheck", name=name, index=str(idx), analytic=float(a.view(-1)[flat]),
                               numeric=float(n.view(-1)[flat]), diff=float(diff.view(-1)[flat]), tol=tol))


# -- training -----------------------------------------------------------------
# The training run is the same for every student and every run: one fixed data set and
# fixed initial parameters (data_seed), so its score depends only on the submission.
# required_drop: the loss must end at or below this fraction of where it started.
# Measured with bench/training_threshold.py on data_seed 6: every correct submission
# ends at 0.086, the slowest bug that still learns (sigmoid derivative applied twice) at
# 0.340, the best bug that does not (b1 missing) at 0.798. 0.5 sits 1.5x above the
# first and 1.6x below the second; the data seeds 0-9 measured gave margins no wider.
TRAINING = {"samples": 256, "features": 6, "hidden": 16, "positives": 0.2,
            "pos_weight": 3.0, "lr": 1.0, "steps": 40, "required_drop": 0.5, "data_seed": 6}


def training_data(device: str | torch.device = "cpu",
                  dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor, Tensors]:
    """The training task every submission is trained on (grader and self-check alike)."""
    return make_training_data(torch.Generator().manual_seed(TRAINING["data_seed"]), device, dtype)


def make_training_data(gen: torch.Generator, device: str | torch.device = "cpu", dtype: torch.dtype = torch.float32
                       ) -> tuple[torch.Tensor, torch.Tensor, Tensors]:
    """A synthetic, imbalanced binary task (about 20% positives) and initial params."""
    c = TRAINING
    X = torch.randn(c["samples"], c["features"], generator=gen, dtype=torch.float64)
    w = torch.randn(c["features"], 1, generator=gen, dtype=torch.float64)
    score = X @ w + 0.5 * (X[:, :1] * X[:, 1:2])
    threshold = torch.quantile(score, 1 - c["positives"])
    Y = (score > threshold).to(torch.float64)
    params = make_params(gen, c["features"], c["hidden"])
    cast = lambda t: t.to(device=device, dtype=dtype)  # noqa: E731
    return cast(X), cast(Y), {k: cast(v) for k, v in params.items()}


RECORD_EVERY = 2   # steps between two points of the loss curve


def expect_update(new: Tensors, params: Tensors, grads: Tensors, lr: float) -> None:
    """new must be params - lr * grads: the step of gradient descent on the gradients the
    student's own backward returned (training), so that the run shows their functions
    learning and nothing else (parameters trained beforehand, gradients found elsewhere).
    Non-finite gradients are left to the loss curve, which they ruin anyway."""
    if not all(bool(torch.isfinite(grads[g]).all()) for g in GRADS):
        return
    try:
        for p in PARAMS:
            expect_close(p, new[p], params[p] - lr * grads["d" + p], say("training_update"))
    except Mismatch as exc:
        raise Mismatch(with_hint(str(exc), "training_own_update")) from None


def train(fns: Functions, X: torch.Tensor, Y: torch.Tensor, params: Tensors,
          loss_of: Callable[[Tensors], torch.Tensor | float], record_every: int = RECORD_EVERY) -> list[float]:
    """The grader's own loop: fns.forward/bce_loss/backward/sgd_step are the student's.
    loss_of(params) is the trusted loss. Every step's sgd_step must return params - lr *
    grads of the grads its backward returned (expect_update). Returns the loss curve."""
    c = TRAINING
    curve = [float(loss_of(params))]
    for step in range(1, c["steps"] + 1):
        try:
            A2, cache = check_forward_result(fns.forward(X, params), X, params)
            check_loss_result(fns.bce_loss(A2, Y, c["pos_weight"]), X)
            grads = check_grads_result(fns.backward(X, Y, params, cache, c["pos_weight"]), params)
            # Copies: in the self-check the student's code holds these very tensors.
            old = {k: params[k].detach().clone() for k in PARAMS}
            given = {k: grads[k].detach().clone() for k in GRADS}
            new = check_params_result(fns.sgd_step(params, grads, c["lr"]), params)
            expect_update(new, old, given, c["lr"])
            params = {k: v for k, v in new.items() if k in PARAMS}
        except Mismatch as exc:
            raise Mismatch(say("training_step", step=step, problem=exc), exc.hints) from None
        if step % record_every == 0 or step == c["steps"]:
            curve.append(float(loss_of(params)))
    return curve


def training_verdict(curve: Sequence[float], device: str) -> str:
    """Raise Mismatch unless the loss fell clearly; return the summary otherwise."""
    c = TRAINING
    first, last = curve[0], curve[-1]
    target = first * c["required_drop"]
    summary = say("training_summary", device=device, steps=c["steps"], w=c["pos_weight"], lr=c["lr"],
                  first=first, last=last, curve=sparkline(curve))
    if not math.isfinite(last) or last > target:
        raise Mismatch(say("training_failed", first=first, last=last, steps=c["steps"], target=target)
                       + "\n" + summary)
    return summary


# -- training on a GPU (grader test 5.2 and the self-check) ----------------------
# "cuda": the whole run on the grader's GPU, inputs and parameters there. "virtual" (no
# GPU: Gradescope, most laptops): the run's values are the CPU run's (test 5.1's), and the
# first call of each function in it is made once more on fake CUDA tensors
# (common/devices.py), which hold no values: enough for each function to run there once.
GPUS = ("cuda", "virtual")


class _Calls:
    """The four functions as train() calls them, with before(fn, args) called ahead of
    each one's first call (with copies of its arguments)."""

    def __init__(self, fns: Functions, before: Callable[[str, tuple], None]) -> None:
        self.fns, self.before, self.seen = fns, before, set()

    def _call(self, fn: str, *args: Any) -> Any:
        if fn not in self.seen:
            self.seen.add(fn)
            self.before(fn, devices.map_tensors(args, lambda t: t.detach().clone()))
        return getattr(self.fns, fn)(*args)

    def forward(self, X: torch.Tensor, params: Tensors) -> Any:
        return self._call("forward", X, params)

    def bce_loss(self, A2: torch.Tensor, Y: torch.Tensor, pos_weight: float) -> Any:
        return self._call("bce_loss", A2, Y, pos_weight)

    def backward(self, X: torch.Tensor, Y: torch.Tensor, params: Tensors, cache: Tensors, pos_weight: float) -> Any:
        return self._call("backward", X, Y, params, cache, pos_weight)

    def sgd_step(self, params: Tensors, grads: Tensors, lr: float) -> Any:
        return self._call("sgd_step", params, grads, lr)


@dataclass
class TrainingRun:
    """A training run's outcome: its loss curve, or the error that stopped it (a Mismatch,
    the student's code failing), and the arguments of each function's first call."""

    curve: list[float] | None
    error: Exception | None
    first_calls: dict[str, tuple]

    def verdict(self, device: str) -> str:
        """training_verdict of the curve; the run's error raised again if it stopped."""
        if self.error is not None:
            raise self.error
        return training_verdict(self.curve, device)


def run_training(fns: Functions, loss_of: Callable[[Tensors], torch.Tensor | float],
                 device: str = "cpu") -> TrainingRun:
    """The grader's training run (train) on device, kept as a TrainingRun."""
    X, Y, params = training_data(device)
    first: dict[str, tuple] = {}
    try:
        curve = train(_Calls(fns, first.__setitem__), X, Y, params, loss_of)
    except Exception as exc:   # told by the test that reads the run
        return TrainingRun(None, exc, first)
    return TrainingRun(curve, None, first)


def train_on_gpu(fns: Functions, check: Callable[..., dict[str, Any]], gpu: str,
                 loss_of: Callable[[Tensors], torch.Tensor | float], cpu_run: TrainingRun | None = None) -> str:
    """Test 5.2: the training run with the data and parameters on a GPU. On "cuda" the
    whole run is made there, each function's first call checked there first; on "virtual"
    the values are cpu_run's (made here when None), each function's first call in it made
    once more on the virtual GPU. The loss is loss_of's (the trusted one: it is given the
    parameters on the CPU). Raises Mismatch for a device mistake or a loss that does not
    fall; returns the summary for the student."""
    if gpu not in GPUS:
        raise ValueError(f"gpu must be one of {GPUS}, not {gpu!r}")
    on_cpu = lambda p: loss_of({k: v.detach().cpu() for k, v in p.items()})  # noqa: E731
    notes: list[str] = []
    if gpu == "cuda":   # a device mistake is judged as in the function's own device test (train says which step)
        def before(fn: str, args: tuple) -> None:
            notes.append(expect_on_gpu(check(fn, *args), fn))

        summary = run_training(_Calls(fns, before), on_cpu, "cuda").verdict("cuda")
    else:
        run = cpu_run or run_training(fns, on_cpu)
        for fn, args in run.first_calls.items():   # each made at the run's first step
            try:
                notes.append(expect_on_gpu(check(fn, *args), fn))
            except Mismatch as exc:
                raise Mismatch(say("training_step", step=1, problem=exc), exc.hints) from None
        summary = run.verdict("cpu") + "\n" + say("training_virtual", fns=", ".join(RETURNS))
    return "\n".join([summary, *(note for note in notes if note)])
