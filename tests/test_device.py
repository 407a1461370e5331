"""Code that converts tensors to NumPy passes on a CPU and fails on a GPU grader: the grader
says why (a hint), and the self-check can warn about it on a CPU-only machine."""
import importlib.util

import pytest
import torch
from conftest import ROOT, SUBMISSIONS, grade, outputs

from autograder.common import checks, messages

NUMPY_SUBMISSION = SUBMISSIONS / "device" / "numpy_inside_forward.py"
CORRECT = sorted((SUBMISSIONS / "correct").glob("*.py"))
CUDA_ERROR = ("TypeError: can't convert cuda:0 device type tensor to numpy. "
              "Use Tensor.cpu() to copy the tensor to host memory first.")


def load(path):
    spec = importlib.util.spec_from_file_location(f"mlp_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def calls(mlp):
    """(name, fn, args) for the four functions on a small fixed case; backward gets a cache
    from the reference's forward, so that it is judged on its own."""
    ref = load(ROOT / "reference" / "mlp.py")
    X, Y, params = checks.make_case(torch.Generator().manual_seed(0), 4, 3, 2)
    A2, cache = ref.forward(X, params)
    grads = ref.backward(X, Y, params, cache)
    return [("forward", mlp.forward, (X, params)),
            ("bce_loss", mlp.bce_loss, (A2, Y, 3.0)),
            ("backward", mlp.backward, (X, Y, params, cache, 3.0)),
            ("sgd_step", mlp.sgd_step, (params, grads, 0.1))]


def test_error_hint_matches_only_numpy_on_another_device():
    assert checks.error_hint(CUDA_ERROR) == "numpy_on_device"
    assert checks.error_hint('File "mlp.py", line 3, in forward\n' + CUDA_ERROR) == "numpy_on_device"
    assert checks.error_hint("TypeError: can't convert meta device type tensor to numpy.") == "numpy_on_device"
    for other in ("", "RuntimeError: Tensor.item() cannot be called on meta tensors",
                  "TypeError: can't convert np.ndarray of type numpy.object_.",
                  "RuntimeError: Expected all tensors to be on the same device, but found at least "
                  "two devices, cuda:0 and cpu!",
                  "RuntimeError: Can't call numpy() on Tensor that requires grad."):
        assert checks.error_hint(other) is None, other


def test_numpy_warning_on_the_numpy_submission():
    name, fn, args = calls(load(NUMPY_SUBMISSION))[0]
    assert checks.numpy_warning(fn, *args)
    # the other three functions are plain torch
    assert not any(checks.numpy_warning(fn, *args) for _, fn, args in calls(load(NUMPY_SUBMISSION))[1:])


@pytest.mark.parametrize("path", [ROOT / "reference" / "mlp.py"] + CORRECT, ids=lambda p: p.stem)
def test_no_numpy_warning_for_correct_code(path):
    for name, fn, args in calls(load(path)):
        assert not checks.numpy_warning(fn, *args), name


def test_numpy_warning_is_no_false_alarm():
    """What fails on meta tensors but works on a GPU must not warn."""
    X = torch.ones(2, 3)
    assert not checks.numpy_warning(lambda t: t.item(), X.sum())
    assert not checks.numpy_warning(lambda t: t.cpu() + 1, X)
    assert not checks.numpy_warning(lambda t: t.numpy(force=True), X)
    assert not checks.numpy_warning(lambda t: t + 1, X)
    assert checks.numpy_warning(lambda d: d["X"].detach().numpy(), {"X": X})
    assert X.device.type == "cpu"   # the caller's tensors are left alone


def test_grader_hints_numpy_error(tmp_path):
    """Without a GPU: the same TypeError, raised by torch for a meta tensor, gets the hint."""
    code = NUMPY_SUBMISSION.read_text().replace("X.numpy()", 'X.to("meta").numpy()')
    assert 'X.to("meta").numpy()' in code
    (tmp_path / "mlp.py").write_text(code)
    data, _ = grade(tmp_path / "mlp.py", tmp_path)
    forward = [t for t in data["tests"] if "forward" in t.get("tags", [])]
    assert forward and all(t["status"] == "failed" for t in forward)
    hint = messages.MESSAGES["hint_numpy_on_device"]["en"].format(fn="forward")
    assert all(hint in t["output"] for t in forward)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_gpu_grader_hints_numpy(tmp_path):
    data, _ = grade(NUMPY_SUBMISSION, tmp_path, seed=1)
    failed = {t["number"] for t in data["tests"] if t["status"] == "failed"}
    assert failed == {"1.1", "5.1"}, failed
    text = outputs(data)
    assert "can't convert cuda" in text
    assert messages.MESSAGES["hint_numpy_on_device"]["en"].format(fn="forward") in text
