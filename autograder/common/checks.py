"""Checks any assignment's grading tests and self-check are made of: type, shape, dtype
and device checks, comparisons within tolerance, hints for classic mistakes, the device
verdict and numerical gradients. An assignment's own checks (its cases, the checks of
its functions' results, its training run) are in its task.py and use these.

Nothing here knows the answers. Expected values are passed in: the grader computes them
with the hidden reference, the self-check reads them from fixtures. Every failure raises
Mismatch with a message for the student (messages.py). Shipped in the handout.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch

try:
    from . import devices, messages
except ImportError:  # in the handout, beside selfcheck.py
    import devices
    import messages

say = messages.say
DTYPES = (torch.float64, torch.float32)                    # every check runs in both
Tensors = dict[str, torch.Tensor]   # parameters, gradients or a cache, by name (contract.py)


class Mismatch(AssertionError):
    """A check failed; str() is the message for the student. hints: the ids of the classic
    mistakes it names (messages.py: hint_<id>), as data for the class report; taken from
    message when it comes from with_hint."""

    def __init__(self, message: str = "", hints: Iterable[str] | None = None) -> None:
        super().__init__(message)
        self.hints = list(hints if hints is not None else getattr(message, "hints", ()))


class Hinted(str):
    """A message and the ids of the hints in it (with_hint makes them)."""

    hints = ()


def tolerance(dtype: torch.dtype) -> tuple[float, float]:
    """(rtol, atol) for comparing with the reference: loose enough for any correct formula."""
    return (1e-6, 1e-9) if dtype == torch.float64 else (1e-4, 1e-6)


def describe(value: object) -> str:
    """What the student returned, in words (value may be a wire.Foreign description)."""
    if isinstance(value, torch.Tensor):
        return say("what_tensor", shape=shape_text(value.shape))
    if value is None:
        return "None"
    type_name = getattr(value, "type_name", None) or type(value).__name__
    detail = str(getattr(value, "detail", ""))
    if detail.startswith("@") and "what_" + detail[1:] in messages.MESSAGES:   # a code wire.py words
        return say("what_" + detail[1:], type=type_name)
    return say("what_object", type=type_name) + (f" ({code_span(detail)})" if detail else "")


def code_span(text: object) -> str:
    """text (one line) as inline Markdown code it cannot close: a student's repr is shown
    as it is, never rendered as a link, an image or HTML."""
    text = " ".join(str(text).split())
    ticks = "`" * (1 + max((len(run) for run in re.findall("`+", text)), default=0))
    return f"{ticks} {text} {ticks}"


def shape_text(shape: Sequence[int]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def unravel(flat: int, shape: Sequence[int]) -> list[int]:
    """The index of entry number flat in a row-major tensor of this shape. (Not
    torch.unravel_index: its first call imports sympy, half a second.)"""
    index = []
    for size in reversed(tuple(shape)):
        flat, i = divmod(flat, size)
        index.append(i)
    return index[::-1]


# -- hints --------------------------------------------------------------------
# Fields a hint's text may use where the check that names it has no value for them; an
# assignment's own are its texts.py FIELDS, in messages.FIELDS once its texts are in use.
HINT_FIELDS: dict[str, object] = {"name": "", "fn": ""}


def with_hint(message: str | Exception, hint: str, **fields: object) -> Hinted:
    """The message (a text, or a failure that may carry hints already) followed by the
    hint for one classic mistake (messages: hint_<id>): a Hinted text, whose ids travel
    as data, never read back out of text (a student can print any sentence)."""
    fields = {**HINT_FIELDS, **fields}
    text = Hinted(str(message) + "\n" + say("hint", text=say("hint_" + hint, **fields)))
    text.hints = [*getattr(message, "hints", ()), hint]
    return text


def same(got, want):
    """got equals want within tolerance: tensors, or dicts/tuples of them (want's keys)."""
    if isinstance(want, torch.Tensor):
        if type(got) is not torch.Tensor or got.shape != want.shape:
            return False
        rtol, atol = tolerance(want.dtype)
        g, w = got.detach().cpu().double(), want.detach().cpu().double()
        return bool(torch.isfinite(g).all()) and bool(((g - w).abs() <= atol + rtol * w.abs()).all())
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and same(got[k], v) for k, v in want.items())
    if isinstance(want, (tuple, list)):
        return isinstance(got, (tuple, list)) and len(got) == len(want) and all(map(same, got, want))
    return False




