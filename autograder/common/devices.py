"""Does a function keep to the device of its inputs? It is run once on CUDA inputs and we
look at what happens: a real GPU when there is one, otherwise a virtual one, made of
torch's fake tensors (FakeTensorMode), which have a device, a shape and a dtype but no
data. Fake CUDA tensors refuse what a real GPU refuses: mixing them with a CPU tensor
made without device= raises torch's "Expected all tensors to be on the same device", and
.numpy() is refused. They also refuse what a GPU would do but needs data (.item(),
float(t), a boolean mask): then we cannot tell, and nothing is lost.

Three parts, so that the judging happens where it is trusted:
- check() runs the call (in the grader's worker, or in the self-check) and returns a
  report of plain data: the devices of what it returned, or the error it raised, and,
  after an error, the error of the same call on the CPU, if any.
- read_report() takes a report back from the worker, where the student's code could have
  forged it, and refuses anything that is not of its shape.
- verdict() judges a report: "ok", "cannot_tell" or "wrong", with the hint to give.

Shared by the grader, its worker and the self-check (shipped in the handout). Standard
library only at import; torch is imported when a check runs.
"""
from __future__ import annotations

import importlib
import logging
import math
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from typing import Any

CUDA = "cuda:0"
# What the report keeps of a returned value: this many entries of a dict or a list, this deep.
MOST_ENTRIES, DEEPEST = 16, 3
TEXT = 4000   # characters of an error's text

# torch's messages when a function mixes devices: the real GPU's, the fake tensors' (the
# same words), and the meta device's (not used here, but the same mistake).
MIXED = re.compile(r"Expected all tensors to be on the same device|is not on the expected device")
NUMPY = re.compile(r"can't convert \S+ device type tensor to numpy")
# What fake tensors refuse that a GPU would do: data-dependent calls (.item(), float(t),
# bool(t), .tolist(), a mask's nonzero), operators without a fake kernel, a NumPy view of
# a fake CPU tensor, asking this CPU-only torch for its CUDA runtime ("cuda" without an
# index, .cuda()), and a tensor kept from outside the call (module state, perhaps set by an
# earlier check's fake call) met by the call's fake ones. The exception types come from these modules of torch's.
FAKE_MODULES = ("torch._subclasses.", "torch.fx.experimental.")
FAKE_REFUSALS = re.compile(r"not supported for tensor subclasses|not linked with support for cuda"
                           r"|Torch not compiled with CUDA enabled|Cannot access data pointer"
                           r"|cannot be called on meta tensors|Cannot copy out of meta tensor"
                           r"|convert all Tensors to FakeTensors first|Mixing fake modes", re.I)


def kind_of(error_type: str, error: str) -> str:
    """What an error from a call on CUDA inputs says: "mixed" (devices mixed), "numpy"
    (.numpy() on a GPU tensor), "fake" (something the virtual GPU cannot do: we cannot
    tell) or "error" (anything else). error_type: the exception's module and name."""
    if MIXED.search(error):
        return "mixed"
    if NUMPY.search(error):
        return "numpy"
    if error_type.startswith(FAKE_MODULES) or FAKE_REFUSALS.search(error):
        return "fake"
    return "error"


def devices_of(value: object, depth: int = 0) -> object:
    """The devices of value's tensors, laid out like value: "cuda:0" for a tensor, a dict or
    a list of those, None for anything else. Cut to MOST_ENTRIES entries and DEEPEST deep."""
    import torch

    if isinstance(value, torch.Tensor):
        return str(value.device)
    if depth >= DEEPEST:
        return None
    if isinstance(value, dict):
        return {str(k)[:40]: devices_of(v, depth + 1) for k, v in list(value.items())[:MOST_ENTRIES]}
    if isinstance(value, (tuple, list)):
        return [devices_of(v, depth + 1) for v in value[:MOST_ENTRIES]]
    return None


