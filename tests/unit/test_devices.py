"""The device check (common/devices.py) on the virtual GPU, in this process: what it
reports for each of the device mistakes, what it cannot tell, and the verdict a student
reads (task.expect_on_gpu). No worker: the worker calls the same check()."""
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from assignments.task1 import task
from autograder import assignment
from autograder.assignment import load_reference
from autograder.common import devices, messages

REF = load_reference()


def case():
    X, Y, params = task.make_case(torch.Generator().manual_seed(0), 5, 3, 4)
    A2, cache = REF.forward(X, params)
    return X, Y, params, A2, cache


def report(fn, *args, **kwargs):
    return devices.check(fn, args, kwargs, real_gpu=False)


def outcome(fn, *args, names=("the result",)):
    return devices.verdict(report(fn, *args), names)


def test_the_reference_runs_on_the_virtual_gpu():
    X, Y, params, A2, cache = case()
    grads = REF.backward(X, Y, params, cache)
    for name, args in (("forward", (X, params)), ("bce_loss", (A2, Y, 3.0)),
                       ("backward", (X, Y, params, cache, 3.0)), ("sgd_step", (params, grads, 0.1))):
        r = report(getattr(REF, name), *args)
        assert r["error"] is None, r
        assert devices.off_gpu(r["devices"]) == [], r
        assert task.expect_on_gpu(r, name) == ""


def test_the_callers_tensors_are_left_on_the_cpu():
    X, _, params, _, _ = case()
    report(REF.forward, X, params)
    assert X.device.type == "cpu" and all(v.device.type == "cpu" for v in params.values())
    assert type(X) is torch.Tensor


@pytest.mark.parametrize("fn, hint", [
    (lambda X: X + torch.zeros(X.shape[1], dtype=X.dtype), "tensor_without_device"),
    (lambda X: X @ torch.ones(X.shape[1], 2, dtype=X.dtype), "tensor_without_device"),
    (lambda X: torch.maximum(X, torch.zeros(X.shape, dtype=X.dtype)), "tensor_without_device"),
    (lambda X: X * torch.from_numpy(np.ones(X.shape[1])), "tensor_without_device"),
    (lambda X: torch.from_numpy(X.numpy() * 2), "numpy_on_device"),
    (lambda X: torch.as_tensor(np.asarray(X)), "numpy_on_device"),
    (lambda X: (X * 2).cpu(), "output_on_cpu"),
    (lambda X: {"A": X * 2, "B": (X + 1).to("cpu")}, "output_on_cpu"),
])
def test_device_mistakes_are_wrong(fn, hint):
    X = case()[0]
    result, got, _ = outcome(fn, X)
    assert (result, got) == ("wrong", hint)


@pytest.mark.parametrize("fn", [
    lambda X: X * X.sum().item(),                 # data-dependent: fake tensors have no values
    lambda X: X * float(X.max()),
    lambda X: X if bool((X > 0).any()) else -X,
    lambda X: X[X > 0].sum() + X,
    lambda X: X.cpu().numpy().sum() + X,          # a round trip through the CPU: a real GPU runs it
    lambda X: X + torch.zeros(X.shape[1], dtype=X.dtype).to("cuda"),   # asks this torch for CUDA
])
def test_what_the_virtual_gpu_cannot_run_costs_nothing(fn):
    X = case()[0]
    result, hint, detail = outcome(fn, X)
    assert result == "cannot_tell" and hint is None, detail
    note = task.expect_on_gpu(report(fn, X), "forward")
    assert "No points are lost" in note or "不扣分" in note


@pytest.mark.parametrize("fn", [
    lambda X: X + torch.tensor(1.0, dtype=X.dtype),        # a 0-dim CPU tensor: a GPU allows it
    lambda X: X + torch.zeros(X.shape[1], dtype=X.dtype, device=X.device),
    lambda X: torch.zeros_like(X) + X,
    lambda X: X + torch.zeros(3, dtype=X.dtype, device="cuda"),   # hard-coded cuda: fine on a GPU
    lambda X: torch.clamp(X, min=0) * torch.finfo(X.dtype).eps,
    lambda X: torch.where(X > 0, X, 0.0),
])
def test_device_aware_code_is_ok(fn):
    assert outcome(fn, case()[0])[0] == "ok"