ADDRESS = re.compile(r"0x[0-9a-f]{6,}")   # an object's address in a repr

# torch's allocators and Python's own, when the worker reaches the memory it is given
OUT_OF_MEMORY = re.compile(r"can't allocate memory|^MemoryError\b|CUDA out of memory", re.M)


def error_hint(error: str) -> str | None:
    """The hint id for an error text from the student's code, or None."""
    if devices.NUMPY.search(error):   # .numpy() of a tensor not on the CPU
        return "numpy_on_device"
    return "out_of_memory" if OUT_OF_MEMORY.search(error) else None


def expect_on_gpu(report: dict[str, Any], fn: str, returns: Sequence[str]) -> str:
    """Judge a device report (devices.check; from the worker, read_report first): raise
    Mismatch for a device mistake, with its hint; return the note for the student when the
    virtual GPU could not tell (nothing lost), else "". returns: the names of what fn
    returns (the contract's RETURNS[fn])."""
    outcome, hint, detail = devices.verdict(report, returns)
    on = say(f'gpu_on_{report["on"]}')
    if outcome == "cannot_tell":   # the error's last line, without the addresses of objects (they vary)
        error = ADDRESS.sub("0x…", detail.strip().splitlines()[-1][:300]) if detail else ""
        return say("gpu_cannot_tell", fn=fn, on=on, error=error)
    if outcome == "ok":
        return ""
    if hint == "output_on_cpu":
        raise Mismatch(with_hint(say("gpu_left_on_cpu", fn=fn, on=on, names=detail), hint, fn=fn))
    if hint is None:
        raise Mismatch(say("gpu_error", fn=fn, error=messages.fence(detail)))
    key = "gpu_numpy" if hint == "numpy_on_device" else "gpu_mixed"
    raise Mismatch(with_hint(say(key, fn=fn, on=on, error=messages.fence(detail)), hint, fn=fn))


def _leaves(value, like):
    """value's tensors in the layout of like (a tensor, or dicts/tuples of them): a list
    with None where value lacks one."""
    if isinstance(like, dict):
        return [x for k, v in like.items()
                for x in _leaves(value.get(k) if isinstance(value, dict) else None, v)]
    if isinstance(like, (tuple, list)):
        ok = isinstance(value, (tuple, list)) and len(value) == len(like)
        return [x for i, v in enumerate(like) for x in _leaves(value[i] if ok else None, v)]
    return [value]


def _is_mistake(got, want, outputs):
    """Every value the student got wrong equals what the mistake gives there, and at least
    one is wrong. Compared value by value, so a right entry of a dict beside a wrong
    tensor still lets the mistake that explains that tensor match."""
    wrong = [(g, o) for g, w, o in zip(_leaves(got, want), _leaves(want, want), _leaves(outputs, want))
             if not same(g, w)]
    return bool(wrong) and all(same(g, o) for g, o in wrong)


@contextmanager
def hinted(got: object, want: object, mistakes: Iterable[tuple[str, object]], **fields: object) -> Iterator[None]:
    """On a Mismatch inside the block, add the hint of the first classic mistake that
    explains what the student returned (got) where it differs from want.
    mistakes: [(hint id, outputs laid out like want), ...]."""
    try:
        yield
    except Mismatch as exc:
        for hint, outputs in mistakes:
            if _is_mistake(got, want, outputs):
                raise Mismatch(with_hint(exc, hint, **fields)) from None
        raise


def lost_size_one(got, want):
    """A dimension of size one in want is gone from got (a squeeze, a sum over every axis),
    or became another size (a squeezed vector that broadcast against an (m, 1) column)."""
    if got == tuple(d for d in want if d != 1):
        return True
    return len(got) == len(want) and all(g == w or w == 1 for g, w in zip(got, want))


