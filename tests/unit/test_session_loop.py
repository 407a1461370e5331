"""One pytest session grading many submissions (session_loop.SessionLoop, a batch job's) writes
what a session per submission writes. In-process, for folders without mlp.py: every
test fails with the same message, and no worker starts."""
import json
import types

import pytest

from autograder import config as settings
from autograder.assignment import current
from autograder.grading import grade, results, session_loop


def test_a_new_grade_keeps_the_items_and_the_collection_errors_only():
    config = types.SimpleNamespace(stash=pytest.Stash())
    state = results._state(config)
    state["items"] = ["a", "b"]
    results.grader_error(config, "collecting broke")
    results.new_grade(config)
    state = results._state(config)
    state["outcomes"]["a"] = {"passed": True}
    results.add_extra(config, seed=3)
    results.grader_error(config, "a bug while grading")
    results.new_grade(config)
    state = results._state(config)
    assert state["items"] == ["a", "b"] and state["grader_errors"] == ["collecting broke"]
    assert state["outcomes"] == {} and state["extra"] == {}


def _essence(data):
    data = dict(data)
    data.pop("execution_time", None)
    return data


def test_one_session_grades_as_a_session_each(tmp_path):
    conf = settings.load()
    folders = []
    for name in ("alice", "bob", "carol"):
        (tmp_path / name).mkdir()
        folders.append((name, tmp_path / name))
    alone = {}
    for i, (name, folder) in enumerate(folders):
        alone[name] = grade.grade_safely(grade.GradeRequest.make(folder, tmp_path / "alone" / f"{name}.json", conf,
                                                                 10 + i, extra={"submission": name}, name=name))
    together = {}

    def each(task, tests):
        i, (name, folder) = task
        request = grade.GradeRequest.make(folder, tmp_path / "together" / f"{name}.json", conf, 10 + i,
                                          extra={"submission": name}, name=name)
        together[name] = grade.grade_safely(request, tests)
        assert tests is not None   # graded in the one session

    session_loop.grade_in_sessions(enumerate(folders), each, conf, current().reference)
    for name, _ in folders:
        written = json.loads((tmp_path / "together" / f"{name}.json").read_text())
        assert _essence(written) == _essence(together[name]) == _essence(alone[name])
        assert written["extra_data"]["seed"] != alone["bob" if name != "bob" else "alice"]["extra_data"]["seed"]
    assert len(alone["alice"]["tests"]) > 10 and not alone["alice"]["extra_data"].get("grader_error")


def test_a_grade_out_of_time_leaves_the_session_clean_for_the_next(tmp_path):
    """Its tests are not run (the budget is spent before it starts); the next grade in the
    same session gets what it gets alone."""
    import time

    conf = settings.load()
    (tmp_path / "late").mkdir()
    (tmp_path / "next").mkdir()
    spent = time.monotonic() - conf["limits"].total_seconds
    alone = grade.grade_safely(grade.GradeRequest.make(tmp_path / "next", tmp_path / "alone.json", conf, 5))
    got = {}

    def each(task, tests):
        name, started = task
        request = grade.GradeRequest.make(tmp_path / name, tmp_path / f"{name}.json", conf, 5, started=started)
        got[name] = grade.grade_safely(request, tests)

    session_loop.grade_in_sessions([("late", spent), ("next", None)], each, conf, current().reference)
    assert all(t["score"] == 0 for t in got["late"]["tests"]) and got["late"]["tests"]
    assert "extra_data" in got["late"]["tests"][1] and got["late"]["tests"][1]["extra_data"]["events"] == ["out_of_time"]
    assert _essence(got["next"]) == _essence(alone)
