"""A broken installation is never a student's zero: when the worker cannot start (the
grader's files or its Python are out of the worker account's reach), nothing is scored,
the student reads that it is not their fault, the instructor reads the cause and the fix,
the command exits with 2 and nothing is left in /tmp."""
import glob
import json
import shutil
import site
import subprocess
import sys
import tempfile

import jsonschema
import pytest
from conftest import ROOT, SCHEMA, needs_root, reference

from autograder.sandbox.accounts import closed_to_others

GRADER_FAILED = 2


def scratch_folders():
    return set(glob.glob(f"{tempfile.gettempdir()}/grade-worker-*"))


def grade_with(python, cwd, out, language):
    before = scratch_folders()
    proc = subprocess.run([str(python), "-m", "autograder", "grade", str(reference()),
                           "--out", str(out)], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "AUTOGRADER_LANGUAGE": language})
    left = scratch_folders() - before
    return proc, left


def closed_folder(tmp_path):
    folder = tmp_path / "closed"
    folder.mkdir(mode=0o700)
    return folder


def assert_not_graded(proc, left, out, language, cause, closed):
    data = json.loads(out.read_text())
    jsonschema.validate(data, SCHEMA)
    said = {"en": "This is not your fault", "zh": "这不是你的问题"}[language]
    assert proc.returncode == GRADER_FAILED, proc.stdout + proc.stderr
    assert data["tests"] == [] and data["score"] == 0 and said in data["output"], data
    fix = f"chmod o+rx {closed_to_others(str(closed))}"   # the first folder on the way that is closed
    assert cause in proc.stderr and fix in proc.stderr, proc.stderr
    assert cause in data["extra_data"]["grader_error"]
    assert not left, f"left behind: {left}"


@pytest.mark.alone   # every scratch folder in /tmp counts
@needs_root
def test_checkout_in_a_root_only_folder(tmp_path):
    """An instructor unpacked the autograder under /root: the worker cannot read its code."""
    closed = closed_folder(tmp_path)
    for part in ("autograder", "assignments"):
        shutil.copytree(ROOT / part, closed / part, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "results.json"
    proc, left = grade_with(sys.executable, closed, out, "en")
    assert_not_graded(proc, left, out, "en", "the worker account cannot read", closed)


@pytest.mark.alone
@needs_root
def test_interpreter_the_worker_cannot_read(tmp_path):
    """A virtual environment in a root-only folder: the worker's interpreter cannot start.
    It borrows this environment's packages through a .pth file, so nothing is installed."""
    closed = closed_folder(tmp_path)
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(closed / "venv")], check=True)
    python = closed / "venv" / "bin" / "python"
    target = subprocess.run([str(python), "-c", "import site; print(site.getsitepackages()[0])"],
                            capture_output=True, text=True, check=True).stdout.strip()
    with open(f"{target}/borrowed.pth", "w") as f:
        f.write("\n".join(site.getsitepackages()) + "\n")
    out = tmp_path / "results.json"
    proc, left = grade_with(python, ROOT, out, "zh")
    assert_not_graded(proc, left, out, "zh", "the worker account cannot read", closed)


def test_setup_reads_package_lists_before_installing():
    """A fresh image may have no apt package lists: update comes first."""
    lines = [line.strip() for line in (ROOT / "autograder" / "setup.sh").read_text().splitlines()]
    update = next(i for i, line in enumerate(lines) if line.startswith("apt-get update"))
    install = next(i for i, line in enumerate(lines) if line.startswith("apt-get install"))
    assert update < install
