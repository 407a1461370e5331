"""Helpers for the project's own tests: grade a submission the way an instructor would
(`python -m autograder grade`, in a subprocess) and read what a student would see."""
import contextlib
import fcntl
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import jsonschema
import pytest

from autograder import assignment

ROOT = Path(__file__).resolve().parent.parent
# These tests grade Task 1 (its texts are among the messages they read) but where a test
# names another assignment; tests/submissions/ is Task 1's collection of test submissions
# and the sandbox's hostile ones. Other assignments keep theirs in their own folder.
TASK1 = assignment.use("task1")
TASK1.use_texts()   # what a grade does when it begins: the messages these tests read are Task 1's
REFERENCE = assignment.REFERENCE   # every hidden solution, closed to the worker accounts


def reference(name="task1"):
    """The hidden solution of an assignment (reference/NAME/FILE): the one place the tests
    and benches name it, through the engine (autograder/assignment.py)."""
    return assignment.load(name).reference


def starter(name="task1"):
    """The file a student completes, as handed out (starter/NAME/FILE)."""
    return assignment.load(name).starter_file


SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
SCHEMA = json.loads((ROOT / "autograder" / "grading" / "results.schema.json").read_text())
IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="the sandbox drops privileges only when run as root")
# Every grade in these tests uses this seed unless a test names another, so a failure
# replays exactly with: python -m autograder grade PATH --seed 1
SEED = 1


def header(path):
    """The `breaks:` and `hint:` lines of a test submission's docstring."""
    text = Path(path).read_text()
    breaks = re.search(r"^breaks: (.+)$", text, re.M).group(1).split(", ")
    hint = re.search(r"^hint: (.+)$", text, re.M).group(1)
    return set(breaks), hint


def grade(path, tmp_path, seed=SEED, env=None, timeout=1200, language="en"):
    """Grade path with a fixed seed; returns (results dict, completed process). Messages
    are asserted in English unless language says otherwise. Every results.json read here
    is validated against the schema."""
    out = tmp_path / "results.json"
    cmd = [sys.executable, "-m", "autograder", "grade", str(path), "--out", str(out), "--seed", str(seed)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "AUTOGRADER_LANGUAGE": language, **(env or {})})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    jsonschema.validate(data, SCHEMA)
    return data, proc


@functools.cache
def start_up_seconds():
    """How long this machine, now, takes to start the grader's trusted side (Python,
    torch, pytest and the grading flow): a calibration, for a test whose time limit must
    hold the grader's start-up on a slower or busier machine too. Measured once."""
    start = time.monotonic()
    subprocess.run([sys.executable, "-c", "import torch, pytest, autograder.grading.grade"], cwd=ROOT,
                   check=True, timeout=600)
    return time.monotonic() - start


def selfcheck_runs(runs, folder, timeout=300):
    """Run the self-check as a student does (`python selfcheck.py --lang LANG --mlp PATH` in
    folder), once per (LANG, PATH) of runs, one per core at once (tests/selfcheck_many.py:
    each forked from one process that has imported torch). Returns [(status, stdout,
    stderr)], in order; a run that takes over `timeout` seconds is killed (status -9)."""
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "selfcheck_many.py"), str(folder),
                           str(os.cpu_count() or 2), str(timeout)], cwd=folder, capture_output=True, text=True,
                          input=json.dumps([[lang, str(path)] for lang, path in runs]), timeout=1800)
    assert proc.returncode == 0, proc.stderr[-5000:]
    return [(r["status"], r["stdout"], r["stderr"]) for r in json.loads(proc.stdout)]


def by_tag(data):
    """{tag: (score, max)} summed over the tests carrying that tag."""
    sums = {}
    for t in data["tests"]:
        for tag in t.get("tags", []):
            s, m = sums.get(tag, (0.0, 0.0))
            sums[tag] = (s + t["score"], m + t["max_score"])
    return sums


def outputs(data):
    return "\n".join(t.get("output", "") for t in data["tests"])


def lost(data, limit=600):
    """What a student would read for each test that lost points: for assertion messages,
    so that a red run says why."""
    parts = [f'--- {t.get("number", "")} {t["name"]}: {t["score"]:g}/{t["max_score"]:g}\n'
             f'{t.get("output", "")[:limit]}' for t in data["tests"] if t["score"] < t["max_score"]]
    return f'score {data["score"]:g} (seed {data.get("extra_data", {}).get("seed")})\n' + "\n".join(parts)


def grade_all(folder, out, jobs=2, seed=SEED, language="en", timeout=1500, env=None):
    """Run `python -m autograder grade-all`; returns ({name: results dict}, process)."""
    cmd = [sys.executable, "-m", "autograder", "grade-all", str(folder), "--out", str(out),
           "--jobs", str(jobs), "--seed", str(seed)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "AUTOGRADER_LANGUAGE": language, **(env or {})})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = {}
    for path in sorted((Path(out) / "results").glob("*.json")):
        data = json.loads(path.read_text())
        jsonschema.validate(data, SCHEMA)
        results[path.stem] = data
    return results, proc


def batch_name(path):
    """A submission's name in the project's batch: its folder and file (buggy__loss_no_clamp);
    reference__mlp and starter__mlp for Task 1's reference and starter."""
    path = Path(path)
    top = path.parent.parent
    kind = top.name if top in (assignment.REFERENCE, assignment.STARTER) else path.parent.name
    return f"{kind}__{path.stem}"


