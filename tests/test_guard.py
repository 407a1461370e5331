"""Gradients by hand, whatever the way in: autograder/common/guard.py refuses every way
into differentiation (tests/guard_probe.py lists them), names what was used, lets through
the tensor code a correct solution may contain, and tells which inputs a call changed.
The grade each way in costs is checked on the buggy submissions (tests/test_grading.py)."""
import json
import subprocess
import sys

import pytest
import torch
from conftest import ROOT, SUBMISSIONS, reference

sys.path.insert(0, str(ROOT / "autograder" / "common"))
sys.path.insert(0, str(ROOT / "tests"))
import guard_probe  # noqa: E402  (its tables only: it installs the guard when run as a script)
from guard import Inputs  # noqa: E402  (the guard itself runs in a subprocess: it is for good)


@pytest.fixture(scope="module")
def probe():
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "guard_probe.py")], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("case", list(guard_probe.REFUSED))
def test_every_way_in_is_refused(probe, case):
    assert probe["refused"][case], f"{case}: the guard let it through"


@pytest.mark.parametrize("case", list(guard_probe.ALLOWED))
def test_plain_tensor_code_is_not_flagged(probe, case):
    assert probe["allowed"][case] is None, f"{case}: flagged as {probe['allowed'][case]!r}"


def test_what_was_used_is_named(probe):
    r = probe["refused"]
    assert r["grad bound at import"] == "torch.autograd.grad()"
    assert r["func.jacfwd"] == "torch.func.jacfwd()"
    assert "forward-mode AD" in r["forward_ad.make_dual"]
    assert "engine" in r["the engine"]
    assert "complex-step" in r["complex dtype"]
    assert r["the mode exited from a frame"] == r["a stub replaced"] == "code that switched the autograd guard off"


def test_the_guard_is_back_after_a_call_switched_it_off(probe):
    assert probe["after"] == "a tensor that requires grad (autograd)"


def test_changed_inputs_are_named_and_the_rest_is_not():
    X, W, b = torch.randn(4, 3), torch.randn(3, 2), torch.zeros(2)
    params, cache = {"W1": W, "b1": b}, {"Z1": torch.randn(4, 2)}
    inputs = Inputs(torch, [("X", X), ("params", params), ("cache", cache)])
    cache["extra"] = torch.ones(1)        # a dict that gains a key: not a modification
    params["b1"] = b.clone()              # an entry replaced by an exact copy: nothing changes
    assert inputs.changed() == []
    W.add_(1e-12 * 0)                     # in place, but nothing changes
    assert inputs.changed() == []
    X[0, 0] += 1
    cache["Z1"].clamp_(min=0)
    assert inputs.changed() == ["X", 'cache["Z1"]']
    W.data = W.data.double()              # same values, another dtype
    assert inputs.changed() == ["X", 'params["W1"]', 'cache["Z1"]']
    params["b1"] = b + 1                  # an entry replaced: the caller's dict holds another tensor
    assert inputs.changed() == ["X", 'params["W1"]', 'params["b1"]', 'cache["Z1"]']


def test_a_replaced_or_removed_dict_entry_is_a_change():
    X, Z1, A2 = torch.randn(4, 3), torch.randn(4, 2), torch.rand(4, 1)
    cache = {"Z1": Z1, "A2": A2, "m": 4, "tag": "x", "nested": {"k": torch.ones(2)}}
    inputs = Inputs(torch, [("X", X), ("cache", cache)])
    cache["A2"] = A2 - 1                  # cache["A2"] = dZ2
    cache["m"] = 4                        # the same number again: unchanged
    cache["new"] = torch.zeros(1)         # a key added: allowed
    assert inputs.changed() == ['cache["A2"]']
    del cache["Z1"]
    cache["tag"] = "y"
    cache["nested"]["k"] = torch.zeros(2)
    assert inputs.changed() == ['cache["Z1"]', 'cache["A2"]', 'cache["tag"]', 'cache["nested"]["k"]']
    cache["nested"] = {"k": torch.ones(2)}   # another dict in its place
    assert 'cache["nested"]' in inputs.changed()


def test_correct_submissions_never_change_their_inputs():
    """Every correct submission's forward, bce_loss and backward leave their inputs exactly
    as they were (sgd_step may update params in place, §4)."""
    import importlib.util

    sys.path.insert(0, str(ROOT))
    from assignments.task1.task import make_case
    gen = torch.Generator().manual_seed(3)
    for path in sorted((SUBMISSIONS / "correct").glob("*.py")) + [reference()]:
        spec = importlib.util.spec_from_file_location("m", path)
        mlp = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mlp)
        for dtype in (torch.float64, torch.float32):
            X, Y, params = make_case(gen, 7, 5, 3, dtype)
            inputs = Inputs(torch, [("X", X), ("params", params)])
            A2, cache = mlp.forward(X, params)
            cache = {k: cache[k] for k in ("Z1", "A1", "Z2", "A2")}
            assert inputs.changed() == [], path.stem
            inputs = Inputs(torch, [("A2", A2), ("Y", Y)])
            mlp.bce_loss(A2, Y, 3.0)
            assert inputs.changed() == [], path.stem
            inputs = Inputs(torch, [("X", X), ("Y", Y), ("params", params), ("cache", cache)])
            mlp.backward(X, Y, params, cache, 3.0)
            assert inputs.changed() == [], path.stem
