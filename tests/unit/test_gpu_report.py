"""bench/gpu_report.py, the checks bench/gpu_check.sh makes of its grades on a CUDA machine,
tried on a CPU with results.json files made here (no grading run): a GPU run that went
right passes; a fallback to the virtual GPU, a device recorded where it should not be, a
grader failure or a wrong verdict is reported."""
import importlib.util
import json
import re
from pathlib import Path

import pytest

from autograder.common.messages import MESSAGES

ROOT = Path(__file__).resolve().parents[2]   # tests/unit/ -> the checkout
spec = importlib.util.spec_from_file_location("gpu_report", ROOT / "bench" / "gpu_report.py")
gpu_report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gpu_report)

# The grading tests as results.json lists them: number, tag, points, and whether it is a
# device test (takes the `gpu` fixture: then its extra_data.device says where it ran).
TESTS = [("0.1", "submission", 0, False), ("1.1", "forward", 3, False), ("1.2", "forward", 10, False),
         ("1.3", "forward", 5, False), ("1.4", "forward", 2, True), ("2.1", "loss", 2, False),
         ("2.2", "loss", 5, False), ("2.3", "loss", 5, False), ("2.4", "loss", 3, False),
         ("2.5", "loss", 3, False), ("2.6", "loss", 2, True), ("3.1", "backward", 3, False),
         ("3.2", "backward", 8, False), ("3.3", "backward", 7, False), ("3.4", "backward", 4, False),
         ("3.5", "backward", 4, False), ("3.6", "backward", 4, False), ("3.7", "backward", 3, False),
         ("3.8", "backward", 2, True), ("4.1", "sgd_step", 2, False), ("4.2", "sgd_step", 7, False),
         ("4.3", "sgd_step", 1, True), ("5.1", "training", 10, False), ("5.2", "training", 5, True)]
TAG = {number: tag for number, tag, _, _ in TESTS}
DEVICE = sorted((ROOT / "tests" / "submissions" / "device").glob("*.py"))


def results(device="cuda", failed=(), outputs=None):
    """A results.json dict: every test passed but those in failed; the device tests ran on
    device; outputs: {number: text}. 5.2, passed, says where it trained, as the grader does."""
    outputs = {"5.2": f"Trained on {'cuda' if device == 'cuda' else 'cpu'} for 40 steps", **(outputs or {})}
    tests = []
    for number, tag, points, on_gpu in TESTS:
        ok = number not in failed
        t = {"name": f"test {number}", "score": float(points if ok else 0), "max_score": float(points),
             "status": "passed" if ok else "failed", "output": outputs.get(number, "" if ok else "wrong"),
             "output_format": "md", "visibility": "visible", "number": number, "tags": [tag]}
        if on_gpu:
            t["extra_data"] = {"device": device}
        tests.append(t)
    return {"score": sum(t["score"] for t in tests), "output": "Random seed for this run: 1",
            "extra_data": {"seed": 1, "language": "en"}, "tests": tests}


def hinted(hint, numbers):
    """The outputs of failed device tests that carry hint_<hint>, as the grader words them
    (5.2's for the function of the device test that failed beside it)."""
    tag = next(TAG[n] for n in numbers if n != "5.2")
    fn = {"loss": "bce_loss"}.get(tag, tag)
    return {n: "wrong\n" + MESSAGES["hint"]["en"].format(text=MESSAGES[f"hint_{hint}"]["en"].format(fn=fn))
            for n in numbers}


def run(tmp_path, grades, root=ROOT):
    for name, data in grades.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(data))
    return gpu_report.report(tmp_path, {name: "1234" for name in grades}, root)


def test_the_tests_add_up_to_100():
    assert sum(points for _, _, points, _ in TESTS) == 100
    assert tuple(n for n, _, _, on_gpu in TESTS if on_gpu) == gpu_report.DEVICE_TESTS


