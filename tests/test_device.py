"""Device mistakes cost the device tests (1.4, 2.6, 3.8, 4.3) and the training on a GPU
(5.2), and nothing else, on a grader without a GPU too: there each function runs once more
on a virtual GPU (fake CUDA tensors), in its own device test and at the first step of 5.2.
What the virtual GPU cannot run costs nothing and says so."""
import re

import pytest
import torch
from conftest import SUBMISSIONS, lost, outputs, reference, starter

from assignments.task1 import task
from autograder.common import messages

DEVICE = sorted((SUBMISSIONS / "device").glob("*.py"))
GPU_TESTS = {"1.4", "2.6", "3.8", "4.3"}
TRAINING_GPU = "5.2"
ON = "cuda" if torch.cuda.is_available() else "virtual"
CUDA_ERROR = ("TypeError: can't convert cuda:0 device type tensor to numpy. "
              "Use Tensor.cpu() to copy the tensor to host memory first.")


def fails(path):
    """The `fails:` line of a device submission's header: the tests that must lose points."""
    line = re.search(r"^fails: (.+)$", path.read_text(), re.M).group(1)
    return set() if line == "none" else set(line.split(", "))


def test_error_hint_matches_only_numpy_on_another_device():
    assert task.error_hint(CUDA_ERROR) == "numpy_on_device"
    assert task.error_hint('File "mlp.py", line 3, in forward\n' + CUDA_ERROR) == "numpy_on_device"
    for other in ("", "RuntimeError: Tensor.item() cannot be called on meta tensors",
                  "TypeError: can't convert np.ndarray of type numpy.object_.",
                  "RuntimeError: Can't call numpy() on Tensor that requires grad."):
        assert task.error_hint(other) is None, other


@pytest.mark.parametrize("path", DEVICE, ids=lambda p: p.stem)
def test_a_device_mistake_costs_only_its_device_test(graded, path):
    data = graded(path)
    failed = {t["number"] for t in data["tests"] if t["score"] < t["max_score"]}
    assert failed == fails(path), lost(data)
    hint = re.search(r"^hint: (.+)$", path.read_text(), re.M).group(1)
    if hint != "none":
        text = outputs(data)
        fn = next(t["tags"][0] for t in data["tests"] if t["number"] in failed)
        fn = {"loss": "bce_loss"}.get(fn, fn)
        assert messages.say("hint_" + hint, "en", fn=fn) in text, lost(data)
        training = next(t for t in data["tests"] if t["number"] == TRAINING_GPU)
        assert messages.say("hint_" + hint, "en", fn=fn) in training["output"], lost(data)
    on = {t["number"]: t.get("extra_data", {}).get("device") for t in data["tests"]
          if t["number"] in GPU_TESTS | {TRAINING_GPU}}
    assert on == dict.fromkeys(GPU_TESTS | {TRAINING_GPU}, ON)


def test_what_the_virtual_gpu_cannot_run_is_said_and_costs_nothing(graded):
    data = graded(SUBMISSIONS / "device" / "item_check_in_loss.py")
    for number in ("2.6", TRAINING_GPU):
        test = next(t for t in data["tests"] if t["number"] == number)
        assert test["score"] == test["max_score"]
        if not torch.cuda.is_available():
            assert "Whether bce_loss runs on a GPU could not be told" in test["output"], test["output"]
            assert "No points are lost" in test["output"]


def test_device_aware_code_passes_without_a_note(graded):
    for path in (reference(), SUBMISSIONS / "correct" / "correct_device_aware.py"):
        data = graded(path)
        gpu = [t for t in data["tests"] if t["number"] in GPU_TESTS]
        assert len(gpu) == 4 and all(t["score"] == t["max_score"] and not t.get("output") for t in gpu), lost(data)
        training = next(t for t in data["tests"] if t["number"] == TRAINING_GPU)
        assert training["score"] == training["max_score"], lost(data)
        said = "Trained on cuda" if ON == "cuda" else "also ran on a virtual GPU"
        assert said in training["output"] and "could not be told" not in training["output"], training["output"]


def test_the_starter_loses_its_device_tests(graded):
    data = graded(starter())
    gpu = [t for t in data["tests"] if t["number"] in GPU_TESTS | {TRAINING_GPU}]
    assert len(gpu) == 5 and all(t["score"] == 0 for t in gpu)
    assert all("NotImplementedError" in t["output"] for t in gpu), [t["output"] for t in gpu]


def test_the_device_tests_take_their_points_from_the_type_tests(graded):
    """1.1 + 1.4, 2.1 + 2.6, 3.1 + 3.8 and 4.1 + 4.3 hold what 1.1, 2.1, 3.1 and 4.1 held."""
    points = {t["number"]: t["max_score"] for t in graded(reference())["tests"]}
    assert [points[a] + points[b] for a, b in (("1.1", "1.4"), ("2.1", "2.6"), ("3.1", "3.8"), ("4.1", "4.3"))] \
        == [5, 4, 5, 3]
    assert (points["5.1"], points[TRAINING_GPU]) == (10, 5), "training: 10 on the CPU, 5 on a GPU"
    assert sum(points.values()) == 100


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_on_a_real_gpu_the_verdicts_are_the_same(graded):
    """With CUDA the device tests use the real GPU, and every other test the CPU: the same
    grade as on a machine without one."""
    for path in DEVICE:
        data = graded(path)
        failed = {t["number"] for t in data["tests"] if t["score"] < t["max_score"]}
        assert failed == fails(path), lost(data)
    text = outputs(graded(SUBMISSIONS / "device" / "numpy_inside_forward.py"))
    assert "can't convert cuda" in text
