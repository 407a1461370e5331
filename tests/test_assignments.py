"""Every assignment but Task 1 (whose collection is tests/submissions/, graded by the other
tests) is graded here from its own folder alone: its test submissions get the verdict
their header names, and its Gradescope zip, unzipped, grades with nothing else of the
checkout. So an assignment is added by adding its folder (CONTRIBUTING.md)."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, SCHEMA, SEED, grade, lost, needs_root, reference

from autograder import assignment
from autograder import config as settings

OTHERS = [name for name in assignment.names() if name != "task1"]


def expected(path):
    """The tags a submission must lose points in (its `breaks:` line; `none`: none) and
    the hint it must get (`hint:`), or None."""
    text = path.read_text(encoding="utf-8")
    breaks = re.search(r"^breaks: (.+)$", text, re.M).group(1).strip()
    hint = re.search(r"^hint: (\S+)", text, re.M)
    return (set() if breaks == "none" else {t.strip() for t in breaks.split(",")}), hint and hint.group(1)


def submissions(name):
    return sorted(assignment.load(name).submissions.glob("*/*.py"))


def class_folder(name, folder):
    """The assignment's submissions as a class: one folder per submission, holding its FILE."""
    task = assignment.load(name)
    folder.mkdir(parents=True)
    for path in submissions(name):
        sub = folder / f"{path.parent.name}__{path.stem}"
        sub.mkdir(parents=True)
        shutil.copy(path, sub / task.file)
    return folder


@pytest.fixture(scope="module", params=OTHERS)
def graded(request, tmp_path_factory):
    """{submission path: results dict} of one assignment's submissions, graded as a class."""
    name = request.param
    tmp = tmp_path_factory.mktemp(name)
    source = class_folder(name, tmp / "class")
    assert source.is_dir() and any(source.iterdir()), f"{name} has no test submissions (submissions/*/*.py)"
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(source), "--out", str(tmp / "out"),
                           "--jobs", "2", "--seed", str(SEED), "--assignment", name], cwd=ROOT,
                          capture_output=True, text=True, timeout=1500,
                          env={**os.environ, "AUTOGRADER_LANGUAGE": "en"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = {}
    for path in submissions(name):
        data = json.loads((tmp / "out" / "results" / f"{path.parent.name}__{path.stem}.json").read_text())
        jsonschema.validate(data, SCHEMA)
        results[path] = data
    return name, results


@pytest.mark.skipif(not OTHERS, reason="no assignment besides Task 1")
def test_every_submission_gets_its_verdict(graded):
    name, results = graded
    kinds = {p.parent.name for p in results}
    assert {"correct", "buggy"} <= kinds, f"{name} needs correct and buggy submissions"
    wrong = []
    for path, data in results.items():
        breaks, hint = expected(path)
        losing = {tag for t in data["tests"] if t["score"] < t["max_score"] for tag in t.get("tags", [])}
        hints = {h for t in data["tests"] for h in t.get("extra_data", {}).get("hints", [])}
        if losing != breaks or (breaks and not losing) or (hint and hint not in hints):
            wrong.append(f"{path.relative_to(ROOT)}: breaks {sorted(breaks) or 'none'}, hint {hint}; "
                         f"lost in {sorted(losing) or 'none'}, hints {sorted(hints)}\n{lost(data)}")
    assert not wrong, "\n\n".join(wrong)


@pytest.mark.skipif(not OTHERS, reason="no assignment besides Task 1")
def test_correct_submissions_get_full_marks_and_the_total_is_100(graded):
    name, results = graded
    for path, data in results.items():
        assert sum(t["max_score"] for t in data["tests"]) == 100, f"{name}: the points add up to 100"
        if path.parent.name == "correct":
            assert data["score"] == 100, lost(data)


@pytest.mark.parametrize("name", OTHERS)
def test_its_zip_alone_grades(name, tmp_path, request):
    """`build --assignment NAME`, unzipped: the engine and that folder only, and grading its
    reference there (no --assignment: the zip holds one) gives full marks."""
    task = assignment.load(name)
    proc = subprocess.run([sys.executable, "-m", "autograder", "build", "--assignment", name, "--out",
                           str(tmp_path / "dist")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    names = zipfile.ZipFile(tmp_path / "dist" / "autograder.zip").namelist()
    assert {n.split("/")[1] for n in names if n.startswith("assignments/") and n.count("/") > 1} == {name}
    assert not any(f"/{name}/starter/" in n or f"/{name}/submissions/" in n for n in names)
    handout = zipfile.ZipFile(tmp_path / "dist" / "handout.zip").namelist()
    assert f"{name}/{task.file}" in handout and not any("reference" in n for n in handout)
    unpacked = Path(tempfile.mkdtemp(prefix="assignment-zip-"))   # the worker account must enter it
    request.addfinalizer(lambda: shutil.rmtree(unpacked, ignore_errors=True))
    zipfile.ZipFile(tmp_path / "dist" / "autograder.zip").extractall(unpacked)
    for path in [unpacked, *unpacked.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(unpacked / task.reference.relative_to(ROOT)), "--out", str(out),
                           "--seed", str(SEED)], cwd=unpacked, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "AUTOGRADER_LANGUAGE": "en", "PYTHONPATH": str(unpacked)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    assert data["score"] == 100, lost(data)
    assert {tag for t in data["tests"] for tag in t.get("tags", [])} >= set(task.tags.values())   # its own tests


@needs_root
@pytest.mark.skipif(not OTHERS, reason="no assignment besides Task 1")
def test_grading_one_assignment_closes_every_reference(tmp_path):
    """A checkout holds every assignment's solution: grading Task 1 closes reference/ whole,
    so no worker account can read the answers of a task still to come, even without Landlock."""
    others = [assignment.load(name).reference for name in OTHERS]
    for folder in [assignment.REFERENCE, *(p.parent for p in others)]:
        folder.chmod(0o755)
    grade(reference(), tmp_path)
    assert assignment.REFERENCE.stat().st_mode & 0o777 == 0o700
    worker = f"{settings.load()['limits'].user}0"
    for path in others:
        proc = subprocess.run(["/usr/bin/python3", "-c", f"open({str(path)!r}).read()"], user=worker,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode != 0 and "PermissionError" in proc.stderr, (path, proc.stderr)