def modified_mismatch(fn: str, names: Sequence[str]) -> Mismatch:
    """The Mismatch for a call of fn that changed the inputs named (guard.Inputs)."""
    return Mismatch(with_hint(say("modified_input", fn=fn, name=", ".join(names[:8])), "modified_input", fn=fn))


# -- shapes, dtypes, devices --------------------------------------------------
def expect_tensor(name: str, value: object, shape: Sequence[int], like: torch.Tensor,
                  shape_hint: Callable[[str, tuple, tuple], str | None] | None = None) -> torch.Tensor:
    """value must be a plain tensor of this shape with like's dtype and device.
    shape_hint(name, got, want): the hint id for a wrong shape, or None (the assignment's)."""
    if type(value) is not torch.Tensor:
        raise Mismatch(say("not_tensor", name=name, what=describe(value)))
    if tuple(value.shape) != tuple(shape):
        message = say("shape", name=name, got=shape_text(value.shape), want=shape_text(shape))
        hint = shape_hint(name, tuple(value.shape), tuple(shape)) if shape_hint else None
        raise Mismatch(with_hint(message, hint, name=name) if hint else message)
    if value.dtype != like.dtype:
        message = say("dtype", name=name, got=str(value.dtype)[6:], want=str(like.dtype)[6:])
        raise Mismatch(with_hint(message, "wrong_dtype", name=name)
                       if (value.dtype, like.dtype) == (torch.float32, torch.float64) else message)
    if value.device != like.device:
        raise Mismatch(with_hint(say("device", name=name, got=value.device, want=like.device),
                                 "wrong_device", name=name))
    return value


def expect_dict(fn: str, value: object, keys: Sequence[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Mismatch(say("not_dict", fn=fn, keys=", ".join(keys), what=describe(value)))
    missing = [k for k in keys if k not in value]
    if missing:
        raise Mismatch(say("missing_keys", fn=fn, missing=", ".join(missing), keys=", ".join(keys)))
    return value


# -- values -------------------------------------------------------------------
def expect_close(name: str, got: torch.Tensor, want: torch.Tensor, case: str = "", atol: float | None = None) -> None:
    """Compare element-wise; the message says where, never what the answer is."""
    rtol, default_atol = tolerance(want.dtype)
    atol = default_atol if atol is None else atol
    got, want = got.detach().cpu().double(), want.detach().cpu().double()
    total = want.numel()
    finite = torch.isfinite(got)
    if not bool(finite.all()):
        raise Mismatch(say("nonfinite", name=name, bad=int((~finite).sum()), total=total, case=case))
    diff = (got - want).abs()
    bad = diff > atol + rtol * want.abs()
    if bool(bad.any()) and want.dim() == 0:
        raise Mismatch(say("value_scalar", name=name, diff=float(diff), case=case))
    if bool(bad.any()):
        index = "[" + ", ".join(map(str, unravel(int(torch.argmax(diff)), want.shape))) + "]"
        raise Mismatch(say("values", name=name, bad=int(bad.sum()), total=total,
                           diff=float(diff.max()), index=index, case=case))


def numerical_gradient(loss_of: Callable[[Tensors], torch.Tensor | float], params: Tensors,
                       eps: float) -> Tensors:
    """Central differences (L(p + eps) - L(p - eps)) / (2 eps), entry by entry, float64,
    for every tensor of params (changed and restored in place): {"d" + name: gradient}."""
    grads = {}
    for name in params:
        p = params[name]
        g = torch.zeros_like(p)
        for i in range(p.numel()):
            keep = p.view(-1)[i].item()
            p.view(-1)[i] = keep + eps
            plus = float(loss_of(params))
            p.view(-1)[i] = keep - eps
            minus = float(loss_of(params))
            p.view(-1)[i] = keep
            g.view(-1)[i] = (plus - minus) / (2 * eps)
        grads["d" + name] = g
    return grads


def sparkline(values: Sequence[float]) -> str:
    """A one-line text plot, for results.json and the terminal."""
    bars = "▁▂▃▄▅▆▇█"
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return ""
    lo, hi = min(finite), max(finite)
    span = (hi - lo) or 1.0
    return "".join(bars[min(7, int((v - lo) / span * 7.999))] if math.isfinite(v) else "!" for v in values)
