"""results.json is always written (grade.grade_safely): a failure of the grader while a
grade starts withholds that grade (nothing scored, extra_data.grader_error, the cause on
stderr); it is never the student's. In-process, with the worker replaced: nothing starts."""
import json
import os

import pytest

from autograder import config as settings
from autograder.grading import grade
from autograder.sandbox import handle
from autograder.sandbox.errors import StudentCodeError


@pytest.fixture
def conf(monkeypatch):
    """The settings, in English: the grader's errors are written in the settings' language."""
    monkeypatch.setenv("AUTOGRADER_LANGUAGE", "en")
    return settings.load()


@pytest.fixture
def submission(tmp_path):
    path = tmp_path / "mlp.py"
    path.write_text("def forward(X, params):\n    return None\n")
    return path


def _withheld(out, capsys, said):
    data = json.loads(out.read_text())
    assert data["tests"] == [] and data["score"] == 0, data
    assert said in data["extra_data"]["grader_error"], data["extra_data"]["grader_error"]
    assert data["extra_data"]["seed"] == 3 and data["extra_data"]["submission"] == "alice"
    err = capsys.readouterr().err
    assert "autograder error:" in err and said in err, err
    return data


def test_an_oserror_preparing_the_workers_folder_is_the_graders(tmp_path, conf, submission, monkeypatch, capsys):
    def no_room(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(handle.tempfile, "mkdtemp", no_room)
    out = tmp_path / "out" / "results.json"
    data = grade.grade_safely(grade.GradeRequest.make(submission, out, conf, 3, extra={"submission": "alice"}, name="alice"))
    _withheld(out, capsys, "No space left on device")
    assert "the grader failed while grading alice" in data["extra_data"]["grader_error"]
    assert "Traceback" in data["extra_data"]["grader_error"]


def test_an_oserror_writing_mlp_py_leaves_no_folder_behind(tmp_path, conf, submission, monkeypatch, capsys):
    made = []
    real = handle.tempfile.mkdtemp

    def mkdtemp(*args, **kwargs):
        made.append(real(*args, dir=tmp_path, **kwargs))
        return made[-1]

    def unreadable(path):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(handle.tempfile, "mkdtemp", mkdtemp)
    monkeypatch.setattr(handle.nofollow, "read_bytes", unreadable)
    out = tmp_path / "results.json"
    grade.grade_safely(grade.GradeRequest.make(submission, out, conf, 3, extra={"submission": "alice"}, name="alice"))
    _withheld(out, capsys, "Input/output error")
    assert made and not os.path.exists(made[0])


def test_out_of_time_while_the_worker_starts_is_the_graders(tmp_path, conf, submission, monkeypatch, capsys):
    """The worker says it is ready before it imports mlp.py: nothing of the student's has
    run when the budget ends there, so the grade is withheld, not scored 0."""
    closed = []

    class LateWorker:
        def __init__(self, *args, **kwargs):
            pass

        def started(self):
            closed.append(True)   # Worker._receive closes the worker before it raises
            raise StudentCodeError("out of time", worker_lost=True, kind="out_of_time")

    monkeypatch.setattr(grade, "Worker", LateWorker)
    out = tmp_path / "results.json"
    grade.grade_safely(grade.GradeRequest.make(submission, out, conf, 3, extra={"submission": "alice"}, name="alice"))
    data = _withheld(out, capsys, "before the grade's time budget ran out")
    assert "nothing of the student's had run" in data["extra_data"]["grader_error"]
    assert closed


def test_the_cli_exits_2_when_the_grade_is_withheld(monkeypatch, tmp_path, capsys):
    from autograder import __main__ as cli

    monkeypatch.setattr(grade, "grade", lambda *a, **k: {"extra_data": {"grader_error": "x"}, "tests": [],
                                                          "score": 0})
    assert cli.main(["grade", str(tmp_path / "mlp.py"), "--out", str(tmp_path / "r.json")]) == cli.GRADER_FAILED


def test_a_grader_error_is_in_the_settings_language(tmp_path, submission, monkeypatch, capsys):
    monkeypatch.setenv("AUTOGRADER_LANGUAGE", "zh")
    monkeypatch.setattr(handle.tempfile, "mkdtemp", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "disk full")))
    out = tmp_path / "results.json"
    data = grade.grade_safely(grade.GradeRequest.make(submission, out, settings.load(), 3, name="alice"))
    assert data["extra_data"]["grader_error"].startswith("评分程序在评分 alice 时出错"), data["extra_data"]


def test_a_line_for_the_instructor_is_not_swallowed_by_capture(tmp_path):
    """pytest redirects descriptor 2 while a grading test runs: a line the grader writes for
    the instructor then (a worker killed for memory) still reaches the grader's stderr."""
    import subprocess
    import sys

    code = ("import os\n"
            "from autograder.sandbox import handle\n"
            f"os.dup2(os.open({str(tmp_path / 'captured')!r}, os.O_WRONLY | os.O_CREAT), 2)   # as pytest does\n"
            "handle._warn_worker_oom(768)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "autograder: the kernel killed a worker" in done.stderr, done.stderr
    assert (tmp_path / "captured").read_text() == ""