def _numpy_refused(torch: Any) -> Any:
    """A torch function mode that makes .numpy() of a fake GPU tensor fail as on a real GPU:
    fake tensors refuse it with words of their own, the same on every device."""
    class NumpyOnGpu(torch.overrides.TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            if func in (torch.Tensor.numpy, torch.Tensor.__array__) and args \
                    and isinstance(args[0], torch.Tensor) and args[0].device.type != "cpu":
                raise TypeError(f"can't convert {args[0].device} device type tensor to numpy. "
                                "Use Tensor.cpu() to copy the tensor to host memory first.")
            return func(*args, **(kwargs or {}))

    return NumpyOnGpu()


def map_tensors(value: object, make: Callable[[Any], Any]) -> object:
    """value with make(t) for every tensor t in it, in its dicts, lists and tuples."""
    import torch

    if isinstance(value, torch.Tensor):
        return make(value)
    if isinstance(value, dict):
        return {k: map_tensors(v, make) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(map_tensors(v, make) for v in value)
    return value


def _error(exc: BaseException, describe: Callable[[BaseException], str]) -> dict[str, str]:
    return {"type": f"{type(exc).__module__}.{type(exc).__qualname__}", "text": describe(exc)[-TEXT:]}


def _compiler_disabled(fn: Callable[..., object], recursive: bool = True, wrapping: bool = True) -> object:
    """What torch._dynamo.disable(fn) does when the compiler is not running: nothing."""
    return fn


def _defer_compiler() -> None:
    """Stand in for torch's compiler (torch._dynamo) until something really uses it. Fake
    tensors touch it only to read two settings from its config and to wrap their kernels
    in torch._dynamo.disable, which matters only while the compiler traces; importing the
    whole compiler for that costs about a second. So torch._dynamo is made a module whose
    config alone is loaded and whose disable() is a no-op; the first other name asked of
    it (torch.compile, say) loads the real package into that same module. Nothing when
    the compiler is loaded already."""
    import importlib.util
    import sys
    import types

    import torch

    if "torch._dynamo" in sys.modules:
        return

    class Deferred(types.ModuleType):
        def __getattr__(self, name: str) -> object:
            if name == "disable":
                return _compiler_disabled
            self.__class__ = types.ModuleType   # from now on the real module
            self.__path__ = list(self.__spec__.submodule_search_locations)
            self.__spec__.loader.exec_module(self)
            return getattr(self, name)

    spec = importlib.util.find_spec("torch._dynamo")
    if spec is None or spec.submodule_search_locations is None:   # another torch: load it as it comes
        return
    module = importlib.util.module_from_spec(spec)
    module.__class__ = Deferred
    sys.modules["torch._dynamo"] = module
    torch._dynamo = module
    importlib.import_module("torch._dynamo.config")
    # Importing any other part of it reads __path__ first: without one here, that loads
    # the whole package, in the order torch's own import of it takes.
    del module.__path__


def warm_up(whole_compiler: bool = False, layers: Iterable[Sequence[Any]] = ()) -> None:
    """Make the first virtual-GPU check fast: fake tensors import much of torch the first
    time (seconds). The grader's zygote calls this once, before it forks workers.
    A class's zygote (worker/zygote.py --class) also does what saves each of its workers
    more than it costs once:
    - whole_compiler: load the compiler now (0.4 s), not only when a call needs it. A call
      that makes a tensor from a constant on the virtual GPU (torch.tensor(1e-7)) needs
      it, and a worker that loads it pays those 0.4 s itself (35 ms a submission on
      average in bench/bench_batch.py's class).
    - layers: [(rows, inputs, outputs, dtype name)], the layers whose tensors the device
      tests pass (the contract's VIRTUAL_GPU_LAYERS). Fake tensors cache what they work
      out by operation and shapes: layer_operations() at these sizes fills that cache
      once (60 ms), and a worker's checks then take half the time (50 ms → 25 ms for
      Task 1's eight)."""
    import torch

    _defer_compiler()
    if whole_compiler:
        importlib.import_module("torch._dynamo.source")   # what a constant's fake copy imports
    from torch._subclasses.fake_tensor import FakeTensorMode

    with FakeTensorMode():   # the operations of a two-layer network and its loss, in both dtypes
        for dtype in (torch.float64, torch.float32):
            x, w = torch.empty(4, 3, dtype=dtype, device=CUDA), torch.empty(3, 1, dtype=dtype, device=CUDA)
            z = x @ w + w.sum()
            a = torch.sigmoid(torch.clamp(z, min=0)).clamp(1e-7, 1 - 1e-7)
            loss = -(3.0 * z * torch.log(a) + (1 - z) * torch.log1p(-a)).mean()
            (x.T @ ((a - z) / 4 * (z > 0).to(dtype))).sum(dim=0) + torch.zeros_like(loss)
            torch.where(z > 0, a, 0.0), torch.maximum(z, torch.exp(-z)), torch.relu(z) - w.mean()
        for rows, inputs, outputs, dtype in layers:
            layer_operations(rows, inputs, outputs, getattr(torch, dtype))


def layer_operations(rows: int, inputs: int, outputs: int, dtype: Any) -> None:
    """An inventory of what code for a layer and its gradients commonly does with tensors
    of its sizes (x: rows × inputs, w: inputs × outputs, b: outputs, z: rows × outputs),
    each operation once, on fake CUDA tensors: made with empty_strided as check() makes
    them, products, elementwise functions, sums over the rows, and the numbers 0, 1 and
    rows. Not any network's formulas. Run inside a FakeTensorMode."""
    import torch

    def fake(*shape: int) -> Any:   # in C order, as the tensors that cross the wire
        return torch.empty_strided(shape, [math.prod(shape[i + 1:]) for i in range(len(shape))], dtype=dtype,
                                   device=CUDA)

    x, w, b, z = fake(rows, inputs), fake(inputs, outputs), fake(outputs), fake(rows, outputs)
    x @ w, z + b, z - b, x.T @ z, z @ w.T, w - w, b - b
    for f in (torch.sigmoid, torch.relu, torch.exp, torch.log, torch.log1p, torch.neg, torch.abs, torch.tanh):
        f(z)
    z + z, z - z, z * z, z / z, torch.maximum(z, z), z.clamp(min=0), torch.clamp(z, min=0)
    positive = z > 0
    positive.to(dtype), z * positive, torch.where(positive, z, 0.0), torch.zeros_like(z), torch.ones_like(z)
    z.sum(), z.mean(), z.sum(0), z.sum(dim=0), z.sum(0, keepdim=True), z.sum(dim=0, keepdim=True), z.mean(0)
    for c in (0, 1, 1.0, rows, float(rows)):
        z * c, z / c, z + c, z - c, c - z, w * c, b * c, w - c * w, b - c * b


def check(fn: Callable[..., object], args: tuple[object, ...], kwargs: dict[str, object], *,
          real_gpu: bool, call: Callable[..., object] | None = None,
          describe: Callable[[BaseException], str] = lambda exc: f"{type(exc).__name__}: {exc}") -> dict[str, Any]:
    """Call fn on copies of args and kwargs on CUDA: the real GPU when real_gpu, else the
    virtual one. call(fn, *args, **kwargs) makes the call (the guard's, so that autograd is
    refused there too); describe(exc) is the error's text for the student. Returns the
    report: {"on": "cuda" | "virtual", "devices": ... | None, "error": {type, text} | None,
    "cpu_error": ...}. After an error, the same call is made on the CPU inputs: an error
    there too is an ordinary bug of the function, not a matter of devices (unless it is
    this torch's lack of CUDA: "cuda" hard-coded, which a GPU runs)."""
    import torch

    call = call or (lambda f, *a, **k: f(*a, **k))
    report: dict[str, Any] = {"on": "cuda" if real_gpu else "virtual", "devices": None, "error": None,
                              "cpu_error": None}
    try:
        if real_gpu:
            value = call(fn, *map_tensors(args, lambda t: t.to(CUDA)), **map_tensors(kwargs, lambda t: t.to(CUDA)))
            report["devices"] = devices_of(value)
        else:
            from torch._subclasses.fake_tensor import FakeTensorMode

            make = lambda t: torch.empty_strided(t.shape, t.stride(), dtype=t.dtype, device=CUDA)  # noqa: E731
            # fake tensors log every error of a kernel, traceback and all, on stderr: the
            # student's output. The error itself is what the report keeps.
            logging.getLogger("torch._subclasses.fake_tensor").setLevel(logging.CRITICAL)
            with FakeTensorMode(), _numpy_refused(torch):
                value = call(fn, *map_tensors(args, make), **map_tensors(kwargs, make))
                report["devices"] = devices_of(value)
    except BaseException as exc:   # SystemExit included, as in any call (worker/serve.py)
        report["error"] = _error(exc, describe)
        if kind_of(report["error"]["type"], report["error"]["text"]) in ("fake", "error"):
            try:
                call(fn, *args, **kwargs)
            except BaseException as again:
                report["cpu_error"] = _error(again, describe)
    return report


def _error_ok(value: object) -> bool:
    return value is None or (isinstance(value, dict) and set(value) == {"type", "text"}
                             and all(isinstance(v, str) for v in value.values()))


def _devices_ok(value: object, depth: int = 0) -> bool:
    if value is None or isinstance(value, str):
        return True
    if depth > DEEPEST:
        return False
    if isinstance(value, dict):
        return len(value) <= MOST_ENTRIES and all(isinstance(k, str) and _devices_ok(v, depth + 1)
                                                  for k, v in value.items())
    if isinstance(value, list):
        return len(value) <= MOST_ENTRIES and all(_devices_ok(v, depth + 1) for v in value)
    return False


def read_report(value: object) -> dict[str, Any]:
    """value, when it is a report as check() makes them; else ValueError."""
    if not (isinstance(value, dict) and set(value) == {"on", "devices", "error", "cpu_error"}
            and value["on"] in ("cuda", "virtual") and _devices_ok(value["devices"])
            and _error_ok(value["error"]) and _error_ok(value["cpu_error"])):
        raise ValueError("not a device report")
    return value


def off_gpu(devices: object, names: tuple[str, ...] = ("the result",), name: str = "") -> list[str]:
    """The returned tensors that are not on a GPU, named from names (what the function
    returns, contract.RETURNS): "out", "state['h']", "parts[0]"."""
    if isinstance(devices, str):
        return [] if devices.startswith("cuda") else [name or names[0]]
    if isinstance(devices, dict):
        return [n for k, v in devices.items() for n in off_gpu(v, names, f"{name or names[0]}[{k!r}]")]
    if isinstance(devices, list):
        if not name and len(devices) == len(names) > 1:   # a tuple the contract names each part of
            return [n for v, part in zip(devices, names) for n in off_gpu(v, names, part)]
        return [n for i, v in enumerate(devices) for n in off_gpu(v, names, f"{name or names[0]}[{i}]")]
    return []


def verdict(report: dict[str, Any], names: tuple[str, ...] = ("the result",)) -> tuple[str, str | None, str]:
    """(outcome, hint, detail) for a report of a function that returns names: outcome "ok",
    "cannot_tell" or "wrong"; hint the id of the classic mistake (messages.py: hint_<id>)
    when wrong: "tensor_without_device", "numpy_on_device", "output_on_cpu" or None for a
    plain error; detail the error's text, or the names of the tensors left on the CPU."""
    error = report["error"]
    if error is None:
        left = off_gpu(report["devices"], names)
        return ("wrong", "output_on_cpu", ", ".join(left)) if left else ("ok", None, "")
    kind = kind_of(error["type"], error["text"])
    if kind == "mixed":
        return "wrong", "tensor_without_device", error["text"]
    if kind == "numpy":
        return "wrong", "numpy_on_device", error["text"]
    again = report["cpu_error"]
    if again is not None and kind_of(again["type"], again["text"]) == "error":
        return "wrong", None, again["text"]   # it fails on the CPU too: a bug, told in the other tests
    return "cannot_tell", None, error["text"]