def test_the_reference_with_its_device_tests_on_cuda_is_no_problem(tmp_path):
    lines, problems = run(tmp_path, {"reference": results()})
    assert problems == []
    assert "reference: 100/100 in 1.2 s" in lines
    row = {line.split()[0]: line for line in lines if line.startswith("  ")}
    assert "2/2" in row["1.4"] and "cuda" in row["1.4"]
    assert "10/10" in row["5.1"] and "cpu" in row["5.1"]
    assert "5/5" in row["5.2"] and "cuda" in row["5.2"]


def test_the_virtual_gpu_is_a_problem(tmp_path):
    _, problems = run(tmp_path, {"reference": results(device="virtual")})
    assert problems == ["reference: no test ran on cuda: the device tests ran on the virtual GPU, "
                        "so torch could not use the GPU",
                        "reference: tests ran on virtual, not cuda: 1.4, 2.6, 3.8, 4.3, 5.2",
                        "reference: 5.2 does not say it trained on cuda"]


def test_one_device_test_elsewhere_is_a_problem(tmp_path):
    data = results()
    data["tests"][10]["extra_data"]["device"] = "cpu"   # 2.6
    _, problems = run(tmp_path, {"reference": data})
    assert problems == ["reference: tests ran on cpu, not cuda: 2.6"]


def test_a_device_on_another_test_or_none_on_a_device_test_is_a_problem(tmp_path):
    data = results()
    data["tests"][1]["extra_data"] = {"device": "cuda"}   # 1.1 must run on the CPU
    del data["tests"][21]["extra_data"]                   # 4.3 without its device
    _, problems = run(tmp_path, {"reference": data})
    assert problems == ["reference: device tests missing or without a device: 4.3",
                        "reference: tests other than the device tests recorded a device "
                        "(they must run on the CPU): 1.1"]


def test_a_grader_failure_is_a_problem_with_its_cause(tmp_path):
    cause = "The autograder could not start its worker (running as user 'mlpworker0'): no torch"
    failure = {"score": 0.0, "output": MESSAGES["grader_failed"]["en"], "output_format": "md",
               "visibility": "visible", "stdout_visibility": "hidden",
               "extra_data": {"seed": 1, "language": "en", "grader_error": cause}, "tests": []}
    lines, problems = run(tmp_path, {"reference": failure})
    assert len(problems) == 1 and problems[0].startswith("reference: the grader itself failed")
    assert cause in problems[0]
    assert f"  {cause}" in lines


def test_the_reference_below_100_is_a_problem(tmp_path):
    _, problems = run(tmp_path, {"reference": results(failed={"3.2"})})
    assert problems == ["reference: the reference scores 92, not 100 (failed: ['3.2'])"]


@pytest.mark.parametrize("path", DEVICE, ids=lambda p: p.stem)
def test_a_device_submission_must_fail_its_tests_with_its_hint(tmp_path, path):
    name = path.stem
    fails, hint = gpu_report.device_header(ROOT, name)
    on_gpu = sorted(fails & set(gpu_report.DEVICE_TESTS))
    outputs = hinted(hint, on_gpu) if hint else {}
    assert run(tmp_path, {name: results(failed=fails, outputs=outputs)})[1] == []

    more = "2.2" if "2.2" not in fails else "2.3"
    _, problems = run(tmp_path, {name: results(failed=fails | {more}, outputs=outputs)})
    assert problems == [f"{name}: expected exactly {sorted(fails) or 'no test'} to fail, "
                        f"failed: {sorted(fails | {more})}"]
    if hint:
        _, problems = run(tmp_path, {name: results(failed=fails)})
        assert problems == [f"{name}: failed device tests without the hint {hint}: {', '.join(on_gpu)}"]