ALL_SUBMISSIONS = sorted(SUBMISSIONS.rglob("*.py")) + [reference(), starter()]
# The hostile submissions whose grade waits out the limit of one call (config.toml's
# call_seconds, 10 s), several times each: a busy loop, endless output, a pipe left unread.
# The class batch grades them in a batch of their own, beside correct neighbours, with the
# smaller call limit below: their calls are cut short the same way, only sooner. Every
# call their tests make besides (the other functions', on small inputs) takes milliseconds;
# 3 s leaves room for a machine 4 times slower, loaded.
WAIT_OUT = ("infinite_loop", "print_flood", "slow_request_reader")
CALL_SECONDS = 3
NEIGHBOURS = [reference(), SUBMISSIONS / "correct" / "correct_mm_transpose.py",
              SUBMISSIONS / "correct" / "correct_einsum_where.py"]


def short_calls(folder):
    """env for `grade` or `grade-all`: config.toml with the call limit CALL_SECONDS."""
    path = Path(folder) / "short_calls.toml"
    path.write_text(f"[limits]\ncall_seconds = {CALL_SECONDS}\n")
    return {"AUTOGRADER_CONFIG": str(path)}


def shared_folder(tmp_path_factory):
    """A folder every process of this test run shares: under pytest-xdist (`make test`),
    the parent of each worker's own base folder; else the base folder."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def batch_results(language, paths, folder):
    """The class batch of paths in language, graded once per test run: by whichever
    process of the run asks first (holding a lock), into class_LANGUAGE.json in folder
    (shared_folder), which the others then read. {"results": {name: results dict},
    "neighbours": {neighbour__<batch name>: results dict}}."""
    shared = Path(folder) / f"class_{language}.json"
    with open(shared.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not shared.exists():
            work = Path(tempfile.mkdtemp(prefix=f"class_{language}_", dir=folder))
            main, slow, settings = (work / name for name in ("class", "wait_out", "settings"))
            for d in (main, slow, settings):
                d.mkdir()
            for p in paths:
                if p.stem != "read_reference":   # needs its path filled in (test_hostile)
                    shutil.copy(p, (slow if p.stem in WAIT_OUT else main) / f"{batch_name(p)}.py")
            results = grade_all(main, work / "out", language=language)[0]
            neighbours = {}
            if any(slow.iterdir()):
                for p in NEIGHBOURS:
                    shutil.copy(p, slow / f"neighbour__{batch_name(p)}.py")
                more, _ = grade_all(slow, work / "out_wait", language=language, env=short_calls(settings))
                neighbours = {k: v for k, v in more.items() if k.startswith("neighbour__")}
                results.update({k: v for k, v in more.items() if not k.startswith("neighbour__")})
            shared.write_text(json.dumps({"results": results, "neighbours": neighbours}))
        return json.loads(shared.read_text())


def batch_grader(tmp_path_factory, language, paths):
    """graded(path) -> results dict. The paths are graded together the first time, by one
    `grade-all` run (2 jobs): the way an instructor grades a class, and ten times faster
    than one by one (the WAIT_OUT ones by a second, with NEIGHBOURS: graded.neighbours).
    Any other path is graded alone. Once per test run (batch_results), under pytest-xdist
    too, where pytest_collection_finish has started it already."""
    cache = {}

    def run(path):
        if not cache:
            cache[None] = "the class batch failed (see the first test that used it)"   # fail once, not per test
            kept = batch_results(language, paths, shared_folder(tmp_path_factory))
            cache.update(kept["results"])
            run.neighbours.update(kept["neighbours"])
            del cache[None]
        assert None not in cache, cache[None]
        name = batch_name(path)
        if name not in cache:
            cache[name] = grade(path, tmp_path_factory.mktemp("g"), language=language)[0]
        return cache[name]

    run.neighbours = {}   # {neighbour__<batch name>: results dict}, once the batch has run
    return run


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """Grade each submission once per session, in English: graded(path) -> results dict."""
    return batch_grader(tmp_path_factory, "en", ALL_SUBMISSIONS)


# What is read in Chinese: the hints of the buggy submissions, and a crash.
ZH_SUBMISSIONS = sorted((SUBMISSIONS / "buggy").glob("*.py")) + [SUBMISSIONS / "hostile" / "crash_segfault.py"]


@pytest.fixture(scope="session")
def graded_zh(tmp_path_factory):
    """The same, in Chinese, for ZH_SUBMISSIONS (any other path is graded alone)."""
    return batch_grader(tmp_path_factory, "zh", ZH_SUBMISSIONS)


def pytest_collection_finish(session):
    """Under pytest-xdist (`make test`), the class batches that the collected tests read are
    graded from the start, beside the tests, in a thread of the first process of the run to
    get here: they are much of the suite's work, and a process that needs one before it is
    done waits for it (batch_results)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    uses = {name for item in session.items for name in getattr(item, "fixturenames", ())}
    wanted = [(language, paths) for language, paths, fixture in (("en", ALL_SUBMISSIONS, "graded"),
                                                                 ("zh", ZH_SUBMISSIONS, "graded_zh")) if fixture in uses]
    folder = shared_folder(session.config._tmp_path_factory)
    starter = open(folder / "batches.lock", "w")   # held by the process that grades them, until it ends
    try:
        fcntl.flock(starter, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:   # another process of the run has started them
        starter.close()
        return

    def grade_them():
        for language, paths in wanted:
            with contextlib.suppress(Exception):   # a failure shows in the first test that reads the batch
                batch_results(language, paths, folder)

    threading.Thread(target=grade_them, name="class batches", daemon=True).start()