def test_an_error_on_the_cpu_too_is_a_plain_bug():
    def broken(X):
        raise NotImplementedError("write forward")
    r = report(broken, case()[0])
    assert devices.verdict(r)[:2] == ("wrong", None)
    with pytest.raises(task.Mismatch) as exc:
        task.expect_on_gpu(r, "forward")
    assert "NotImplementedError: write forward" in str(exc.value)


def test_an_error_only_on_the_virtual_gpu_cannot_be_told():
    def odd(X):
        if X.device.type != "cpu":
            raise ValueError("no GPU here")
        return X
    assert devices.verdict(report(odd, case()[0]))[0] == "cannot_tell"


def test_outputs_are_named_as_in_the_contract():
    X, _, params, _, _ = case()

    def forward(X, params):
        A2, cache = REF.forward(X, params)
        return A2.cpu(), {**cache, "A1": cache["A1"].cpu()}
    with pytest.raises(task.Mismatch) as exc:
        task.expect_on_gpu(report(forward, X, params), "forward")
    assert "A2, cache['A1']" in str(exc.value)
    assert exc.value.hints == ["output_on_cpu"]
    assert messages.say("hint_output_on_cpu", fn="forward") in str(exc.value)


PROBE = """
import torch
from assignments.task1 import task
from autograder.common import devices
from autograder.common.guard import Guard
from autograder import assignment
from autograder.assignment import load_reference
ref = load_reference()
guard = Guard(torch).install()
X, Y, params = task.make_case(torch.Generator().manual_seed(0), 5, 3, 4)
_, cache = ref.forward(X, params)

def backward(X, Y, params, cache, pos_weight=1.0):
    loss = ref.bce_loss(ref.forward(X, {k: v.requires_grad_() for k, v in params.items()})[0], Y)
    return dict(zip(("dW1", "db1", "dW2", "db2"), torch.autograd.grad(loss, list(params.values()))))

r = devices.check(backward, (X, Y, {k: v.clone() for k, v in params.items()}, cache), {}, real_gpu=False,
                  call=guard.call)
print("used:", guard.used, "| wrong:", devices.verdict(r)[0])
r = devices.check(ref.backward, (X, Y, params, cache), {}, real_gpu=False, call=guard.call)
print("reference:", guard.used, devices.verdict(r)[0])
"""


def test_the_autograd_ban_holds_on_the_virtual_gpu():
    """The guard (a torch function mode) and fake tensors (a dispatch mode) compose: autograd
    is refused inside the virtual GPU too. In a process of its own: the guard stays installed."""
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=600,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("used: ") and "None" not in lines[0] and lines[0].endswith("| wrong: wrong"), lines
    assert lines[1] == "reference: None ok", lines


@pytest.mark.parametrize("forged", [
    None, [], {"on": "cuda"}, {"on": "gpu", "devices": None, "error": None, "cpu_error": None},
    {"on": "cuda", "devices": 3, "error": None, "cpu_error": None},
    {"on": "cuda", "devices": None, "error": {"type": "x"}, "cpu_error": None},
    {"on": "cuda", "devices": [[[[["cuda:0"]]]]], "error": None, "cpu_error": None},
    {"on": "cuda", "devices": ["cuda:0"] * 100, "error": None, "cpu_error": None},
    {"on": "cuda", "devices": None, "error": None, "cpu_error": None, "extra": 1},
])
def test_a_forged_report_is_refused(forged):
    with pytest.raises(ValueError):
        devices.read_report(forged)


def test_a_real_report_is_read_back():
    X = case()[0]
    for fn in (lambda X: X * 2, lambda X: X + torch.zeros(3), lambda X: X.sum().item()):
        r = report(fn, X)
        assert devices.read_report(r) is r


def test_sys_exit_is_an_error_like_any_other():
    import sys as system

    def leaves(X):
        system.exit(0)
    r = report(leaves, case()[0])
    assert r["error"]["type"] == "builtins.SystemExit" and r["cpu_error"] is not None
    assert devices.verdict(r)[:2] == ("wrong", None)


def test_the_warm_up_runs():
    devices.warm_up()   # what the zygote runs before it forks: it must not raise


CONSTANT = """
import sys, torch
from autograder.common import devices
devices.warm_up(whole_compiler=sys.argv[1] == "class")
loaded = len(sys.modules)
r = devices.check(lambda X: X + torch.tensor(1e-7), (torch.ones(2),), {}, real_gpu=False)
print(r["error"], len(sys.modules) - loaded)
"""


