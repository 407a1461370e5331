"""A batch that nothing stalls or loses: a grading job killed mid-batch costs nothing (its
submission is graded again on a fresh job), one that dies twice on the same submission
costs that submission alone (a grader error, never a zero), a bug of the grader on one
submission is contained to it, SIGTERM does what Ctrl-C does, and no file the command
writes is ever seen half-written."""
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SUBMISSIONS, reference

from autograder import config as settings
from autograder.assignment import current
from autograder.classroom import batch
from autograder.grading import grade as grade_module
from autograder.grading import results as results_module

ENV = {"PATH": "/usr/bin:/bin", "AUTOGRADER_LANGUAGE": "en"}
MIX = [reference(), SUBMISSIONS / "buggy" / "grad_no_divide_by_m.py",
       SUBMISSIONS / "buggy" / "loss_sum_not_mean.py", SUBMISSIONS / "hostile" / "crash_segfault.py"]
# The class: the mix twice. A run stopped once 3 are graded (2 jobs, each finishing the one
# it grades) leaves several ungraded.
SIZE = 8


def make_class(folder, size):
    folder.mkdir()
    for i in range(size):
        shutil.copy(MIX[i % len(MIX)], folder / f"s{i:02d}_{MIX[i % len(MIX)].stem}.py")
    return folder


def start(source, out, *extra):
    return subprocess.Popen([sys.executable, "-m", "autograder", "grade-all", str(source), "--out", str(out),
                             "--jobs", "2", "--seed", "3", *extra], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV)


def grades(out):
    raw = (Path(out) / "grades.csv").read_bytes().decode("utf-8-sig")
    return {r["submission"]: {k: v for k, v in r.items()} for r in csv.DictReader(raw.splitlines())}


def children(pid):
    """The grading jobs of a grade-all process: its children other than the zygote."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"zygote.py" not in cmdline:
                found.append(int(entry))
    return found


def left_running(out):
    """Processes still running whose command line names out (the command's jobs)."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            if str(out).encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                found.append(int(entry))
        except OSError:
            pass
    return found


def wait_for_results(out, count, proc, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((Path(out) / "results").glob("*.json"))) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} results after {timeout} s")


@pytest.fixture(scope="module")
def undisturbed(tmp_path_factory):
    """The class graded once without trouble: the grades every other run must give."""
    root = tmp_path_factory.mktemp("undisturbed")
    source = make_class(root / "class", SIZE)
    proc = start(source, root / "out")
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    return source, grades(root / "out")


