"""One pytest session grading many submissions (grade.SessionLoop, a batch job's) writes
what a session per submission writes. In-process, for folders without mlp.py: every
test fails with the same message, and no worker starts."""
import json
import types

import pytest

from autograder import config as settings
from autograder.grading import grade, results


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
        alone[name] = grade.grade_safely(folder, tmp_path / "alone" / f"{name}.json", 10 + i, conf, None, None,
                                         extra={"submission": name}, name=name)
    together = {}

    def each(task, tests):
        i, (name, folder) = task
        together[name] = grade.grade_safely(folder, tmp_path / "together" / f"{name}.json", 10 + i, conf, None,
                                            None, extra={"submission": name}, name=name, tests=tests)
        assert tests is not None   # graded in the one session

    grade.grade_in_sessions(enumerate(folders), each, conf, settings.REFERENCE)
    for name, _ in folders:
        written = json.loads((tmp_path / "together" / f"{name}.json").read_text())
        assert _essence(written) == _essence(together[name]) == _essence(alone[name])
        assert written["extra_data"]["seed"] != alone["bob" if name != "bob" else "alice"]["extra_data"]["seed"]
    assert len(alone["alice"]["tests"]) > 10 and not alone["alice"]["extra_data"].get("grader_error")
