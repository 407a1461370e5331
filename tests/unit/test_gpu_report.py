"""bench/gpu_report.py, the checks bench/gpu_check.sh makes of its grades on a CUDA machine,
tried on a CPU with results.json files made here (no grading run): a GPU run that went
right passes, and a CPU fallback, a grader failure or a wrong verdict is reported."""
import importlib.util
import json
from pathlib import Path

from autograder.common.messages import MESSAGES

ROOT = Path(__file__).resolve().parents[2]   # tests/unit/ -> the checkout
spec = importlib.util.spec_from_file_location("gpu_report", ROOT / "bench" / "gpu_report.py")
gpu_report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gpu_report)

# The grading tests as results.json lists them: number, tags, points, and whether the test
# takes the `device` fixture (then its extra_data.device says where it ran).
TESTS = [("0.1", "submission", 0, False), ("1.1", "forward", 5, True), ("1.2", "forward", 10, False),
         ("1.3", "forward", 5, False), ("2.1", "loss", 4, True), ("2.2", "loss", 5, False),
         ("2.3", "loss", 5, False), ("2.4", "loss", 3, False), ("2.5", "loss", 3, False),
         ("3.1", "backward", 5, True), ("3.2", "backward", 8, False), ("3.3", "backward", 8, False),
         ("3.4", "backward", 4, False), ("3.5", "backward", 4, False), ("3.6", "backward", 6, False),
         ("4.1", "sgd_step", 3, True), ("4.2", "sgd_step", 7, False), ("5.1", "training", 15, True)]
TRAINED = MESSAGES["training_summary"]["en"].format(device="{device}", steps=40, w=3, lr=1, first=0.9377,
                                                    last=0.0804, curve="█▆▄▃▂▁")
NUMPY_HINT = MESSAGES["hint"]["en"].format(text=MESSAGES["hint_numpy_on_device"]["en"].format(fn="forward"))


def results(device="cuda", failed=(), outputs=None):
    """A results.json dict: every test passed but those in failed; tests that take the
    device fixture ran on device; outputs: {number: text}."""
    outputs = {"5.1": TRAINED.format(device=device), **(outputs or {})}
    tests = []
    for number, tag, points, takes_device in TESTS:
        ok = number not in failed
        t = {"name": f"test {number}", "score": float(points if ok else 0), "max_score": float(points),
             "status": "passed" if ok else "failed", "output": outputs.get(number, "" if ok else "wrong"),
             "output_format": "md", "visibility": "visible", "number": number, "tags": [tag]}
        if takes_device:
            t["extra_data"] = {"device": device}
        tests.append(t)
    return {"score": sum(t["score"] for t in tests), "output": "Random seed for this run: 1",
            "extra_data": {"seed": 1, "language": "en"}, "tests": tests}


def run(tmp_path, grades, root=ROOT):
    for name, data in grades.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(data))
    return gpu_report.report(tmp_path, {name: "1234" for name in grades}, root)


def test_all_on_cuda_and_the_reference_at_100_is_no_problem(tmp_path):
    lines, problems = run(tmp_path, {"reference": results()})
    assert problems == []
    assert "reference: 100/100 in 1.2 s" in lines
    assert any(line.split()[0] == "5.1" and "15/15" in line and "cuda" in line for line in lines if line.strip())


def test_a_cpu_fallback_is_a_problem(tmp_path):
    _, problems = run(tmp_path, {"reference": results(device="cpu")})
    assert "reference: no test ran on cuda: the grader fell back to the CPU" in problems
    assert any("ran on cpu, not cuda: 1.1, 2.1, 3.1, 4.1, 5.1" in p for p in problems)
    assert "reference: test 5.1 did not train on cuda" in problems


def test_one_test_of_the_device_fixture_elsewhere_is_a_problem(tmp_path):
    data = results()
    data["tests"][4]["extra_data"]["device"] = "cpu"   # 2.1
    _, problems = run(tmp_path, {"reference": data})
    assert problems == ["reference: tests that take the device fixture ran on cpu, not cuda: 2.1"]


def test_a_grader_failure_is_a_problem_with_its_cause(tmp_path):
    cause = "The autograder could not start its worker (running as user 'mlpworker0'): no torch"
    failure = {"score": 0.0, "output": MESSAGES["grader_failed"]["en"], "output_format": "md",
               "visibility": "visible", "stdout_visibility": "hidden",
               "extra_data": {"seed": 1, "language": "en", "grader_error": cause}, "tests": []}
    lines, problems = run(tmp_path, {"reference": failure})
    assert len(problems) == 1 and problems[0].startswith("reference: the grader itself failed")
    assert cause in problems[0]
    assert f"  {cause}" in lines


def test_numpy_inside_forward_must_fail_exactly_1_1_and_5_1_with_the_hint(tmp_path):
    hinted = {"1.1": NUMPY_HINT, "5.1": NUMPY_HINT}
    _, problems = run(tmp_path, {"numpy_inside_forward": results(failed={"1.1", "5.1"}, outputs=hinted)})
    assert problems == []

    _, problems = run(tmp_path, {"numpy_inside_forward": results(failed={"1.1", "1.2"}, outputs=hinted)})
    assert ("numpy_inside_forward: expected exactly tests 1.1 and 5.1 to fail on cuda, "
            "failed: ['1.1', '1.2']") in problems

    _, problems = run(tmp_path, {"numpy_inside_forward": results(failed={"1.1", "5.1"})})
    assert problems == ["numpy_inside_forward: failed tests without the NumPy hint: 1.1, 5.1"]


def test_a_buggy_submission_may_lose_points_only_where_its_header_says(tmp_path):
    buggy = tmp_path / "root" / "tests" / "submissions" / "buggy"
    buggy.mkdir(parents=True)
    (buggy / "grad_bug.py").write_text('"""A bug.\n\nbreaks: backward, training\nhint: x\n"""\n')
    root = tmp_path / "root"
    backward = {"3.2", "3.3", "3.4", "3.5", "3.6", "5.1"}
    assert run(tmp_path, {"grad_bug": results(failed=backward)}, root)[1] == []
    assert run(tmp_path, {"grad_bug": results(failed=backward | {"1.2"})}, root)[1] == [
        "grad_bug: tests outside ['backward', 'training'] lost points: 1.2"]
    assert run(tmp_path, {"grad_bug": results()}, root)[1] == ["grad_bug: the bug was not caught: every test passed"]
    assert run(tmp_path, {"no_such_bug": results(failed={"1.2"})}, root)[1] == [
        "no_such_bug: tests/submissions/buggy/no_such_bug.py has no `breaks:` line to check against"]


def test_the_real_headers_of_the_submissions_gpu_check_grades(tmp_path):
    """The two buggy submissions gpu_check.sh grades have the header the report reads."""
    assert gpu_report.breaks(ROOT, "grad_no_divide_by_m") == {"backward", "training"}
    assert gpu_report.breaks(ROOT, "forward_casts_to_float") == {"forward"}


def test_main_prints_the_problems_and_exits_1(tmp_path, capsys):
    (tmp_path / "reference.json").write_text(json.dumps(results()))
    assert gpu_report.main([str(tmp_path), "reference=2500"]) == 0
    assert "reference: 100/100 in 2.5 s" in capsys.readouterr().out
    assert gpu_report.main([str(tmp_path), "reference=2500", "missing=10"]) == 1
    out = capsys.readouterr().out
    assert "FAIL: missing: " in out and "missing.log" in out
    assert gpu_report.main([str(tmp_path), "reference"]) == 2