def test_a_job_killed_mid_batch_loses_nothing(undisturbed, tmp_path):
    """kill -9 of a grading job while it grades: the run still ends, every submission is
    graded, with the grades of the undisturbed run, and the command says what happened."""
    source, expected = undisturbed
    out = tmp_path / "out"
    proc = start(source, out)
    wait_for_results(out, 2, proc)
    jobs = children(proc.pid)
    assert len(jobs) == 2, jobs
    os.kill(jobs[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    # (a job is idle only between two submissions, for a fraction of a millisecond)
    assert "died (killed by SIGKILL); grading it once more on a fresh job" in err or "while idle" in err, err
    assert grades(out) == expected
    for path in (out / "results").iterdir():   # nothing half-written, no temporary file left
        assert path.suffix == ".json" and json.loads(path.read_text())["score"] is not None, path


def test_sigterm_writes_the_report_and_a_rerun_completes(undisturbed, tmp_path):
    """SIGTERM to the command alone (as `timeout`, Kubernetes or Slurm send it): no grade
    cut short, the report covers what was graded, exit status 143; a rerun grades the
    rest and ends with the undisturbed grades."""
    source, expected = undisturbed
    out = tmp_path / "out"
    proc = start(source, out)
    wait_for_results(out, 3, proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143 and "interrupted (SIGTERM)" in err and "Traceback" not in err, err
    done = sorted(p.stem for p in (out / "results").glob("*.json"))
    assert 3 <= len(done) < SIZE
    for name in done:   # every result written is a whole grade, the undisturbed one
        assert json.loads((out / "results" / f"{name}.json").read_text())["score"] == float(expected[name]["score"])
    got = grades(out)
    assert {n for n, r in got.items() if r["status"] == "graded"} == set(done)
    assert all(got[n]["status"] == "not graded yet" for n in got if n not in done)
    deadline = time.monotonic() + 10
    while left_running(out) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left_running(out), "a job outlived the command"
    rest = start(source, out)
    _, err = rest.communicate(timeout=600)
    assert rest.returncode == 0, err
    assert f"{SIZE - len(done)} to grade, {len(done)} unchanged" in err, err
    assert grades(out) == expected


def test_the_command_killed_takes_its_jobs_along(undisturbed, tmp_path):
    """kill -9 of grade-all itself (nothing can be written then): its jobs end with it
    instead of grading on unseen, the lock is free, and a rerun grades the rest."""
    source, expected = undisturbed
    out = tmp_path / "out"
    proc = start(source, out)
    wait_for_results(out, 2, proc)
    proc.kill()
    proc.communicate(timeout=60)
    deadline = time.monotonic() + 10
    while left_running(out) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left_running(out), "a job outlived the command"
    rest = start(source, out)
    _, err = rest.communicate(timeout=600)
    assert rest.returncode == 0, err
    assert grades(out) == expected
    assert not list((out / ".partial").rglob("*"))


def fake_grade_one(marks):
    """A stand-in for grade.grade_one, run in the jobs (forked from this process): it
    kills its own job for "doomed" (every time) and "once" (the first time), and fails
    with a bug for "buggy"."""
    def grade_one(request, session=None):
        name, seed, out, extra = request.extra["submission"], request.seed, request.out, request.extra
        first = not (marks / name).exists()
        (marks / name).touch()
        if name == "doomed" or (name == "once" and first):
            os.kill(os.getpid(), signal.SIGKILL)
        if name == "buggy":
            raise RuntimeError("a bug of the grader")
        data = {"score": 100.0, "tests": [], "extra_data": {"seed": seed, **extra}}
        results_module.write_json(out, data)
        return data
    return grade_one


def test_a_death_costs_its_submission_alone(tmp_path, monkeypatch, capfd):
    """A job that dies on the same submission twice: that submission gets a grader error
    (never a score), its neighbours are graded; a job that dies once costs nothing; an
    exception of the grader is contained to its submission."""
    monkeypatch.setattr(grade_module, "grade_one", fake_grade_one(tmp_path))   # what grade_safely calls
    names = ["a", "doomed", "b", "once", "buggy", "c", "d"]
    (tmp_path / "results").mkdir()
    (tmp_path / "partial").mkdir()
    tasks = [batch.Task(n, "unused", 7, str(tmp_path / "results" / f"{n}.json"), str(tmp_path / "partial" / f"{n}.json"),
                        {"fingerprint": "f", "submission": n}) for n in names]
    monkeypatch.setenv("AUTOGRADER_LANGUAGE", "en")   # what grade-all does first (grade.begin): its language
    monkeypatch.setattr(results_module.messages, "_language", "en")
    said = batch._grade_tasks(tasks, 2, settings.load(), current().reference)
    assert sorted(said["retried"]) == ["doomed", "once"] and said["failed"] == ["doomed"], said
    got = {n: json.loads((tmp_path / "results" / f"{n}.json").read_text()) for n in names}
    for n in ("a", "b", "once", "c", "d"):
        assert got[n]["score"] == 100 and not got[n]["extra_data"].get("grader_error"), got[n]
    assert "died twice" in got["doomed"]["extra_data"]["grader_error"]
    assert "a bug of the grader" in got["buggy"]["extra_data"]["grader_error"]
    for n in ("doomed", "buggy"):   # nothing scored, the student told it is not their fault
        assert got[n]["tests"] == [] and got[n]["extra_data"]["fingerprint"] == "f"
        assert got[n]["output"] in results_module.messages.MESSAGES["grader_failed"].values(), got[n]["output"]
    assert not list((tmp_path / "partial").iterdir())
    err = capfd.readouterr().err
    assert "the job grading doomed died again (killed by SIGKILL): recorded as a grader error" in err, err


WRITER = """
import sys
from autograder.classroom.report import replace_file
path, size = sys.argv[1], int(sys.argv[2])
print("ready", flush=True)
i = 0
while True:
    replace_file(path, (b"AB"[i % 2:i % 2 + 1]) * size)
    i += 1
"""


def test_a_kill_during_a_write_never_leaves_a_partial_file(tmp_path):
    """A process rewriting an 8 MB file without end, killed at twenty moments: the file
    is always whole (all of one version), never cut short."""
    target = tmp_path / "grades.csv"
    size = 8 << 20
    for i in range(20):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target), str(size)], cwd=ROOT,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline() == "ready\n"
        time.sleep(0.05 + 0.013 * i)
        proc.kill()
        proc.wait()
        if target.exists():
            data = target.read_bytes()
            assert len(data) == size and data.count(data[:1]) == size, f"kill {i}: {len(data)} bytes"
    assert target.exists()


# Words the supervisor and its jobs once told their messages apart by: a submission's name
# is the student's, and may be any of them.
PROTOCOL_WORDS = ("account", "ready", "done", "error", "stop", "result")


def test_a_submission_named_like_a_message_is_graded_like_any_other(tmp_path):
    """A plain folder of student folders, named with the protocol's words, grades to the end:
    no answer is taken for a message because of the name it carries."""
    source = tmp_path / "class"
    for i, name in enumerate(PROTOCOL_WORDS):
        (source / name).mkdir(parents=True)
        shutil.copy(MIX[i % 2], source / name / "mlp.py")
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(source), "--out", str(tmp_path / "out"),
                           "--jobs", "2", "--seed", "3"], cwd=ROOT, capture_output=True, text=True, env=ENV,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = grades(tmp_path / "out")
    assert set(found) == set(PROTOCOL_WORDS), found
    for i, name in enumerate(PROTOCOL_WORDS):   # the reference, then a bug, in turn
        score = json.loads((tmp_path / "out" / "results" / f"{name}.json").read_text())["score"]
        assert (score == 100) == (i % 2 == 0), (name, score)
        assert found[name]["status"] == "graded", found[name]
