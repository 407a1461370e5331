"""The grader's fingerprint (classroom/batch.grader_fingerprint), which decides what a
rerun of grade-all regrades: any change to what decides a grade (config.GRADING_PARTS,
the settings in use, the assignment's tests, checks, texts and hidden reference) changes
it; the class batch, the tools, the starter and Python's byte-code caches do not.

Each test works on a copy of the package, the assignments, the references and the
starters in tmp_path, with config.HERE, config.CONFIG and assignment's ROOT, FOLDER,
REFERENCE and STARTER pointed at the copy (grading_files reads them on every call), so
the checkout is never touched."""
import shutil
from pathlib import Path

import pytest

from autograder import assignment, config
from autograder.classroom import batch

ROOT = Path(config.__file__).resolve().parent.parent


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A copy of autograder/, assignments/, reference/ and starter/; returns its root."""
    ignore = shutil.ignore_patterns("__pycache__")
    for folder in ("autograder", "assignments", "reference", "starter"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=ignore)
    at(monkeypatch, tmp_path)
    monkeypatch.setattr(config, "HERE", tmp_path / "autograder")
    monkeypatch.setattr(config, "CONFIG", tmp_path / "autograder" / "config.toml")
    monkeypatch.delenv("AUTOGRADER_CONFIG", raising=False)
    monkeypatch.delenv("AUTOGRADER_LANGUAGE", raising=False)
    return tmp_path


def at(monkeypatch, root):
    """The engine's folders of the tree at root, from here on."""
    monkeypatch.setattr(assignment, "ROOT", root)
    monkeypatch.setattr(assignment, "FOLDER", root / "assignments")
    monkeypatch.setattr(assignment, "REFERENCE", root / "reference")
    monkeypatch.setattr(assignment, "STARTER", root / "starter")
    assignment.load.cache_clear()


@pytest.fixture(autouse=True)
def _checkout_again():
    yield
    assignment.load.cache_clear()   # the next test sees the checkout's folder


def fingerprint(tree):
    return batch.grader_fingerprint()


def test_the_copy_has_the_checkouts_fingerprint(tree, monkeypatch):
    """Names, not paths, go into it: the same files anywhere give the same fingerprint."""
    copied = fingerprint(tree)
    monkeypatch.setattr(config, "HERE", ROOT / "autograder")
    monkeypatch.setattr(config, "CONFIG", ROOT / "autograder" / "config.toml")
    at(monkeypatch, ROOT)
    assert batch.grader_fingerprint() == copied
    at(monkeypatch, tree)
    assert fingerprint(tree) == copied, "the same files, asked twice"


REGRADES = ["autograder/grading/pytest.ini", "assignments/task1/tests/test_3_backward.py",
            "assignments/task1/tests/conftest.py", "assignments/task1/task.py", "assignments/task1/texts.py",
            "assignments/task1/contract.py", "autograder/grading/fixtures.py", "autograder/assignment.py",
            "autograder/grading/grade.py", "autograder/grading/results.schema.json",
            "autograder/sandbox/limits.py", "autograder/sandbox/worker/wire.py", "autograder/common/messages.py",
            "autograder/common/checks.py", "autograder/config.py", "autograder/config.toml",
            "reference/task1/mistakes.py", "reference/task1/mlp.py"]


@pytest.mark.parametrize("path", REGRADES)
def test_a_change_to_what_decides_a_grade_regrades(tree, path):
    before = fingerprint(tree)
    with open(tree / path, "a", encoding="utf-8") as f:
        f.write("\n# changed\n")
    assert fingerprint(tree) != before, f"{path} changed and the class would not be regraded"


@pytest.mark.parametrize("path", ["autograder/sandbox/worker/new_helper.py", "autograder/common/data.txt",
                                  "reference/task1/notes.md", "assignments/task1/tests/test_6_more.py"])
def test_a_new_file_in_those_parts_regrades(tree, path):
    before = fingerprint(tree)
    (tree / path).write_text("new\n")
    assert fingerprint(tree) != before, f"{path} added and the class would not be regraded"


def test_other_settings_regrade(tree, monkeypatch):
    before = fingerprint(tree)
    other = tree / "other.toml"
    other.write_text((tree / "autograder" / "config.toml").read_text().replace("total_seconds = 540",
                                                                             "total_seconds = 300"))
    assert other.read_text() != (tree / "autograder" / "config.toml").read_text()
    monkeypatch.setenv("AUTOGRADER_CONFIG", str(other))
    assert fingerprint(tree) != before
    same = tree / "same.toml"
    shutil.copy(tree / "autograder" / "config.toml", same)
    monkeypatch.setenv("AUTOGRADER_CONFIG", str(same))
    assert fingerprint(tree) == before, "the same settings under another name"


def test_another_language_regrades(tree, monkeypatch):
    before = fingerprint(tree)
    monkeypatch.setenv("AUTOGRADER_LANGUAGE", "en")
    assert fingerprint(tree) != before


@pytest.mark.parametrize("path", ["autograder/classroom/report.py", "autograder/classroom/batch.py",
                                  "autograder/classroom/export.py", "autograder/tools/audit.py",
                                  "autograder/tools/build.py", "autograder/tools/new_tool.py",
                                  "autograder/grading/__pycache__/grade.cpython-311.pyc",
                                  "autograder/sandbox/worker/__pycache__/wire.cpython-311.pyc",
                                  "reference/task1/__pycache__/mistakes.cpython-311.pyc", "reference/task2/logreg.py",
                                  "starter/task1/selfcheck.py", "starter/task1/HANDOUT.en.md", "starter/task1/mlp.py",
                                  "assignments/task1/mutants.py", "assignments/task1/fixtures.py",
                                  "assignments/task1/submissions/new.py"])
def test_the_batch_the_tools_and_byte_code_regrade_nothing(tree, path):
    before = fingerprint(tree)
    (tree / path).parent.mkdir(parents=True, exist_ok=True)
    with open(tree / path, "a", encoding="utf-8") as f:
        f.write("\n# changed\n")
    assert fingerprint(tree) == before, f"{path} changed and the whole class would be regraded"
