"""Helpers for the project's own tests: grade a submission the way an instructor would
(`python -m autograder grade`, in a subprocess) and read what a student would see."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
SCHEMA = json.loads((ROOT / "autograder" / "results.schema.json").read_text())
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


def grade(path, tmp_path, seed=SEED, env=None, timeout=600, language="en"):
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


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """Grade each submission once per session: graded(path) -> results dict."""
    cache = {}

    def run(path, **kwargs):
        key = str(path)
        if key not in cache:
            cache[key] = grade(path, tmp_path_factory.mktemp("g"), **kwargs)[0]
        return cache[key]

    return run
