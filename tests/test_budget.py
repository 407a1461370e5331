"""A results.json always in time: a grade has one budget (limits.total_seconds, start-up
included). When it runs out, the tests not yet run score 0 and say so, results.json is
written, and the grade exits 0; past it, a watchdog writes results.json whatever happens."""
import json
import math
import os
import re
import subprocess
import sys
import time

import pytest
from conftest import ROOT, grade, lost, reference, start_up_seconds

from autograder.grading.grade import FINISH_SECONDS

pytestmark = pytest.mark.alone   # time budgets, measured and spent with no other test beside them


def budget():
    """The grade's budget in these tests, in whole seconds: 25 s, or more on a machine where
    the grader's start-up takes over 3 s. The start-up counts in the budget (up to twice
    start_up_seconds, with the worker's own beside it), then test 1.1 (a few calls of 1 s)
    must fit before its last FINISH_SECONDS; the tests after 5.1 (over 160 calls) never do."""
    return max(25, FINISH_SECONDS + math.ceil(5 * start_up_seconds()))


def slow_reference(folder, seconds):
    """The reference, sleeping `seconds` at the start of each of its four functions: right
    in every answer, slow in every call, and never over the 10 s limit of one call."""
    text = (reference()).read_text()
    first_line = r"^(def (?:forward|bce_loss|backward|sgd_step)\(.*\):\n(?:    \"\"\"[\s\S]*?\"\"\"\n)?)"
    text = re.sub(first_line, rf"\1    time.sleep({seconds})\n", text, flags=re.M)
    path = folder / "mlp.py"
    path.write_text("import time\n" + text)
    assert text.count("time.sleep") == 4
    return path


def test_a_slow_submission_still_gets_its_results_in_time(tmp_path):
    BUDGET = budget()
    settings = tmp_path / "config.toml"
    settings.write_text(f"[limits]\ntotal_seconds = {BUDGET}\n")
    submission = slow_reference(tmp_path, 1.0)
    start = time.monotonic()
    data, _ = grade(submission, tmp_path, env={"AUTOGRADER_CONFIG": str(settings)})   # asserts exit 0
    took = time.monotonic() - start
    assert took < BUDGET, f"{took:.1f} s for a budget of {BUDGET} s"
    tests = {t["number"]: t for t in data["tests"]}
    assert 0 < data["score"] < 100, lost(data)
    assert tests["1.1"]["score"] == tests["1.1"]["max_score"], lost(data)   # what ran was graded as usual
    said = f"not run: the grading time ran out ({BUDGET} s for the whole grade) before this test"
    assert said in tests["5.1"]["output"] and tests["5.1"]["score"] == 0, tests["5.1"]
    not_run = [n for n, t in tests.items() if said in t["output"]]
    summary = data["output"].split("\n\n")[0]
    assert summary.startswith(f"The grading time ran out ({BUDGET} s for the whole grade)"), data["output"]
    assert all(f"{n} " in summary for n in not_run), summary
    assert "out_of_time" in tests["5.1"]["extra_data"]["events"]


def test_the_watchdog_answers_when_the_grader_itself_hangs(tmp_path):
    out = tmp_path / "results.json"
    code = ("import time\nfrom autograder import config\nfrom autograder.grading import grade\n"
            "conf = config.load()\nprint(time.monotonic(), flush=True)\n"
            f"grade._watchdog(grade.GradeRequest.make('unused', {str(out)!r}, conf, 7), time.monotonic() + 1)\n"
            "time.sleep(60)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=55,
                          env={**os.environ, "AUTOGRADER_LANGUAGE": "en"})
    # from the watchdog's start (the clock is the machine's, the same in both processes),
    # not the interpreter's: a slow start-up is not what is measured
    assert time.monotonic() - float(proc.stdout.split()[0]) < 10, proc.stdout + proc.stderr
    assert proc.returncode == 2, proc.stderr
    data = json.loads(out.read_text())
    assert data["tests"] == [] and "did not finish within limits.total_seconds" in data["extra_data"]["grader_error"]
    assert data["extra_data"]["seed"] == 7