@pytest.mark.parametrize("zygote", ["class", "single"])
def test_a_class_zygote_loads_what_a_constant_on_the_virtual_gpu_needs(zygote):
    """A call that makes a tensor from a constant on the virtual GPU needs all of torch's
    compiler: a class's zygote loads it before it forks (no worker loads it again); a
    single grade's loads it only when a call needs it. In a process of its own: the
    compiler, once loaded, stays."""
    proc = subprocess.run([sys.executable, "-c", CONSTANT, zygote], capture_output=True, text=True, timeout=600,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stderr
    error, modules = proc.stdout.split()
    assert error == "None", proc.stdout
    if zygote == "class":
        assert int(modules) < 10, f"the call still loaded {modules} modules"
    else:
        assert int(modules) > 100, f"the call loaded only {modules} modules: is the compiler still deferred?"


def test_state_kept_from_an_earlier_fake_call_cannot_be_told():
    """Code that keeps a tensor between calls (a bug told in its own tests) meets, in a
    later check, a fake tensor of an earlier check's: a real GPU has no fake tensors, so
    the virtual one cannot tell, and says so without the addresses of objects (they vary)."""
    kept = {}

    def remembers(X):
        if "X" in kept:
            return X * kept["X"]
        kept["X"] = X * 2
        return kept["X"]

    X = case()[0]
    assert devices.verdict(report(remembers, X))[0] == "ok"   # keeps a fake tensor
    r = report(remembers, X)
    assert devices.verdict(r)[0] == "cannot_tell", r
    note = task.expect_on_gpu(r, "forward")
    assert "0x…" in note and not re.search(r"0x[0-9a-f]{6,}", note), note


LAYERS = """
import sys, torch
from torch._subclasses.fake_tensor import FakeTensorMode
from assignments.task1 import task
from autograder.assignment import load, load_reference
from autograder.common import devices
ref = load_reference()
devices.warm_up(layers=load("task1").virtual_gpu_layers if sys.argv[1] == "class" else ())
X, Y, params = task.make_case(torch.Generator().manual_seed(0), *task.SIZES[0])
A2, cache = ref.forward(X, params)
grads = ref.backward(X, Y, params, cache, 3.0)
FakeTensorMode.cache_hits = FakeTensorMode.cache_misses = 0
for fn, args in ((ref.forward, (X, params)), (ref.bce_loss, (A2, Y, 3.0)),
                 (ref.backward, (X, Y, params, cache, 3.0)), (ref.sgd_step, (params, grads, 0.1))):
    assert devices.check(fn, args, {}, real_gpu=False)["error"] is None
print(FakeTensorMode.cache_hits, FakeTensorMode.cache_misses)
"""


def test_a_class_zygote_works_out_the_layers_shapes_once():
    """With the assignment's layers, the warm-up works out (and fake tensors cache) what a
    layer's operations give at the sizes the device tests use: the reference's device
    checks then find most of it done. In processes of their own: the cache is the process's."""
    def hits_and_misses(zygote):
        proc = subprocess.run([sys.executable, "-c", LAYERS, zygote], capture_output=True, text=True, timeout=600,
                              cwd=Path(__file__).resolve().parents[2])
        assert proc.returncode == 0, proc.stderr
        return tuple(map(int, proc.stdout.split()))

    (hits, misses), (_, misses_without) = hits_and_misses("class"), hits_and_misses("single")
    assert misses <= misses_without / 2, (f"with the layers worked out, the reference's checks still missed "
                                          f"{misses} times ({hits} hits), without {misses_without}")


def test_task1_declares_the_layers_its_device_tests_use():
    from assignments.task1.contract import VIRTUAL_GPU_LAYERS

    m, n, h = task.SIZES[0]          # the device tests' size, float64 (make_case's default)
    t = task.TRAINING                # the training run's, float32 (training_data's default)
    assert VIRTUAL_GPU_LAYERS == ((m, n, h, "float64"), (m, h, 1, "float64"),
                                  (t["samples"], t["features"], t["hidden"], "float32"),
                                  (t["samples"], t["hidden"], 1, "float32"))


@pytest.mark.parametrize("name", assignment.names())
def test_an_assignments_layers_are_sizes_and_a_dtype(name):
    """What a class's zygote is given to work out before it forks: a mistake here would
    stop every grade of the class (the worker pool would not start)."""
    for layer in assignment.load(name).virtual_gpu_layers:
        rows, inputs, outputs, dtype = layer
        assert all(type(v) is int and v > 0 for v in (rows, inputs, outputs)), layer
        assert isinstance(getattr(torch, dtype, None), torch.dtype), layer