def test_a_device_submission_is_told_by_its_file(tmp_path):
    device = tmp_path / "root" / "tests" / "submissions" / "device"
    device.mkdir(parents=True)
    (device / "loss_on_cpu.py").write_text('"""A bug.\n\nbreaks: loss\nfails: 2.6\nhint: output_on_cpu\n"""\n')
    (device / "no_fails.py").write_text('"""A bug.\n\nbreaks: loss\nhint: none\n"""\n')
    root = tmp_path / "root"
    ok = results(failed={"2.6"}, outputs=hinted("output_on_cpu", ["2.6"]))
    assert MESSAGES["hint_output_on_cpu"]["en"].format(fn="bce_loss") in ok["tests"][10]["output"]
    assert run(tmp_path, {"loss_on_cpu": ok}, root)[1] == []
    assert run(tmp_path, {"no_fails": ok}, root)[1] == [
        "no_fails: tests/submissions/device/no_fails.py has no `fails:` line to check against"]


def test_a_buggy_submission_may_lose_points_only_where_its_header_says(tmp_path):
    buggy = tmp_path / "root" / "tests" / "submissions" / "buggy"
    buggy.mkdir(parents=True)
    (buggy / "grad_bug.py").write_text('"""A bug.\n\nbreaks: backward, training\nhint: x\n"""\n')
    root = tmp_path / "root"
    backward = {"3.2", "3.3", "3.4", "3.5", "3.6", "5.1", "5.2"}
    assert run(tmp_path, {"grad_bug": results(failed=backward)}, root)[1] == []
    assert run(tmp_path, {"grad_bug": results(failed=backward | {"1.2"})}, root)[1] == [
        "grad_bug: tests outside ['backward', 'training'] lost points: 1.2"]
    assert run(tmp_path, {"grad_bug": results()}, root)[1] == ["grad_bug: the bug was not caught: every test passed"]
    assert run(tmp_path, {"no_such_bug": results(failed={"1.2"})}, root)[1] == [
        "no_such_bug: tests/submissions/buggy/no_such_bug.py has no `breaks:` line to check against"]


def test_the_real_headers_of_the_buggy_submissions_gpu_check_grades():
    assert gpu_report.breaks(ROOT, "grad_no_divide_by_m") == {"backward", "training"}
    assert gpu_report.breaks(ROOT, "forward_casts_to_float") == {"forward"}


def test_the_real_headers_of_every_device_submission():
    """gpu_check.sh grades the whole folder, and every file there has a header the report
    can check against: tests that exist, and a hint the grader has, on a device test."""
    script = (ROOT / "bench" / "gpu_check.sh").read_text()
    assert re.search(r"^subs=\(.*tests/submissions/device/\*\.py", script, re.M | re.S)
    numbers = {n for n, _, _, _ in TESTS}
    headers = {path.stem: gpu_report.device_header(ROOT, path.stem) for path in DEVICE}
    for name, (fails, hint) in headers.items():
        assert fails is not None and fails <= numbers, name
        assert hint is None or (f"hint_{hint}" in MESSAGES and fails & set(gpu_report.DEVICE_TESTS)), name
    known = {"numpy_inside_forward": ({"1.4", "5.2"}, "numpy_on_device"),
             "tensor_without_device": ({"3.8", "5.2"}, "tensor_without_device"),
             "sgd_returns_cpu": ({"4.3", "5.2"}, "output_on_cpu"),
             "item_check_in_loss": (set(), None),
             "cuda_hard_coded": ({"1.1", "1.2", "1.3", "1.4", "5.1", "5.2"}, None)}
    assert {name: headers.get(name) for name in known} == known


def test_main_prints_the_problems_and_exits_1(tmp_path, capsys):
    (tmp_path / "reference.json").write_text(json.dumps(results()))
    assert gpu_report.main([str(tmp_path), "reference=2500"]) == 0
    assert "reference: 100/100 in 2.5 s" in capsys.readouterr().out
    assert gpu_report.main([str(tmp_path), "reference=2500", "missing=10"]) == 1
    out = capsys.readouterr().out
    assert "FAIL: missing: " in out and "missing.log" in out
    assert gpu_report.main([str(tmp_path), "reference"]) == 2
